/**
 * @module
 * The product scaled out, in real processes: two `dyi serve --no-workers` behind a round-robin
 * balancer (each request to the next API process) and two `dyi worker --threads 1`, on one
 * seeded community made with `dyi seed` and `dyi token create`. It checks that
 * - an export made through the balancer is run by the worker processes; its jobs page over
 *   both API processes (a cursor from one is used on the other); the SDK's downloader fetches
 *   every file through the balancer, from both, with sizes and SHA-256 as the API says; and
 *   its archives are the same, entry by entry, as the same export run by one embedded
 *   `dyi serve` (but for the export's id and time);
 * - a token revoked in the admin panel (signed in and posted through the balancer) is refused
 *   by both API processes within 1 s, and a panel page open on one API process hears of an
 *   export made on the other;
 * - the panel's one-time page of a new token shows it when the redirect lands on the other
 *   API process;
 * - on PostgreSQL, X-App-Usage counts one token's calls made on both API processes;
 * - crash matrix: worker processes killed with SIGKILL at random moments across exports (each
 *   started again while the rounds go on) leave every job COMPLETED, none run to completion
 *   twice, no orphan blob, and archives the same as the embedded run's. The processes
 *   run with a short job lease (`DYI_JOB_LEASE_MS`), so a killed worker's job runs again soon.
 *
 * Settings (environment of the test run):
 * - `DYI_CRASH_ROUNDS` (default 20, the issue's figure): kills in the crash matrix.
 * - `DYI_CRASH_SEED`: seed of the kills' moments and victims (random by default; printed).
 * - `DYI_TEST_SCALE_OUT`: where the cluster's data lives (`support/cluster-storage.ts`):
 *   `sqlite` (default) one SQLite data dir shared by all processes; `s3` that, with blobs in a
 *   fresh S3 bucket (OpenStack Swift, started by the run unless DYI_TEST_S3_ENDPOINT names
 *   one); `postgres` a fresh PostgreSQL database and a fresh bucket, filled with `dyi copy`.
 *
 * "The same archives" compares, for every job (keyed by its member's id, or "company") and part,
 * every entry of the downloaded archives with the baseline's (`support/archive-compare.ts`):
 * the same bytes but for the export's id and requested time, which each archive names (and
 * the manifest and part-index hashes they change, checked against the real bytes instead).
 * Both sides run on copies of one seeded data dir, so member ids are the same, and the export
 * parameters (with a fixed time range) are the same.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphClient, downloadAll } from '../src/client/index.js';
import { DATA_TYPES } from '../src/domain/index.js';
import { type Cluster, startCluster } from './support/cluster.js';
import { type ClusterStorage, clusterStorage, SCALE_OUT } from './support/cluster-storage.js';
import { runDyi } from './support/dyi-cli.js';
import { type ApiJob, ExportCalls, filesOf } from './support/export-calls.js';
import { waitFor } from './support/export-scenarios.js';
import { HttpPanelClient } from './support/http-panel-client.js';
import { startServer } from './support/server-process.js';
import { completionsByJob } from './support/worker-process.js';

const CRASH_ROUNDS = Number(process.env.DYI_CRASH_ROUNDS ?? 20);
const CRASH_SEED = Number(process.env.DYI_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Longest wait before a kill, once the export's jobs run, in milliseconds. */
const MAX_KILL_DELAY_MS = 1_500;
/**
 * Lease of a job claimed by a worker, in milliseconds: shorter than the default 10 s, so that
 * a killed worker's job runs again while the next kills come.
 */
const JOB_LEASE_MS = 5_000;
/**
 * Settings of every process, the baseline's too: small parts, so that jobs store several; and
 * the lease.
 */
const ENGINE_ENV = {
  DYI_MAX_PART_BYTES: String(256 * 1024),
  DYI_JOB_LEASE_MS: String(JOB_LEASE_MS),
};
const EXPORT_PARAMS = {
  data_types: DATA_TYPES.join(','),
  dyi_format: 'HTML_AND_JSON',
  media_quality: 'VERY_HIGH',
  start_time: '2024-01-01T00:00:00Z',
  end_time: '2026-01-01T00:00:00Z',
};

const ADMIN_EMAIL = 'admin@example.test';
const ADMIN_PASSWORD = 'correct horse battery staple';

interface JobPage {
  readonly data: { readonly id: string }[];
  readonly paging: { readonly next?: string; readonly cursors: { readonly after: string } };
}

interface Tokens {
  readonly manage: string;
  /** Revoked by the revocation test. */
  readonly doomed: string;
  /** Used only by the usage test, so that its calls are the only ones counted. */
  readonly metered: string;
}

let seedDir: string;
let tokens: Tokens;
let storage: ClusterStorage | undefined;
let skipReason = '';
let cluster: Cluster | undefined;
/** The archive digest (`ExportCalls.archiveDigest`) of the export run by one embedded `dyi serve`. */
let baseline: Map<string, string>;

beforeAll(async () => {
  seedDir = await mkdtemp(path.join(tmpdir(), 'dyi-scale-out-seed-'));
  const at = ['--data-dir', seedDir];
  await dyi(['seed', '--users', '8', '--seed', '7', ...at]);
  const permissions = 'read_company_data_exports,manage_company_data_exports';
  // Tokens one after the other: the first makes the "Command line" integration both share.
  const tokensMade = (async () => ({
    manage: await dyi(['token', 'create', '--permission', permissions, ...at]),
    doomed: await dyi(['token', 'create', '--permission', 'read_company_data_exports', ...at]),
    metered: await dyi(['token', 'create', '--permission', 'read_company_data_exports', ...at]),
  }))();
  const adminMade = dyi(
    ['admin', 'create', '--email', ADMIN_EMAIL, '--password-stdin', ...at],
    {},
    ADMIN_PASSWORD,
  );
  [tokens] = await Promise.all([tokensMade, adminMade]);
  storage = await clusterStorage({ skip: (why = '') => (skipReason = why) });
  if (!storage) return;
  await storage.fill(seedDir);
  baseline = await embeddedBaseline(seedDir);
  cluster = await startCluster({
    apis: 2,
    workers: 2,
    dataDir: storage.dataDir,
    env: { ...storage.env, ...ENGINE_ENV },
  });
}, 240_000);

afterAll(async () => {
  // Only the processes this file started, by their PIDs.
  await cluster?.stop();
  await storage?.remove();
  await rm(seedDir, { recursive: true, force: true });
});

/** Runs `dyi ...args` and returns its stdout, trimmed; throws with its stderr on failure. */
async function dyi(args: string[], env: Record<string, string> = {}, input?: string) {
  const run = await runDyi(args, { DYI_LOG_LEVEL: 'silent', ...env }, input);
  if (run.code !== 0) throw new Error(`dyi ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout.trim();
}

/** The digest of the export made by one embedded `dyi serve` (two worker threads). */
async function embeddedBaseline(dataDir: string): Promise<Map<string, string>> {
  const server = await startServer(dataDir, ['--workers', '2'], ENGINE_ENV);
  try {
    const api = callsTo(server.baseUrl);
    const exportId = await api.createExport();
    await api.waitForCompletion(exportId, 60_000);
    return await api.archiveDigest(exportId);
  } finally {
    expect(await server.stop(), server.stderr()).toBe(0);
  }
}

function callsTo(origin: string): ExportCalls {
  return new ExportCalls(origin, tokens.manage, EXPORT_PARAMS);
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The cluster, or the test skipped with the reason its storage is missing. */
function running(ctx: { skip(note?: string): void }): Cluster {
  if (!cluster) ctx.skip(skipReason);
  return cluster as Cluster;
}

/**
 * Walks the export's user jobs two a page, following `paging.next`: each page must come from
 * the other API process than the page before (so each `after` cursor made by one is read by
 * the other), and every job is listed once. Returns the job ids in order.
 */
async function pageOverBoth(cluster: Cluster, exportId: string): Promise<string[]> {
  const api = callsTo(cluster.url);
  const paged: string[] = [];
  const backends: (string | null)[] = [];
  let next: string | undefined = `/${exportId}/user_dyi_jobs?fields=id&limit=2`;
  while (next !== undefined) {
    const page: { body: JobPage; backend: string | null; status: number } =
      await api.get<JobPage>(next);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    paged.push(...page.body.data.map((job) => job.id));
    backends.push(page.backend);
    next = page.body.paging.next;
    if (next !== undefined) {
      expect(next.startsWith(`${cluster.url}/`), next).toBe(true);
      expect(new URL(next).searchParams.get('after')).toBe(page.body.paging.cursors.after);
    }
  }
  expect(backends.length).toBeGreaterThanOrEqual(3);
  backends.slice(1).forEach((backend, i) => expect(backend).not.toBe(backends[i]));
  return paged;
}

/**
 * Downloads the export with the SDK's downloader through the balancer: every file arrives,
 * with the size and SHA-256 the API gave, and both API processes served some; then one Range
 * request, as a resuming downloader sends it, gets its 206 through the balancer.
 */
async function downloadThroughBoth(cluster: Cluster, exportId: string, jobs: ApiJob[]) {
  const files = filesOf(jobs);
  const outDir = await mkdtemp(path.join(tmpdir(), 'dyi-scale-out-download-'));
  const client = new GraphClient({ token: tokens.manage, baseUrl: cluster.url });
  try {
    const before = cluster.balancer.served().length;
    const pathOf = new Map<string, string>();
    const summary = await downloadAll(client, {
      outDir,
      exportIds: [exportId],
      onEvent: (event) => {
        if (event.event === 'file-done') pathOf.set(event.file_id, event.path);
      },
    });
    expect(summary).toMatchObject({ ok: true, done: files.length, failed: 0 });
    const downloads = cluster.balancer
      .served()
      .slice(before)
      .filter((request) => request.url.startsWith('/dyi-files/'));
    expect(downloads).toHaveLength(files.length);
    expect(new Set(downloads.map((request) => request.backend))).toEqual(new Set([0, 1]));
    for (const file of files) {
      const bytes = await readFile(path.join(outDir, pathOf.get(file.id) ?? `no ${file.id}`));
      expect(bytes.length).toBe(file.file_size);
      expect(sha256(bytes)).toBe(file.sha256);
    }
  } finally {
    await client.close();
    await rm(outDir, { recursive: true, force: true });
  }
  const [first] = files;
  const ranged = await fetch(first!.download_url, { headers: { range: 'bytes=100-199' } });
  expect(ranged.status).toBe(206);
  expect(ranged.headers.get('content-range')).toBe(`bytes 100-199/${first!.file_size}`);
  expect((await ranged.arrayBuffer()).byteLength).toBe(100);
}

/** The doomed token's line of `dyi token list` (id, community, integration, ...). */
async function doomedTokenLine(): Promise<string> {
  const list = await dyi(['token', 'list', '--data-dir', storage!.dataDir], storage!.env);
  const ending = `ends in ${tokens.doomed.slice(-4)}`;
  const line = list.split('\n').find((each) => each.endsWith(ending));
  if (line === undefined) throw new Error(`no token ${ending} in: ${list}`);
  return line;
}

async function doomedTokenId(): Promise<string> {
  return (await doomedTokenLine()).split('\t')[0] ?? '';
}

/**
 * The id of the "Command line" integration that owns the CLI's tokens, from any token's line
 * of `dyi token list` (the doomed token's may be revoked, and gone from it, by then).
 */
async function cliIntegrationId(): Promise<string> {
  const list = await dyi(['token', 'list', '--data-dir', storage!.dataDir], storage!.env);
  const id = /integration (\d+) "Command line"/.exec(list)?.[1];
  if (id === undefined) throw new Error(`no "Command line" integration in: ${list}`);
  return id;
}

/** Milliseconds until the API process at `origin` refuses `token` (Graph code 190). */
async function msUntilRefused(origin: string, token: string, since: number): Promise<number> {
  const api = callsTo(origin);
  for (;;) {
    const answer = await api.get<{ error?: { code: number } }>('/community', token);
    if (answer.body.error?.code === 190) return Date.now() - since;
    if (Date.now() - since > 5_000) return Infinity;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What the crash rounds saw: the exports they made and the files of jobs seen completed. */
interface CrashRecord {
  readonly exportIds: string[];
  /** Job id → its file ids when the job was first seen COMPLETED. */
  readonly firstCompleted: Map<string, string[]>;
  /**
   * Exports whose every job was seen COMPLETED (and noted): a COMPLETED job never changes, so
   * they are not read again. Each look at the others is two requests, and the crash rounds
   * look every 50 ms: reading the done ones too took CPU from the workers they wait on.
   */
  readonly allNoted: Set<string>;
  /** PIDs of the killed workers. */
  readonly killed: number[];
  /** Kills that came while some job was IN_PROGRESS. */
  caughtRunning: number;
}

/** Notes the jobs completed by now in `record`; returns how many jobs are running. */
async function noteCompleted(api: ExportCalls, record: CrashRecord): Promise<number> {
  let runningJobs = 0;
  for (const exportId of record.exportIds) {
    if (record.allNoted.has(exportId)) continue;
    const jobs = await api.jobsOf(exportId);
    if (jobs.every((job) => job.job_state === 'COMPLETED')) record.allNoted.add(exportId);
    for (const job of jobs) {
      if (job.job_state === 'IN_PROGRESS') runningJobs++;
      if (job.job_state !== 'COMPLETED' || record.firstCompleted.has(job.id)) continue;
      record.firstCompleted.set(
        job.id,
        filesOf([job]).map((file) => file.id),
      );
    }
  }
  return runningJobs;
}

/**
 * `rounds` times: once a job has completed since the last kill (or the last export is done:
 * then a new export is made), and the last export's jobs run, waits a random moment and kills
 * a random running worker with SIGKILL. Waiting for a completion spreads the kills over jobs and exports: kills coming
 * faster than jobs complete would lose one job's runs until it ends FAILED (MAX_LOST_RUNS), as
 * designed. The killed worker is started again while the rounds go on, as a supervisor
 * restarts a crashed process while the others work; when every worker is restarting, the next
 * round waits for the first one back.
 */
async function crashRounds(cluster: Cluster, rounds: number, seed: number): Promise<CrashRecord> {
  const api = callsTo(cluster.url);
  const random = mulberry32(seed);
  const record: CrashRecord = {
    exportIds: [await api.createExport()],
    firstCompleted: new Map(),
    allNoted: new Set(),
    killed: [],
    caughtRunning: 0,
  };
  /** Slot → the start of its new worker, while it starts. */
  const restarts = new Map<number, Promise<void>>();
  const failedStarts: unknown[] = [];
  const restart = (slot: number): void => {
    const started = cluster
      .restartWorker(slot)
      .catch((error: unknown) => void failedStarts.push(error))
      .finally(() => restarts.delete(slot));
    restarts.set(slot, started);
  };
  /** The slots whose worker runs, once one does; throws if a worker failed to start. */
  const runningSlots = async (): Promise<number[]> => {
    for (;;) {
      if (failedStarts.length > 0) throw failedStarts[0];
      const running = cluster.workers().flatMap((_, slot) => (restarts.has(slot) ? [] : [slot]));
      if (running.length > 0) return running;
      await Promise.race(restarts.values());
    }
  };
  const lastDone = (): Promise<boolean> => api.isCompleted(record.exportIds.at(-1)!);
  let completedAtKill = 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      if (round > 1) {
        await waitFor(
          'a job to complete since the last kill (or the last export to be done)',
          async () => {
            await noteCompleted(api, record);
            const progressed = record.firstCompleted.size > completedAtKill;
            return progressed || (await lastDone()) || undefined;
          },
          { timeoutMs: 60_000, intervalMs: 50 },
        );
      }
      if (await lastDone()) record.exportIds.push(await api.createExport());
      await runningSlots();
      await waitFor(
        'a job of the last export to run',
        async () =>
          (await noteCompleted(api, record)) > 0 || (await lastDone()) ? true : undefined,
        { timeoutMs: 30_000, intervalMs: 50 },
      );
      await new Promise((resolve) => setTimeout(resolve, random() * MAX_KILL_DELAY_MS));
      const candidates = await runningSlots();
      const victim = candidates[Math.floor(random() * candidates.length)]!;
      if ((await noteCompleted(api, record)) > 0) record.caughtRunning++;
      completedAtKill = record.firstCompleted.size;
      record.killed.push(cluster.workers()[victim]!.pid);
      await cluster.killWorker(victim);
      restart(victim);
    }
  } finally {
    // Every worker started runs (and is stopped with the cluster) before the test goes on.
    await Promise.all(restarts.values());
  }
  if (failedStarts.length > 0) throw failedStarts[0];
  for (const exportId of record.exportIds) {
    // A killed worker's job is taken again once its lease runs out.
    await api.waitForCompletion(exportId, JOB_LEASE_MS + 60_000);
  }
  await noteCompleted(api, record);
  return record;
}

/**
 * A finished export after the crashes: no job run to completion twice (one "COMPLETED" line
 * at most from the workers, and the files first seen are the files kept, parts 1..n), no blob
 * under the export that no file row names, the embedded run's archives, and served bytes that
 * hash as the API says.
 */
async function expectFinishedOnce(cluster: Cluster, exportId: string, record: CrashRecord) {
  const jobs = await callsTo(cluster.url).jobsOf(exportId);
  // A worker killed between completing a job and saying so says nothing: hence "at most".
  const completions = completionsByJob(cluster.stderr());
  for (const job of jobs) {
    expect(job.job_state, cluster.stderr()).toBe('COMPLETED');
    expect(completions.get(job.id) ?? 0, cluster.stderr()).toBeLessThanOrEqual(1);
    const files = filesOf([job]);
    expect(files.map((file) => file.id)).toEqual(record.firstCompleted.get(job.id));
    expect(files.map((file) => file.part_number)).toEqual(files.map((_, i) => i + 1));
  }
  const listed = jobs.flatMap((job) => filesOf([job]).map((file) => `${job.id}/${file.id}`));
  expect(await storage!.blobKeysUnder(`exports/${exportId}/`)).toEqual(listed.sort());
  expect(await callsTo(cluster.url).archiveDigest(exportId)).toEqual(baseline);
  for (const file of filesOf(jobs)) {
    const bytes = new Uint8Array(await (await fetch(file.download_url)).arrayBuffer());
    expect(sha256(bytes), file.download_url).toBe(file.sha256);
  }
}

describe(`scale-out: 2 API processes and 2 worker processes (${SCALE_OUT})`, () => {
  it('runs an export in the workers, pages it over both APIs, and serves its files from both', async (ctx) => {
    const cluster = running(ctx);
    const api = callsTo(cluster.url);
    const exportId = await api.createExport();
    await api.waitForCompletion(exportId, 60_000);
    const jobs = await api.jobsOf(exportId);

    // The worker processes ran every job once (the API processes run no workers).
    const completions = completionsByJob(cluster.stderr());
    const ranOnce = jobs.map(() => 1);
    expect(
      jobs.map((job) => completions.get(job.id)),
      cluster.stderr(),
    ).toEqual(ranOnce);
    for (const server of cluster.apis) {
      expect(server.banner).toContain('Export workers: none in this process');
    }

    expect(await pageOverBoth(cluster, exportId)).toEqual(jobs.slice(1).map((job) => job.id));
    await downloadThroughBoth(cluster, exportId, jobs);
    expect(await api.archiveDigest(exportId)).toEqual(baseline);
  }, 120_000);

  it('refuses a token revoked in the panel on every API process within 1 s', async (ctx) => {
    const cluster = running(ctx);
    // Each API process has checked (and may have cached) the token before it is revoked.
    for (const server of cluster.apis) {
      const answer = await callsTo(server.directUrl).get('/community', tokens.doomed);
      expect(answer.status).toBe(200);
    }
    // Signed in and revoked through the balancer: each form is posted to the other API
    // process than the one that served its page.
    const panel = await HttpPanelClient.signedIn(cluster.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const revoked = await panel.submit(`/admin/tokens/${await doomedTokenId()}/revoke`, {});
    expect(revoked.status, revoked.body).toBe(303);
    const revokedAt = Date.now();
    const refusedAfter = await Promise.all(
      cluster.apis.map((server) => msUntilRefused(server.directUrl, tokens.doomed, revokedAt)),
    );
    for (const ms of refusedAfter) expect(ms).toBeLessThanOrEqual(1_000);
  }, 60_000);

  it('tells a panel page open on one API process of an export made on the other', async (ctx) => {
    const cluster = running(ctx);
    const [watched, other] = cluster.apis.map((api) => api.directUrl) as [string, string];
    const panel = await HttpPanelClient.signedIn(watched, ADMIN_EMAIL, ADMIN_PASSWORD);
    const abort = new AbortController();
    try {
      const live = await panel.open('/admin/live', abort.signal);
      expect(live.status).toBe(200);
      const reader = live.body!.pipeThrough(new TextDecoderStream()).getReader();
      let seen = '';
      /** Reads the stream until `text` shows; the time it did. */
      const until = async (text: string, timeoutMs: number): Promise<number> => {
        const timer = setTimeout(() => void reader.cancel(), timeoutMs);
        try {
          while (!seen.includes(text)) {
            const chunk = await reader.read();
            if (chunk.done) throw new Error(`no "${text}" in ${timeoutMs} ms: ${seen}`);
            seen += chunk.value;
          }
          return Date.now();
        } finally {
          clearTimeout(timer);
        }
      };
      await until('retry:', 5_000);
      seen = '';
      const madeAt = Date.now();
      await callsTo(other).createExport();
      expect((await until('event: change', 5_000)) - madeAt).toBeLessThanOrEqual(3_000);
    } finally {
      abort.abort();
    }
  }, 60_000);

  // The panel keeps a new secret for its one-time page in the shared database, encrypted
  // (src/server/admin/one-time-reveals.ts), so the redirect after "Create" may land on the
  // other API process.
  it('shows a token made in the panel on the page its redirect leads to, served by the other process', async (ctx) => {
    const cluster = running(ctx);
    const panel = await HttpPanelClient.signedIn(cluster.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const integration = `/admin/integrations/${await cliIntegrationId()}`;
    const made = await panel.submit(
      `${integration}/tokens`,
      { permission: 'read_company_data_exports' },
      integration,
    );
    expect(made.status, made.body).toBe(303);
    const shown = await panel.request('GET', made.location ?? '/no-redirect');
    expect(shown.backend).not.toBe(made.backend);
    const token = /DYI1[A-Za-z0-9_-]{43}/.exec(shown.body)?.[0];
    expect(token, shown.body).toBeDefined();
    for (const server of cluster.apis) {
      expect((await callsTo(server.directUrl).get('/community', token)).status).toBe(200);
    }
  }, 60_000);

  it("counts a token's calls made on both API processes in X-App-Usage", async (ctx) => {
    // Usage counters are shared through PostgreSQL (usage_windows); processes sharing an
    // embedded data dir each count in their own memory, as docs/configuration.md says.
    if (SCALE_OUT !== 'postgres') {
      ctx.skip('usage counters are shared across processes on PostgreSQL only');
    }
    const cluster = running(ctx);
    // A fresh token's window starts with its first call; 3 % of the default 6000 a minute.
    const calls = 180;
    let usage = '';
    for (let i = 0; i < calls; i++) {
      const response = await fetch(`${cluster.url}/community`, {
        headers: { authorization: `Bearer ${tokens.metered}` },
      });
      expect(response.status).toBe(200);
      usage = response.headers.get('x-app-usage') ?? '';
      await response.arrayBuffer();
    }
    expect(JSON.parse(usage)).toMatchObject({ call_count: 3 });
  }, 60_000);

  it(
    `finishes every export, once and with the embedded run's archives, across ${CRASH_ROUNDS} worker crashes`,
    async (ctx) => {
      const cluster = running(ctx);
      console.info(
        `crash matrix: ${CRASH_ROUNDS} kills (DYI_CRASH_ROUNDS), seed ${CRASH_SEED} (DYI_CRASH_SEED)`,
      );
      const record = await crashRounds(cluster, CRASH_ROUNDS, CRASH_SEED);
      for (const exportId of record.exportIds) {
        await expectFinishedOnce(cluster, exportId, record);
      }
      // What the killed processes were writing was swept away when their successors started.
      const abandoned = (await storage!.unfinishedWrites()).filter((name) =>
        record.killed.some((pid) => name.includes(`-${pid}-`)),
      );
      expect(abandoned).toEqual([]);
      console.info(
        `crash matrix: ${record.exportIds.length} exports finished; ${record.caughtRunning} of ${CRASH_ROUNDS} kills came while jobs ran`,
      );
    },
    JOB_LEASE_MS + 60_000 + CRASH_ROUNDS * 15_000,
  );
});

/** A small seeded PRNG (mulberry32): the same seed gives the same kills. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
