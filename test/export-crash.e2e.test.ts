/**
 * @module
 * The engine survives a crash: `dyi serve` (two worker threads) runs an export of a seeded
 * community and is killed with SIGKILL while some jobs are done and others are running; started
 * again on the same data directory, it finishes the export once the dead process's leases run
 * out. Then every job is COMPLETED, every `download_url` serves bytes that hash to the file's
 * `sha256`, nothing is left on disk that no file row names, jobs finished before the crash kept
 * their files, and every archive is the same, entry by entry, as an export of the same
 * parameters that nothing interrupted, but for the export's id and requested time, which each
 * archive names (`support/archive-compare.ts`).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, loadConfig } from '../src/config.js';
import { seedCommunity } from '../src/content/seed-community.js';
import { DATA_TYPES } from '../src/domain/index.js';
import { openRuntime } from '../src/runtime.js';
import { identityOf, servedExportDigest } from './support/archive-compare.js';
import {
  filesUnder,
  serverGraphCalls,
  tempBlobsOnDisk,
  tokensFor,
  waitFor,
} from './support/export-scenarios.js';
import { type ServerProcess, startServer } from './support/server-process.js';

const WORKERS = '2';
/** Small parts, so that most jobs store several and a killed job may have stored some. */
const SERVER_ENV = { DYI_MAX_PART_BYTES: String(256 * 1024) };
const EXPORT_PARAMS = {
  data_types: DATA_TYPES.join(','),
  dyi_format: 'HTML_AND_JSON',
  media_quality: 'VERY_HIGH',
  start_time: '2024-01-01T00:00:00Z',
  end_time: '2026-01-01T00:00:00Z',
};

interface ApiFile {
  readonly id: string;
  readonly part_number: number;
  readonly name: string;
  readonly file_size: number;
  readonly sha256: string;
  readonly download_url: string;
}

interface ApiJob {
  readonly id: string;
  readonly job_state: string;
  readonly user?: { readonly id: string };
}

let dataDir: string;
let readToken: string;
let manageToken: string;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-crash-'));
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  try {
    const { communityId } = await seedCommunity(runtime, { users: 24, seed: 7 });
    ({ readToken, manageToken } = await tokensFor(runtime, communityId));
  } finally {
    await runtime.close();
  }
}, 60_000);

afterAll(async () => {
  // Only the servers this file started, by their PIDs.
  await Promise.all(servers.map((server) => server.kill()));
  await rm(dataDir, { recursive: true, force: true });
});

async function serve(): Promise<ServerProcess> {
  const server = await startServer(dataDir, ['--workers', WORKERS], SERVER_ENV);
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

/** Every job of the export (company job first), as the API lists them. */
async function jobsOf(server: ServerProcess, exportId: string): Promise<ApiJob[]> {
  const { company_job: company } = await getJson<{ company_job: ApiJob }>(
    server,
    `/${exportId}?fields=company_job{id,job_state}`,
  );
  const users = await getJson<{ data: ApiJob[]; paging: { next?: string } }>(
    server,
    `/${exportId}/user_dyi_jobs?fields=id,job_state,user&limit=100`,
  );
  expect(users.paging.next).toBeUndefined();
  return [company, ...users.data];
}

async function filesOf(server: ServerProcess, jobId: string): Promise<ApiFile[]> {
  const files = await getJson<{ data: ApiFile[]; paging: { next?: string } }>(
    server,
    `/${jobId}/files?fields=id,part_number,name,file_size,sha256,download_url&limit=100`,
  );
  expect(files.paging.next).toBeUndefined();
  return files.data;
}

async function waitForCompletion(server: ServerProcess, exportId: string): Promise<void> {
  let last: unknown;
  await waitFor(
    `export ${exportId} to complete`,
    async () => {
      last = await getJson<{ is_completed: boolean }>(server, `/${exportId}?fields=is_completed`);
      return (last as { is_completed: boolean }).is_completed ? true : undefined;
    },
    // The killed process's leases must run out first.
    {
      // Generous: a loaded machine (a CI run beside other work) runs the rest slowly.
      timeoutMs: DEFAULTS.jobLeaseMs + 60_000,
      intervalMs: 100,
      describe: () => JSON.stringify(last),
    },
  );
}

/**
 * Every archive of a completed export, downloaded and described entry by entry with the
 * export's id and create time as placeholders (`support/archive-compare.ts`).
 */
async function digestOf(server: ServerProcess, exportId: string): Promise<Map<string, string>> {
  const { create_time } = await getJson<{ create_time: string | number }>(
    server,
    `/${exportId}?fields=create_time`,
  );
  const served = [];
  for (const job of await jobsOf(server, exportId)) {
    expect(job.job_state).toBe('COMPLETED');
    served.push({ ...job, files: await filesOf(server, job.id) });
  }
  return servedExportDigest(served, identityOf(exportId, create_time));
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('a server killed with SIGKILL in the middle of an export', () => {
  it('finishes the export after a restart, with the bytes of an undisturbed run', async () => {
    const first = await serve();
    const exportId = await createExport(first);

    // Kill it once some jobs are done and others are running, best while a running job has
    // stored some of its parts already (or else before the last few jobs have started).
    let seen: (ApiJob & { files: { data: unknown[] } })[] = [];
    await waitFor(
      'some jobs COMPLETED while others are IN_PROGRESS',
      async () => {
        const { data } = await getJson<{ data: typeof seen }>(
          first,
          `/${exportId}/user_dyi_jobs?fields=id,job_state,files.limit(1){id}&limit=100`,
        );
        seen = data;
        const count = (state: string) => seen.filter((job) => job.job_state === state).length;
        const running = seen.filter((job) => job.job_state === 'IN_PROGRESS');
        const midJob = running.some((job) => job.files.data.length > 0);
        const lastChance = count('PENDING') + running.length <= 4;
        return count('COMPLETED') >= 2 && running.length > 0 && (midJob || lastChance)
          ? true
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 10, describe: () => JSON.stringify(seen) },
    );
    await first.kill();

    // What the crash left, read from the data directory itself.
    const before = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
    const keptFiles = new Map<string, string[]>();
    let unfinished = 0;
    try {
      for (const jobId of await before.metadata.jobs.idsOfExport(exportId)) {
        const job = await before.metadata.jobs.get(jobId);
        if (job?.state !== 'COMPLETED') {
          unfinished++;
          continue;
        }
        const files = await before.metadata.files.listByJob(jobId, { limit: 100 });
        keptFiles.set(
          jobId,
          files.items.map((file) => file.id),
        );
      }
    } finally {
      await before.close();
    }
    expect(keptFiles.size).toBeGreaterThanOrEqual(2);
    expect(unfinished).toBeGreaterThan(0);

    const second = await serve();
    await waitForCompletion(second, exportId);
    // The killed process's unfinished writes were cleaned up when the next one started.
    const leftovers = (await tempBlobsOnDisk(dataDir)).filter((name) =>
      name.includes(`-${first.pid}-`),
    );
    expect(leftovers).toEqual([]);

    const jobs = await jobsOf(second, exportId);
    expect(jobs.map((job) => job.job_state)).toEqual(jobs.map(() => 'COMPLETED'));
    const listed = new Set<string>();
    for (const job of jobs) {
      const files = await filesOf(second, job.id);
      expect(files.length).toBeGreaterThan(0);
      expect(files.map((file) => file.part_number)).toEqual(files.map((_, i) => i + 1));
      // A job finished before the crash was not run again.
      const kept = keptFiles.get(job.id);
      if (kept) expect(files.map((file) => file.id)).toEqual(kept);
      for (const file of files) {
        listed.add(path.join(job.id, file.id));
        const response = await fetch(file.download_url);
        expect(response.status).toBe(200);
        const bytes = new Uint8Array(await response.arrayBuffer());
        expect(bytes.length).toBe(file.file_size);
        expect(sha256(bytes)).toBe(file.sha256);
      }
    }
    // No bytes of an interrupted run are left under the export that no file row names.
    const onDisk = await filesUnder(path.join(dataDir, 'blobs', 'exports', exportId));
    expect(onDisk).toEqual([...listed].sort());

    // The same export, undisturbed, gives the same archives but for its id and time.
    const undisturbedId = await createExport(second);
    await waitForCompletion(second, undisturbedId);
    const crashed = await digestOf(second, exportId);
    expect(crashed.size).toBeGreaterThan(jobs.length);
    expect(await digestOf(second, undisturbedId)).toEqual(crashed);

    expect(await second.stop(), second.stderr()).toBe(0);
  }, 180_000);
});
