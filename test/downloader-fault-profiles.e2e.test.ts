/**
 * `dyi download` against `dyi serve --faults <profile>`, for every built-in profile, each in
 * real processes: a seeded community's exports (one made by the engine, in parts of 64 KiB so
 * that jobs have several files, and a few small ones, so that the listing makes a few dozen
 * Graph calls for the Graph faults to strike) land complete, and every file's SHA-256 equals the one the
 * metadata store holds (read before any server started, so without faults). The server's
 * banner and log lines say fault mode is on, its log shows that faults struck, and the
 * downloader's retry events show it met them. The client runs with short timeouts and backoff
 * (a stall is one after 2 s) so that each profile takes seconds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { seedCommunity as seedSynthetic } from '../src/content/seed-community.js';
import { DATA_TYPES } from '../src/domain/index.js';
import { openRuntime } from '../src/runtime.js';
import { BUILT_IN_PROFILES } from '../src/server/faults/fault-profile.js';
import { filesOfExport, runExport } from './support/archives.js';
import { completeJobWithFiles, createExport, jobsOf } from './support/graph-fixture.js';
import { dyiArgs, runDyi } from './support/dyi-cli.js';
import { tokensFor } from './support/export-scenarios.js';
import { type ServerProcess, startServer } from './support/server-process.js';

/** A file as the downloader must leave it: where, and its bytes' SHA-256. */
interface Expected {
  readonly relativePath: string;
  readonly sha256: string;
}

/** Small exports besides the engine-made one. */
const SMALL_EXPORTS = 5;

/** The longest one profile's download may take, in milliseconds. */
const DOWNLOAD_TIMEOUT_MS = 40_000;

let dataDir: string;
let token: string;
let exportIds: string[];
let expected: Expected[];
const dirs: string[] = [];
const servers: ServerProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-fault-profiles-'));
  dirs.push(dataDir);
  const runtime = await openRuntime(
    loadConfig({}, { dataDir, logLevel: 'silent', maxPartBytes: 64 * 1024 }),
  );
  try {
    const { communityId } = await seedSynthetic(runtime, { users: 3, seed: 15 });
    token = (await tokensFor(runtime, communityId)).readToken;
    const created = await runtime.exports.create(communityId, {
      data_types: DATA_TYPES.join(','),
      dyi_format: 'JSON',
      media_quality: 'HIGH',
      start_time: '2020-01-01T00:00:00Z',
      end_time: '2026-11-01T00:00:00Z',
    });
    await runExport(runtime, created.id);
    exportIds = [created.id];
    for (let i = 0; i < SMALL_EXPORTS; i++) {
      const small = await createExport(runtime, communityId);
      for (const job of await jobsOf(runtime, small.id)) {
        await completeJobWithFiles(runtime, job, [randomBytes(2000 + i * 5000)]);
      }
      exportIds.push(small.id);
    }
    const jobFiles = await Promise.all(
      exportIds.map(async (id) => ({ id, jobs: await filesOfExport(runtime, id) })),
    );
    expected = jobFiles.flatMap(({ id: exportId, jobs }) =>
      jobs.flatMap(({ job, files }) =>
        files.map(({ file }) => ({
          relativePath: path.join(
            exportId,
            job.jobType === 'COMPANY' ? 'company' : `user-${job.userId}`,
            file.name,
          ),
          sha256: file.sha256,
        })),
      ),
    );
  } finally {
    await runtime.close();
  }
  expect(expected.length).toBeGreaterThan(20);
}, 120_000);

afterAll(async () => {
  for (const server of servers) await server.stop();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe.each(Object.keys(BUILT_IN_PROFILES))('dyi download against --faults %s', (profile) => {
  it('fetches every file, verified', async () => {
    const server = await startServer(
      dataDir,
      ['--faults', profile, '--faults-seed', '15', '--no-workers'],
      { DYI_LOG_LEVEL: 'info', DYI_LOG_FORMAT: 'json' },
    );
    servers.push(server);
    expect(server.banner).toContain(`FAULT MODE IS ON (profile ${profile})`);
    const out = await mkdtemp(path.join(tmpdir(), `dyi-fault-${profile}-`));
    dirs.push(out);
    const started = Date.now();
    const run = await download(server.baseUrl, out);
    const elapsed = Date.now() - started;
    await server.stop();

    const summary = run.events.find((event) => event.event === 'summary');
    expect(summary, `${run.stdout}\n${run.stderr}`).toMatchObject({
      ok: true,
      files: expected.length,
      failed: 0,
    });
    expect(run.code).toBe(0);
    for (const file of expected) {
      expect(await sha256Of(path.join(out, file.relativePath)), file.relativePath).toBe(
        file.sha256,
      );
    }
    const leftovers = (await readdir(out, { recursive: true })).filter((name) =>
      String(name).endsWith('.part'),
    );
    expect(leftovers).toEqual([]);

    // The faults struck, and every log line of the server said fault mode was on.
    const logLines = server
      .stdout()
      .slice(server.banner.length)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { faults?: string; fault?: string });
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.filter((line) => line.faults !== profile)).toEqual([]);
    const struck = new Set(logLines.flatMap((line) => (line.fault ? [line.fault] : [])));
    expect(struck.size).toBeGreaterThan(0);
    const retries = run.events.filter((event) => event.event === 'retry');
    if (profile !== 'slow') expect(retries.length).toBeGreaterThan(0);
    console.info(
      `--faults ${profile}: ${expected.length} files in ${elapsed} ms, faults ${[...struck].join(', ')}, ${retries.length} retries`,
    );
  }, 60_000);
});

describe('dyi serve --faults', () => {
  it('refuses a profile it does not know, naming the ones it does, before serving', async () => {
    const run = await runDyi(['serve', '--port', '0', '--data-dir', dataDir, '--faults', 'flakey']);
    expect(run.code).toBe(2);
    expect(run.stdout).not.toContain('serving');
    expect(run.stderr).toContain('Fault mode does not know the profile "flakey"');
    expect(run.stderr).toContain('flaky, rate-limited, slow, broken-downloads, everything');
  });

  it('is off unless named at start', async () => {
    const server = await startServer(dataDir, ['--no-workers']);
    servers.push(server);
    expect(server.banner).not.toContain('FAULT MODE');
    await server.stop();
  });

  it('takes its profile and seed from DYI_FAULTS and DYI_FAULTS_SEED too', async () => {
    const server = await startServer(dataDir, ['--no-workers'], {
      DYI_FAULTS: 'transient=0.1,cut=0.2',
      DYI_FAULTS_SEED: '77',
    });
    servers.push(server);
    expect(server.banner).toContain('FAULT MODE IS ON (profile transient=0.1,cut=0.2)');
    expect(server.banner).toContain('transient 10 %, cut 20 %');
    expect(server.banner).toContain('Seed 77 (DYI_FAULTS_SEED=77 repeats these faults)');
    await server.stop();
  });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly events: Record<string, unknown>[];
}

/** Runs `dyi download` with short timeouts and backoff; killed if it outlasts its timeout. */
function download(baseUrl: string, out: string): Promise<Run> {
  const args = [
    'download',
    ...['--out', out, '--base-url', baseUrl, '--token', token, '--json'],
    ...['--connect-timeout', '2000', '--idle-timeout', '2000'],
    ...['--retries', '8', '--retry-base-ms', '20'],
  ];
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, dyiArgs(args), {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, DOWNLOAD_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const events = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, stdout, stderr, events });
    });
  });
}

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}
