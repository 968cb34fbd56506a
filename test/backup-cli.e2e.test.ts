/**
 * @module
 * `dyi backup` and `dyi restore`, run as an operator runs them, on a data dir whose `dyi serve`
 * keeps working: one export is running and the files of a finished one are being downloaded
 * over and over while the backup is taken. The backup restores into a new data dir whose
 * server lists the same exports, jobs and files (id, name, size, SHA-256) as the original
 * did for the finished export, and serves every file with the same SHA-256; its audit trail
 * verifies, and its workers finish the export that was running. A non-empty target, a damaged backup and a
 * scale-out configuration are refused, each saying what to do.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { seedCommunity } from '../src/content/seed-community.js';
import { DATA_TYPES } from '../src/domain/index.js';
import { openRuntime } from '../src/runtime.js';
import type { BackupManifest } from '../src/services/backup-manifest.js';
import { runDyi } from './support/dyi-cli.js';
import { serverGraphCalls, tokensFor, waitFor } from './support/export-scenarios.js';
import { type ServerProcess, startServer } from './support/server-process.js';

const SERVER_ENV = { DYI_MAX_PART_BYTES: String(256 * 1024) };
const EXPORT_PARAMS = {
  data_types: DATA_TYPES.join(','),
  dyi_format: 'HTML_AND_JSON',
  media_quality: 'HIGH',
  start_time: '2024-01-01T00:00:00Z',
  end_time: '2026-01-01T00:00:00Z',
};

interface ApiFile {
  readonly id: string;
  readonly name: string;
  readonly file_size: number;
  readonly sha256: string;
  readonly download_url: string;
}

let scratch: string;
let dataDir: string;
let readToken: string;
let manageToken: string;
let communityId: string;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'dyi-backup-'));
  dataDir = path.join(scratch, 'live');
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  try {
    ({ communityId } = await seedCommunity(runtime, { users: 16, seed: 5 }));
    ({ readToken, manageToken } = await tokensFor(runtime, communityId));
  } finally {
    await runtime.close();
  }
}, 120_000);

afterAll(async () => {
  // Only the servers this file started, by their PIDs.
  await Promise.all(servers.map((server) => server.kill()));
  await rm(scratch, { recursive: true, force: true });
});

async function serve(dir: string): Promise<ServerProcess> {
  const server = await startServer(dir, ['--workers', '1'], SERVER_ENV);
  servers.push(server);
  return server;
}

const { getJson, createExport: createExportWith } = serverGraphCalls(() => ({
  readToken,
  manageToken,
}));

function createExport(server: ServerProcess): Promise<string> {
  return createExportWith(server, EXPORT_PARAMS);
}

async function waitForCompletion(server: ServerProcess, exportId: string): Promise<void> {
  await waitFor(
    `export ${exportId} to complete`,
    async () => {
      const { is_completed } = await getJson<{ is_completed: boolean }>(
        server,
        `/${exportId}?fields=is_completed`,
      );
      return is_completed ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 200 },
  );
}

/** The export's jobs and their files as the API lists them (download URLs left out). */
async function listingOf(server: ServerProcess, exportId: string): Promise<unknown> {
  const jobs = await getJson<{ data: { id: string; job_state: string }[] }>(
    server,
    `/${exportId}/user_dyi_jobs?fields=id,job_state,user&limit=100`,
  );
  const { company_job } = await getJson<{ company_job: { id: string; job_state: string } }>(
    server,
    `/${exportId}?fields=company_job{id,job_state}`,
  );
  const listed = [];
  for (const job of [company_job, ...jobs.data]) {
    const files = await filesOf(server, job.id);
    listed.push({ ...job, files: files.map(({ download_url: _, ...rest }) => rest) });
  }
  return listed;
}

async function filesOf(server: ServerProcess, jobId: string): Promise<ApiFile[]> {
  const { data } = await getJson<{ data: ApiFile[] }>(
    server,
    `/${jobId}/files?fields=id,name,file_size,sha256,download_url&limit=100`,
  );
  return data;
}

async function allFiles(server: ServerProcess, exportId: string): Promise<ApiFile[]> {
  const jobs = await getJson<{ data: { id: string }[] }>(
    server,
    `/${exportId}/user_dyi_jobs?fields=id&limit=100`,
  );
  const { company_job } = await getJson<{ company_job: { id: string } }>(
    server,
    `/${exportId}?fields=company_job{id}`,
  );
  const files: ApiFile[] = [];
  for (const job of [company_job, ...jobs.data]) files.push(...(await filesOf(server, job.id)));
  return files;
}

async function downloadedSha256(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return createHash('sha256')
    .update(new Uint8Array(await response.arrayBuffer()))
    .digest('hex');
}

async function exportIds(server: ServerProcess): Promise<string[]> {
  const { data } = await getJson<{ data: { id: string }[] }>(
    server,
    '/community/work_dyi_jobs?fields=id&limit=100',
  );
  return data.map((e) => e.id).sort();
}

describe('dyi backup of a running deployment, and dyi restore', () => {
  it('restores a backup taken while an export runs and downloads go on', async () => {
    const live = await serve(dataDir);
    const finished = await createExport(live);
    await waitForCompletion(live, finished);
    const files = await allFiles(live, finished);
    expect(files.length).toBeGreaterThan(3);
    const running = await createExport(live);

    // Downloads go on, over and over, for as long as the backup takes.
    let downloading = true;
    let downloads = 0;
    const downloader = (async () => {
      while (downloading) {
        for (const file of files) {
          expect(await downloadedSha256(file.download_url)).toBe(file.sha256);
          downloads++;
        }
      }
    })();
    const out = path.join(scratch, 'backup');
    const backup = await runDyi(['backup', '--data-dir', dataDir, '--out', out]);
    downloading = false;
    await downloader;
    expect(backup.stderr + backup.stdout).toMatch(/Backed up/);
    expect(backup.code).toBe(0);
    expect(downloads).toBeGreaterThan(0);

    const manifest = JSON.parse(
      await readFile(path.join(out, 'manifest.json'), 'utf8'),
    ) as BackupManifest;
    expect(manifest.counts.communities).toBe(1);
    expect(manifest.counts.exports).toBe(2);
    expect(manifest.files[0]?.path).toBe('dyi.sqlite');
    for (const file of files) {
      expect(manifest.files.some((entry) => entry.sha256 === file.sha256)).toBe(true);
    }

    // The snapshot caught the second export running: some of its jobs had yet to finish.
    const snapshot = new Database(path.join(out, 'dyi.sqlite'), { readonly: true });
    const counts = snapshot
      .prepare(
        'SELECT pending + in_progress AS unfinished FROM export_job_counts WHERE export_id = ?',
      )
      .get(Number(running)) as { unfinished: number };
    snapshot.close();
    expect(counts.unfinished).toBeGreaterThan(0);

    const restoredDir = path.join(scratch, 'restored');
    const restore = await runDyi(['restore', '--from', out, '--data-dir', restoredDir]);
    expect(restore.stderr).not.toMatch(/dyi:/);
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain(`Verified: ${manifest.files.length} files`);

    // The audit trail's hash chain holds in the copy, as it did in the original.
    const audit = await runDyi(['audit', 'verify', '--data-dir', restoredDir]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);

    const restored = await serve(restoredDir);
    expect(await exportIds(restored)).toEqual(await exportIds(live));
    expect(await listingOf(restored, finished)).toEqual(await listingOf(live, finished));
    for (const file of await allFiles(restored, finished)) {
      expect(file.download_url.startsWith(restored.baseUrl)).toBe(true);
      expect(await downloadedSha256(file.download_url)).toBe(file.sha256);
    }
    // The export that ran during the backup finishes on the restored deployment too.
    await waitForCompletion(restored, running);
    for (const file of await allFiles(restored, running)) {
      expect(await downloadedSha256(file.download_url)).toBe(file.sha256);
    }
  }, 300_000);

  it('refuses a non-empty target and a damaged backup, saying which file', async () => {
    const out = path.join(scratch, 'backup');
    const occupied = await mkdtemp(path.join(scratch, 'occupied-'));
    await writeFile(path.join(occupied, 'notes.txt'), 'mine');
    const refused = await runDyi(['restore', '--from', out, '--data-dir', occupied]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${occupied} is not empty (it holds notes.txt)`);
    expect(refused.stderr).toContain('name a new or empty directory');

    const manifest = JSON.parse(
      await readFile(path.join(out, 'manifest.json'), 'utf8'),
    ) as BackupManifest;
    const blob = manifest.files.find((entry) => entry.path.startsWith('blobs/exports/'));
    if (!blob) throw new Error('no export blob in the backup');
    const bytes = await readFile(path.join(out, blob.path));
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    await writeFile(path.join(out, blob.path), bytes);
    const damaged = await runDyi([
      'restore',
      '--from',
      out,
      '--data-dir',
      path.join(scratch, 'from-damaged'),
    ]);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain(`${blob.path} has ${blob.size} bytes with SHA-256`);
  }, 60_000);

  it('refuses a scale-out configuration, pointing to docs/operations.md', async () => {
    const result = await runDyi(['backup', '--out', path.join(scratch, 'never')], {
      DYI_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/whatever',
      DYI_DATA_DIR: dataDir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('docs/operations.md');
    expect(result.stderr).toContain('pg_dump');
  });
});
