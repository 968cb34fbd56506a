/**
 * @module
 * `dyi copy` moves an embedded deployment to PostgreSQL and S3 (Swift): a seeded community
 * with a finished export (small parts, so jobs have several files) and a second export left
 * pending. The copy is killed halfway through its blobs and run again; the second run finishes,
 * says what it found already there, and verifies. Then a runtime on PostgreSQL and S3 answers
 * the Graph API as the embedded one did (download links aside: they are signed per request),
 * and every file downloaded from it hashes to its `sha256`; its workers finish the pending
 * export. A target holding another deployment, and a data dir whose server runs, are refused
 * with exit code 2.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { seedCommunity } from '../src/content/seed-community.js';
import { DATA_TYPES } from '../src/domain/index.js';
import { type PoolLog, WorkerPool } from '../src/export/worker-pool.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { buildApp } from '../src/server/app.js';
import { runExport } from './support/archives.js';
import { runDyi, spawnDyi } from './support/dyi-cli.js';
import { tokensFor, waitFor } from './support/export-scenarios.js';
import {
  createTestDatabase,
  requireServices,
  type TestDatabase,
  whyNoPostgres,
} from './support/postgres.js';
import { swiftSkipReason, type TestS3, testSwift } from './support/swift.js';

const EXPORT_PARAMS = {
  data_types: DATA_TYPES.join(','),
  dyi_format: 'HTML_AND_JSON',
  media_quality: 'HIGH',
  start_time: '2024-01-01T00:00:00Z',
  end_time: '2026-01-01T00:00:00Z',
};

const silent: PoolLog = { warn: () => undefined, error: () => undefined, info: () => undefined };

let dataDir: string;
let scratchDir: string;
let database: TestDatabase | undefined;
let s3: TestS3;
let bucket: string;
let s3Env: Record<string, string>;
let readToken: string;
let paths: string[];
/** Graph answers of the embedded runtime, by path. */
const embeddedAnswers = new Map<string, unknown>();

/** Why the tests skip (Swift or PostgreSQL missing); both throw under DYI_REQUIRE_SERVICES=1. */
const skipReason = (await swiftSkipReason()) ?? (await whyNoPostgres());
if (skipReason !== undefined && requireServices) {
  throw new Error(`DYI_REQUIRE_SERVICES=1 but ${skipReason}`);
}

beforeAll(async () => {
  if (skipReason !== undefined) return;
  database = await createTestDatabase();
  s3 = await testSwift();
  bucket = await s3.createBucket();
  s3Env = {
    DYI_S3_ENDPOINT: s3.endpoint,
    DYI_S3_REGION: s3.region,
    DYI_S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  };
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-copy-'));
  scratchDir = await mkdtemp(path.join(tmpdir(), 'dyi-copy-target-'));
  const runtime = await openRuntime(
    loadConfig({}, { dataDir, logLevel: 'silent', maxPartBytes: 128 * 1024 }),
  );
  try {
    const { communityId } = await seedCommunity(runtime, { users: 5, seed: 3 });
    const tokens = await tokensFor(runtime, communityId);
    readToken = tokens.readToken;
    const done = await runtime.exports.create(communityId, EXPORT_PARAMS);
    await runExport(runtime, done.id);
    // Small, so that the workers on PostgreSQL finish it quickly; with both media options on,
    // so that the copy is seen to keep them.
    const pending = await runtime.exports.create(communityId, {
      ...EXPORT_PARAMS,
      data_types: 'WORKPLACE_COMPANY_METADATA_USER_PROFILE',
      dyi_format: 'JSON',
      media_quality: 'VERY_HIGH',
      keep_original_media: 'true',
      withhold_others_media: 'true',
    });
    paths = await graphPaths(runtime, [done.id, pending.id]);
    for (const [at, answer] of await answersOf(runtime, paths)) embeddedAnswers.set(at, answer);
  } finally {
    await runtime.close();
  }
}, 120_000);

afterAll(async () => {
  if (bucket) await s3.removeBucket(bucket);
  await database?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
});

/** Every Graph path whose answer the copy must keep: exports, their jobs, the jobs' files. */
async function graphPaths(runtime: Runtime, exportIds: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const exportId of exportIds) {
    found.push(`/${exportId}`, `/${exportId}?fields=company_job`);
    found.push(`/${exportId}?fields=media_quality,keep_original_media,withhold_others_media`);
    found.push(`/${exportId}/user_dyi_jobs?limit=100`);
    for (const jobId of await runtime.metadata.jobs.idsOfExport(exportId)) {
      found.push(`/${jobId}`);
      found.push(`/${jobId}/files?fields=id,file_size,sha256,part_number,download_url&limit=100`);
    }
  }
  return found;
}

/** The answers of `paths`, download links left out (signed anew each time). */
async function answersOf(runtime: Runtime, at: readonly string[]): Promise<Map<string, unknown>> {
  const app = await buildApp(runtime);
  try {
    const answers = new Map<string, unknown>();
    for (const pathAndQuery of at) {
      const url = `${pathAndQuery}${pathAndQuery.includes('?') ? '&' : '?'}access_token=${readToken}`;
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, response.body).toBe(200);
      answers.set(
        pathAndQuery,
        JSON.parse(response.body, (key, value: unknown) =>
          key === 'download_url' ? 'signed' : value,
        ),
      );
    }
    return answers;
  } finally {
    await app.close();
  }
}

function copyArgs(from: string, to: string): string[] {
  return ['copy', '--data-dir', from, '--to', to, '--to-blobs', `s3://${bucket}/dyi`];
}

/** Runs `dyi copy` and kills it once it has copied some blobs and not all. */
async function copyKilledHalfway(): Promise<NodeJS.Signals | null> {
  const child = spawnDyi(copyArgs(dataDir, database?.url ?? ''), s3Env);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    const [, done = '0', total = '0'] =
      [...stderr.matchAll(/copying blobs: (\d+)\/(\d+)/g)].at(-1) ?? [];
    if (Number(done) > 0 && Number(done) < Number(total)) child.kill('SIGKILL');
  });
  return new Promise((resolve) => child.on('close', (_code, signal) => resolve(signal)));
}

describe.skipIf(skipReason !== undefined)('dyi copy', () => {
  it('copies every row and blob, and finishes when run again after being killed', async () => {
    const signal = await copyKilledHalfway();
    const again = await runDyi(copyArgs(dataDir, database?.url ?? ''), s3Env);
    expect(again.stderr).not.toMatch(/dyi: /);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/dyi_files: \d+ rows, 0 copied, \d+ already there/);
    expect(again.stdout).toMatch(/^Verified: /m);
    const blobs =
      /blobs to s3:\/\/\S+: (\d+) \([\d.]+ MB\), (\d+) copied.*?(?:, (\d+) already there)?$/m.exec(
        again.stdout,
      );
    expect(blobs, again.stdout).not.toBeNull();
    expect(signal).toBe('SIGKILL');
    expect(Number(blobs?.[3] ?? 0)).toBeGreaterThan(0);

    const third = await runDyi(copyArgs(dataDir, database?.url ?? ''), s3Env);
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(/: (\d+) \([\d.]+ MB\), 0 copied/);
  }, 120_000);

  it('gives a runtime on PostgreSQL and S3 the same answers and bytes', async () => {
    const config = loadConfig(s3Env, {
      dataDir: scratchDir,
      databaseUrl: database?.url ?? '',
      blobStore: `s3://${bucket}/dyi`,
      logLevel: 'silent',
    });
    const runtime = await openRuntime(config);
    try {
      const answers = await answersOf(runtime, paths);
      for (const at of paths) expect(answers.get(at), at).toEqual(embeddedAnswers.get(at));
      await expectFilesHashRight(runtime);
      // The export left pending goes on: a worker pool queues every unfinished job at start.
      expect(await runtime.metadata.jobs.unfinishedIds()).not.toHaveLength(0);
      const pool = new WorkerPool({ ...runtime, threads: 1, log: silent });
      await pool.start();
      try {
        await waitFor(
          'the pending export to finish on PostgreSQL',
          async () =>
            (await runtime.metadata.jobs.unfinishedIds()).length === 0 ? true : undefined,
          { timeoutMs: 60_000, intervalMs: 200 },
        );
      } finally {
        await pool.stop();
      }
    } finally {
      await runtime.close();
    }
  }, 90_000);

  it('refuses a database holding another deployment, and a data dir being served', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'dyi-copy-other-'));
    try {
      const runtime = await openRuntime(loadConfig({}, { dataDir: other, logLevel: 'silent' }));
      await seedCommunity(runtime, { users: 1, seed: 4 }).finally(() => runtime.close());
      const refused = await runDyi(copyArgs(other, database?.url ?? ''), s3Env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/holds another deployment's data/);
      await writeFile(
        path.join(other, 'server.json'),
        JSON.stringify({ pid: process.pid, url: 'http://127.0.0.1:1' }),
      );
      const served = await runDyi(copyArgs(other, database?.url ?? ''), s3Env);
      expect(served.code).toBe(2);
      expect(served.stderr).toMatch(/is running on/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Every file's bytes, through its download link on `runtime`, hash to its sha256. */
async function expectFilesHashRight(runtime: Runtime): Promise<void> {
  const app = await buildApp(runtime);
  try {
    let checked = 0;
    for (const at of paths.filter((p) => p.includes('/files?'))) {
      const response = await app.inject({ method: 'GET', url: `${at}&access_token=${readToken}` });
      const { data } = JSON.parse(response.body) as {
        data: { sha256: string; file_size: number; download_url: string }[];
      };
      for (const file of data) {
        const url = new URL(file.download_url);
        const download = await app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
        expect(download.statusCode).toBe(200);
        expect(download.rawPayload.length).toBe(file.file_size);
        expect(createHash('sha256').update(download.rawPayload).digest('hex')).toBe(file.sha256);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  } finally {
    await app.close();
  }
}
