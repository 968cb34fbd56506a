/**
 * @module
 * A full disk, for real: the data directory on a small tmpfs mounted for this test, exports
 * run by real worker threads, the API through `inject()`. It shows what a full disk does:
 * - a job whose archive does not fit retries with backoff, then ends FAILED with a message
 *   saying that storage is full and what to do; the log says so once, and no thread crashes;
 * - with no byte left: reads answer, writes answer a Graph envelope (HTTP 503, code 2,
 *   transient) rather than code 1, and DELETE of an export works and frees its bytes;
 * - worker threads started on the full disk wait instead of crash-looping, and once space is
 *   freed the queued export completes, and so does a new one, without a restart.
 * Mounting needs root (as in CI). Elsewhere the test is skipped with its reason, and under
 * DYI_REQUIRE_SERVICES=1 it fails instead.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, stat, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type PoolLog, WorkerPool } from '../src/export/worker-pool.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { buildApp } from '../src/server/app.js';
import { addBulkyMember, filesUnder, waitFor } from './support/export-scenarios.js';
import { graph, seedCommunity, type SeededCommunity } from './support/graph-fixture.js';

const REQUIRE_SERVICES = process.env.DYI_REQUIRE_SERVICES === '1';
const KIB = 1024;
const MIB = 1024 * KIB;
/** Size of the small disk: room for the database, the reserve and a few MiB of archives. */
const DISK_BYTES = 24 * MIB;
const START_TIME = '2024-01-01T00:00:00Z';
const END_TIME = '2026-01-01T00:00:00Z';
const POST_TIME = Date.UTC(2025, 0, 15) / 1000;
/** Bound on every wait below; the backoff is short (50 ms, then 200 ms). */
const WAIT_MS = 60_000;

let mountPoint: string | undefined;
let unavailable: string | undefined;
let runtime: Runtime | undefined;
let app: FastifyInstance | undefined;
const pools: WorkerPool[] = [];
const logged: string[] = [];
const events: string[] = [];
const log: PoolLog = {
  warn: (line) => void logged.push(`warn ${line}`),
  error: (line) => void logged.push(`error ${line}`),
  info: (line) => void logged.push(`info ${line}`),
};

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dyi-disk-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES}`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
    mountPoint = dir;
  } catch (error) {
    unavailable = `cannot mount a tmpfs (needs root, as in CI): ${String((error as Error).message).split('\n')[0]}`;
    await rm(dir, { recursive: true, force: true });
  }
});

afterAll(async () => {
  for (const pool of pools) await pool.stop();
  await app?.close();
  await runtime?.close();
  if (mountPoint) {
    execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  }
});

async function freeBytes(): Promise<number> {
  const stats = await statfs(mountPoint ?? '/');
  return stats.bavail * stats.bsize;
}

/** Writes a file of zeros until the disk holds no more than `leaveBytes` free (0: full). */
async function fill(name: string, leaveBytes: number): Promise<void> {
  const file = await open(path.join(mountPoint ?? '', name), 'w');
  try {
    for (const chunk of [MIB, 64 * KIB, 4 * KIB, 512, 1]) {
      const buffer = Buffer.alloc(chunk);
      try {
        while ((await freeBytes()) - chunk >= leaveBytes) await file.write(buffer);
        if (leaveBytes === 0) for (;;) await file.write(buffer);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    await file.close();
  }
}

interface JobView {
  readonly id: string;
  readonly job_state: string;
  readonly state_message?: string;
}

class Api {
  constructor(
    private readonly server: FastifyInstance,
    private readonly seeded: SeededCommunity,
  ) {}

  create(params: Record<string, string>) {
    return graph(this.server, 'POST', '/v22.0/community/work_dyi_jobs', {
      token: this.seeded.manageToken,
      form: {
        dyi_format: 'JSON',
        media_quality: 'VERY_HIGH',
        start_time: START_TIME,
        end_time: END_TIME,
        ...params,
      },
    });
  }

  async created(params: Record<string, string>): Promise<string> {
    const answer = await this.create(params);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return (answer.body as { id: string }).id;
  }

  async jobs(exportId: string): Promise<JobView[]> {
    const fields = 'id,job_state,state_message';
    const answer = await graph(
      this.server,
      'GET',
      `/v22.0/${exportId}?fields=company_job{${fields}},user_dyi_jobs.limit(100){${fields}}`,
      { token: this.seeded.readToken },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const body = answer.body as { company_job: JobView; user_dyi_jobs?: { data: JobView[] } };
    return [body.company_job, ...(body.user_dyi_jobs?.data ?? [])];
  }

  /** Waits until every job of the export is final; returns them. */
  settled(exportId: string): Promise<JobView[]> {
    let last: JobView[] = [];
    return waitFor(
      `export ${exportId} to finish`,
      async () => {
        last = await this.jobs(exportId);
        const open = last.some((job) => ['PENDING', 'IN_PROGRESS'].includes(job.job_state));
        return open ? undefined : last;
      },
      {
        timeoutMs: WAIT_MS,
        intervalMs: 100,
        describe: () =>
          `${JSON.stringify(last)}; log: ${JSON.stringify(logged)}; events: ${JSON.stringify(events)}`,
      },
    );
  }
}

function startPool(current: Runtime): WorkerPool {
  const pool = new WorkerPool({
    config: current.config,
    metadata: current.metadata,
    queue: current.queue,
    threads: 1,
    log,
  });
  pool.on(
    'job',
    (event) => void events.push(`${event.jobId} ${event.outcome} ${event.message ?? ''}`),
  );
  pools.push(pool);
  return pool;
}

it('a full disk fails jobs with a clear message, keeps answering, and lets DELETE free space', async (ctx) => {
  if (!mountPoint) {
    const why = unavailable ?? 'no small disk';
    if (REQUIRE_SERVICES) throw new Error(`DYI_REQUIRE_SERVICES=1 but ${why}`);
    ctx.skip(why);
    return;
  }
  const dataDir = path.join(mountPoint, 'data');
  await mkdir(dataDir);
  const config = loadConfig(
    {},
    { dataDir, logLevel: 'silent', maxPartBytes: MIB, jobAttempts: 3, jobRetryDelayMs: 50 },
  );
  runtime = await openRuntime(config);
  app = await buildApp(runtime);
  const seeded = await seedCommunity(runtime, 'Acme', 0);
  const api = new Api(app, seeded);
  const communityId = seeded.community.id;
  // A member whose archive is 2 MiB of media, and one whose archive is 12 MiB.
  const small = await addBulkyMember(runtime, communityId, {
    sourceId: 'small',
    posts: 4,
    fileBytes: 512 * KIB,
    time: POST_TIME,
  });
  const big = await addBulkyMember(runtime, communityId, {
    sourceId: 'big',
    posts: 24,
    fileBytes: 512 * KIB,
    time: POST_TIME,
  });
  let pool = startPool(runtime);
  await pool.start();

  // An export that fits: it completes, and its files are what DELETE frees later.
  const kept = await api.created({ data_types: 'POSTS_YOUR_ACTIVITY', user_ids: small.memberId });
  expect((await api.settled(kept)).map((job) => job.job_state)).toEqual(['COMPLETED', 'COMPLETED']);
  const keptDir = path.join(dataDir, 'blobs', 'exports', kept);
  let keptBytes = 0;
  for (const file of await filesUnder(keptDir))
    keptBytes += (await stat(path.join(keptDir, file))).size;
  expect(keptBytes).toBeGreaterThan(2 * MIB);

  // The database keeps room for deletes beside it.
  expect((await stat(path.join(dataDir, 'dyi.sqlite-reserve'))).size).toBe(4 * MIB);

  // 1. An export that cannot fit: retried with backoff, then FAILED, saying why.
  await fill('filler-1', 3 * MIB);
  const tooBig = await api.created({ data_types: 'POSTS_YOUR_ACTIVITY', user_ids: big.memberId });
  const [, bigJob] = await api.settled(tooBig);
  expect(bigJob?.job_state).toBe('FAILED');
  expect(bigJob?.state_message).toMatch(
    /^The job failed 3 times; the last error: Storage is full: /,
  );
  expect(bigJob?.state_message).toContain('Free space on that disk');
  expect(logged.filter((line) => line.includes('Storage is full'))).toHaveLength(1);
  expect(logged.find((line) => line.includes('Storage is full'))).toContain(dataDir);
  expect(pool.threadsStarted).toBe(1);

  // 2. No byte left, an export queued, and workers (re)started on the full disk.
  await pool.stop();
  const queued = await api.created({ data_types: 'WORKPLACE_COMPANY_METADATA_COMPANY_INFO' });
  await fill('filler-2', 0);
  expect(await freeBytes()).toBe(0);
  pool = startPool(runtime);
  await pool.start();
  logged.length = 0;

  // Reads answer; writes answer a transient envelope, not code 1.
  const read = await graph(app, 'GET', `/v22.0/${tooBig}?fields=id,is_completed`, {
    token: seeded.readToken,
  });
  expect(read).toMatchObject({ status: 200, body: { id: tooBig, is_completed: true } });
  const refused = await api.create({ data_types: 'WORKPLACE_COMPANY_METADATA_COMPANY_INFO' });
  expect(refused.status).toBe(503);
  expect(refused.body).toMatchObject({ error: { code: 2, is_transient: true } });
  expect((refused.body as { error: { message: string } }).error.message).toMatch(
    /^\(#2\) Storage is full: /,
  );
  expect((refused.body as { error: { message: string } }).error.message).not.toContain(dataDir);

  // The worker meets the full disk (its claim cannot be written) and waits: no crash loop.
  await waitFor(
    'the worker to report the full disk',
    () =>
      Promise.resolve(logged.some((line) => line.includes('Storage is full')) ? true : undefined),
    { timeoutMs: WAIT_MS },
  );
  expect(pool.threadsStarted).toBe(1);

  // DELETE works on the full disk, and gives back the bytes of the export's files.
  const before = await freeBytes();
  for (const exportId of [kept, tooBig]) {
    const deleted = await graph(app, 'DELETE', `/v22.0/${exportId}`, { token: seeded.manageToken });
    expect(deleted, JSON.stringify(deleted.body)).toMatchObject({
      status: 200,
      body: { success: true },
    });
  }
  expect(await filesUnder(keptDir)).toEqual([]);
  // All of its bytes, but for the few pages the database wrote to record the deletes.
  expect(await freeBytes()).toBeGreaterThan(before + keptBytes - 256 * KIB);

  // 3. Space freed: the queued export completes, and a new one too, on the same threads.
  await rm(path.join(mountPoint, 'filler-1'));
  await rm(path.join(mountPoint, 'filler-2'));
  const queuedJobs = await api.settled(queued);
  expect(queuedJobs.length).toBe(3);
  expect(queuedJobs.every((job) => job.job_state === 'COMPLETED')).toBe(true);
  const fresh = await api.created({ data_types: 'POSTS_YOUR_ACTIVITY', user_ids: small.memberId });
  expect((await api.settled(fresh)).map((job) => job.job_state)).toEqual([
    'COMPLETED',
    'COMPLETED',
  ]);
  expect(pool.threadsStarted).toBe(1);
  expect(logged.filter((line) => line.includes('Storage is full'))).toHaveLength(1);
  expect(logged.some((line) => line.includes('Storage has room again'))).toBe(true);
}, 180_000);
