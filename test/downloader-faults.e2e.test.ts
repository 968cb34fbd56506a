/**
 * `dyi download` in a real process, through our fault-injecting proxy, against the real server
 * with a seeded community: every file of a real export (engine-made, small parts so that jobs
 * have several files) arrives complete and verified although each download URL first expires,
 * then is cut mid-body, then stalls, then answers 5xx, and each Graph call first meets a
 * rate-limit error (codes 4, 17, 32, 613) or a stall, then a 500, a 503 or a stall; the proxy's
 * counts show that each fault cost exactly one retry, that expired URLs were refreshed by
 * re-reading the job's files, and that resumed files moved no byte twice. Then a kill -9 mid-download and a rerun: the rerun
 * asks for the rest with `Range` and moves fewer bytes than the file's size. And a Ctrl-C
 * mid-download: the run stops by itself (exit 1, a message saying to run it again), keeps the
 * part's bytes and leaves no empty part, and the rerun skips what it verified and resumes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunity as seedSyntheticCommunity } from '../src/content/seed-community.js';
import { DATA_TYPES } from '../src/domain/index.js';
import { runExport } from './support/archives.js';
import { type Fault, type FaultPlan, type RequestRecord, struck } from './support/fault-proxy.js';
import { type ProxiedFixture, startProxiedFixture } from './support/fault-proxy-fixture.js';
import { completeJobWithFiles, createExport, jobsOf } from './support/graph-fixture.js';
import { dyiArgs } from './support/dyi-cli.js';

const PART_BYTES = 64 * 1024;
const IDLE_TIMEOUT_MS = 400;
const STALL_MS = 3 * IDLE_TIMEOUT_MS;
const BIG_FILE_BYTES = 4 * 1024 * 1024;

interface ApiFile {
  readonly id: string;
  readonly name: string;
  readonly sha256: string;
  readonly size: number;
  readonly jobId: string;
  /** `company` or `user-<user id>`. */
  readonly folder: string;
  /** Path of its download URL on the proxy (the counters' key). */
  readonly urlPath: string;
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly events: Record<string, unknown>[];
}

let fixture: ProxiedFixture;
let token: string;
let faultsExportId: string;
let killExportId: string;
const dirs: string[] = [];

beforeAll(async () => {
  fixture = await startProxiedFixture({ maxPartBytes: PART_BYTES, logLevel: 'silent' });
  const { runtime } = fixture;
  const seeded = await seedSyntheticCommunity(runtime, { users: 3, seed: 7 });
  const integration = await runtime.access.createIntegration(seeded.communityId, {
    name: 'Downloader',
  });
  token = (await runtime.access.createToken(integration.id, ['read_company_data_exports'])).token;

  // One large company file to catch mid-download, small user files around it. Made before any
  // worker runs (the scale-out run's start with runExport below), so that none takes these jobs.
  const forKill = await createExport(runtime, seeded.communityId);
  for (const job of await jobsOf(runtime, forKill.id)) {
    const contents =
      job.jobType === 'COMPANY' ? [randomBytes(BIG_FILE_BYTES)] : [randomBytes(9000)];
    await completeJobWithFiles(runtime, job, contents);
  }
  killExportId = forKill.id;

  const engineMade = await runtime.exports.create(seeded.communityId, {
    data_types: DATA_TYPES.join(','),
    dyi_format: 'JSON',
    media_quality: 'HIGH',
    start_time: '2020-01-01T00:00:00Z',
    end_time: '2026-11-01T00:00:00Z',
  });
  await runExport(runtime, engineMade.id);
  faultsExportId = engineMade.id;
});

afterAll(async () => {
  await fixture?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function outDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dyi-download-faults-'));
  dirs.push(dir);
  return dir;
}

/** Graph GET straight to the server (not through the proxy), for the expected files. */
async function graphGet(pathAndQuery: string): Promise<any> {
  const response = await fetch(`${fixture.serverUrl}${pathAndQuery}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(response.status).toBe(200);
  return response.json();
}

/** Every file of the export as the API lists it, with the folder the downloader puts it in. */
async function apiFiles(exportId: string): Promise<ApiFile[]> {
  const company = await graphGet(`/${exportId}?fields=company_job{id}`);
  const users = await graphGet(`/${exportId}/user_dyi_jobs?fields=id,user{id}&limit=100`);
  expect(users.paging?.next).toBeUndefined();
  const jobs = [
    { id: company.company_job.id as string, folder: 'company' },
    ...users.data.map((job: any) => ({ id: job.id as string, folder: `user-${job.user.id}` })),
  ];
  const files: ApiFile[] = [];
  for (const job of jobs) {
    const listed = await graphGet(
      `/${job.id}/files?fields=id,name,sha256,file_size,download_url&limit=100`,
    );
    for (const file of listed.data) {
      files.push({
        id: file.id,
        name: file.name,
        sha256: file.sha256,
        size: file.file_size,
        jobId: job.id,
        folder: job.folder,
        urlPath: new URL(file.download_url).pathname,
      });
    }
  }
  return files;
}

function downloadArgs(out: string, exportId: string, extra: string[] = []): string[] {
  return [
    'download',
    '--out',
    out,
    '--export',
    exportId,
    '--base-url',
    fixture.proxy.origin,
    '--token',
    token,
    '--json',
    '--connect-timeout',
    '2000',
    '--idle-timeout',
    String(IDLE_TIMEOUT_MS),
    '--retries',
    '6',
    '--retry-base-ms',
    '10',
    ...extra,
  ];
}

/** Starts `dyi download`; `whileRunning` may act on the child (and kill it) before it ends. */
function dyi(
  args: string[],
  whileRunning?: (child: ChildProcess) => Promise<void>,
  timeoutMs = 40_000,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, dyiArgs(args), {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const events = stdout
        .split('\n')
        .filter((line) => line.trim().startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, signal, stdout, stderr, events });
    });
    whileRunning?.(child).catch(reject);
  });
}

/** The export with one large file to catch mid-download: its files, that file, a new out dir. */
async function bigFileRun(): Promise<{
  files: ApiFile[];
  big: ApiFile;
  out: string;
  part: string;
}> {
  const files = await apiFiles(killExportId);
  const big = files.find((file) => file.size === BIG_FILE_BYTES);
  if (big === undefined) throw new Error('the large company file is missing');
  const out = await outDir();
  fixture.proxy.reset();
  return { files, big, out, part: path.join(out, killExportId, big.folder, `${big.name}.part`) };
}

/**
 * `dyi download` of the large-file export, sent `signal` once `part` holds 512 KiB: the proxy
 * trickles at 1 MiB/s meanwhile, so the 4 MiB file takes about four seconds.
 */
async function signalledMidFile(out: string, part: string, signal: NodeJS.Signals): Promise<Run> {
  fixture.proxy.setTrickle({ bytesPerSecond: 1024 * 1024 });
  try {
    return await dyi(downloadArgs(out, killExportId), async (child) => {
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && child.exitCode === null) {
        const size = await stat(part).then(
          (found) => found.size,
          () => 0,
        );
        if (size >= 512 * 1024) {
          if (child.pid !== undefined) process.kill(child.pid, signal);
          return;
        }
        await sleep(25);
      }
    });
  } finally {
    fixture.proxy.setTrickle(undefined);
  }
}

function eventsOf(run: Run, type: string): Record<string, unknown>[] {
  return run.events.filter((event) => (event.type ?? event.event) === type);
}

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Asserts every file is in place with the API's sha256, and no `.part` is left. */
async function expectAllVerified(out: string, exportId: string, files: readonly ApiFile[]) {
  for (const file of files) {
    const local = path.join(out, exportId, file.folder, file.name);
    expect(await sha256Of(local), local).toBe(file.sha256);
  }
  const leftovers = (await readdir(path.join(out, exportId), { recursive: true })).filter((name) =>
    String(name).endsWith('.part'),
  );
  expect(leftovers).toEqual([]);
}

/** A number from a path, to vary the faults across files deterministically. */
function hashOf(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}

/**
 * Every download path: expired on its first use, cut after 4 KiB on the second, stalled after
 * 2 KiB more on the third, 500 or 503 on the fourth. Graph calls: the export read and the
 * listings of user jobs and of user jobs' files are first refused with a rate-limit error (each
 * of the codes 4, 32, 17, 613 in turn, with usage headers at 99 %, which also makes the client
 * pause before its next call), the company job's files first stall before their headers; then
 * each of those paths fails once more with a 500, a 503 or a stall. So each path needs at most
 * five requests. Only a few Graph paths are rate-limited because each costs the client's
 * slow-down pause (about 5 s at 99 %).
 */
function faultPlan(exportId: string, userJobIds: readonly string[]): FaultPlan {
  const rateLimits = new Map<string, Fault>([
    [`/${exportId}`, { kind: 'rate-limit', status: 403, code: 4, isTransient: true }],
    [
      `/${exportId}/user_dyi_jobs`,
      { kind: 'rate-limit', status: 400, code: 32, isTransient: false },
    ],
    ...userJobIds.map((jobId, i): [string, Fault] => [
      `/${jobId}/files`,
      i % 2
        ? { kind: 'rate-limit', status: 403, code: 613, isTransient: true }
        : { kind: 'rate-limit', status: 400, code: 17, isTransient: false },
    ]),
  ]);
  const secondGraphFaults: Fault[] = [
    { kind: 'status', status: 500 },
    { kind: 'status', status: 503 },
    { kind: 'stall', forMs: STALL_MS },
  ];
  return (request) => {
    const choice = hashOf(request.path);
    if (request.kind === 'download') {
      switch (request.pathCount) {
        case 1:
          return { kind: 'expire' };
        case 2:
          return { kind: 'cut', afterBytes: 4096 };
        case 3:
          return { kind: 'stall', forMs: STALL_MS, afterBytes: 2048 };
        case 4:
          return { kind: 'status', status: choice % 2 ? 500 : 503 };
        default:
          return undefined;
      }
    }
    if (request.pathCount === 1) {
      return rateLimits.get(request.path) ?? { kind: 'stall', forMs: STALL_MS };
    }
    if (request.pathCount === 2) return secondGraphFaults[choice % 3];
    return undefined;
  };
}

/** One line per request: number, arrival ms, Range, fault, status, body bytes. */
function describeRequests(records: readonly RequestRecord[]): string {
  return records
    .map(
      (r) =>
        `  #${r.seq} at ${r.at} ms ${r.method} range=${r.range ?? '-'} ` +
        `fault=${r.fault ?? '-'} status=${r.status ?? '-'} bytes=${r.bodyBytes}`,
    )
    .join('\n');
}

function byPath(records: readonly RequestRecord[]): Map<string, RequestRecord[]> {
  const paths = new Map<string, RequestRecord[]>();
  for (const record of records) paths.set(record.path, [...(paths.get(record.path) ?? []), record]);
  return paths;
}

describe('dyi download through the fault proxy', () => {
  it('gets every file complete and verified, one retry per fault, no byte moved twice', async () => {
    const files = await apiFiles(faultsExportId);
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(new Set(files.map((file) => file.jobId)).size).toBeLessThan(files.length);
    const out = await outDir();
    fixture.proxy.reset();
    const userJobIds = [...new Set(files.map((file) => file.jobId))].filter(
      (jobId) => files.find((file) => file.jobId === jobId)?.folder !== 'company',
    );
    fixture.proxy.setPlan(faultPlan(faultsExportId, userJobIds));
    const run = await dyi(downloadArgs(out, faultsExportId, ['--concurrency', '4']));
    fixture.proxy.setPlan(undefined);
    const log = [...fixture.proxy.log];

    expect(run.code, run.stderr).toBe(0);
    await expectAllVerified(out, faultsExportId, files);
    expect(eventsOf(run, 'file-done')).toHaveLength(files.length);
    expect(eventsOf(run, 'file-failed')).toEqual([]);
    expect(eventsOf(run, 'summary')).toHaveLength(1);
    expect(eventsOf(run, 'retry').length).toBeGreaterThan(0);

    const paths = byPath(log);
    for (const file of files) {
      const records = paths.get(file.urlPath) ?? [];
      // On failure, the message shows what the client asked for and what it got.
      const trace = `${file.urlPath} (${file.size} bytes):\n${describeRequests(records)}`;
      const faults = records.filter(struck);
      // Each fault cost exactly one more request, and one request succeeded.
      expect(records.length, trace).toBe(faults.length + 1);
      expect(records.at(-1)?.status, trace).toBeOneOf([200, 206]);
      expect(faults[0]?.fault, trace).toBe('expire');
      // After the cut, the rest was asked for from where the received bytes ended.
      const cut = records.findIndex((r) => r.fault === 'cut');
      expect(records[cut + 1]?.range, trace).toBe('bytes=4096-');
      expect(records[cut + 1]?.ifRange, trace).toBe(`"${file.sha256}"`);
      // The file's bytes crossed the proxy once: resumes asked only for what was missing.
      const bodyBytes = records
        .filter((r) => r.fault === undefined || r.fault === 'cut' || r.fault === 'stall')
        .reduce((sum, r) => sum + r.bodyBytes, 0);
      expect(bodyBytes, trace).toBe(file.size);
      // The expired URL was not tried again: the job's files were read before the next try.
      const expired = records.find((r) => r.fault === 'expire');
      const next = records.find((r) => r.seq > (expired?.seq ?? 0));
      const refresh = log.find(
        (r) =>
          r.kind === 'graph' &&
          r.path.endsWith(`/${file.jobId}/files`) &&
          r.seq > (expired?.seq ?? 0) &&
          r.seq < (next?.seq ?? 0),
      );
      // (The fresh URL may equal the old one: the server signs the same URL within a second.)
      expect(refresh, `refresh of ${file.urlPath}`).toBeDefined();
    }
    // Graph calls: the planned faults and their retries, the first listings and one refresh
    // per expired URL, and nothing more.
    const graphRecords = log.filter((r) => r.kind === 'graph');
    const graphPaths = new Set(graphRecords.map((r) => r.path));
    const graphFaults = graphRecords.filter(struck).length;
    expect(graphFaults).toBe(2 * graphPaths.size);
    expect(graphRecords.length).toBeLessThanOrEqual(graphFaults + graphPaths.size + files.length);
    expect(fixture.proxy.totals().byFault).toMatchObject({
      expire: files.length,
      'rate-limit': 2 + userJobIds.length,
    });
  }, 60_000);

  it('resumes from the .part bytes after kill -9, with Range, and ends verified', async () => {
    const { files, big, out, part } = await bigFileRun();
    const killed = await signalledMidFile(out, part, 'SIGKILL');
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const partAtKill = (await stat(part)).size;
    expect(partAtKill).toBeGreaterThan(0);
    expect(partAtKill).toBeLessThan(big.size);

    fixture.proxy.reset();
    const rerun = await dyi(downloadArgs(out, killExportId));
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectAllVerified(out, killExportId, files);

    // One request, for the rest of the file from (at most) where the .part ended.
    const bigRequests = fixture.proxy.log.filter((r) => r.path === big.urlPath);
    expect(bigRequests).toHaveLength(1);
    const [resumed] = bigRequests;
    expect(resumed).toMatchObject({ ifRange: `"${big.sha256}"`, status: 206 });
    const start = Number(/^bytes=(\d+)-$/.exec(resumed?.range ?? '')?.[1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(partAtKill);
    const moved = fixture.proxy.stats(big.urlPath).bodyBytes;
    expect(moved).toBe(big.size - start);
    expect(moved).toBeLessThan(big.size);
    const done = eventsOf(rerun, 'file-done').find((event) => event.file_id === big.id);
    expect(done?.bytes_transferred).toBe(moved);
  }, 60_000);

  it('stops cleanly on Ctrl-C: the state saved, no empty part, the rerun resumes', async () => {
    const { files, big, out, part } = await bigFileRun();
    const stopped = await signalledMidFile(out, part, 'SIGINT');
    // It ended by itself, with the run's failure code and a message that says what to do.
    expect(stopped.signal, stopped.stderr).toBeNull();
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(
      /^dyi: The download was interrupted\. .*run the same command again/,
    );
    expect(eventsOf(stopped, 'file-failed')).toEqual([]);
    expect(eventsOf(stopped, 'summary')).toEqual([]);
    const partAtStop = (await stat(part)).size;
    expect(partAtStop).toBeGreaterThan(0);
    expect(partAtStop).toBeLessThan(big.size);
    // Every part left holds bytes to resume from.
    const parts = (await readdir(out, { recursive: true, withFileTypes: true })).filter(
      (entry) => entry.isFile() && entry.name.endsWith('.part'),
    );
    expect(parts.length).toBeGreaterThan(0);
    for (const entry of parts) {
      expect((await stat(path.join(entry.parentPath, entry.name))).size).toBeGreaterThan(0);
    }

    fixture.proxy.reset();
    const rerun = await dyi(downloadArgs(out, killExportId));
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectAllVerified(out, killExportId, files);
    // What the stopped run verified was recorded: the rerun skips exactly those files.
    const doneBefore = eventsOf(stopped, 'file-done').map((event) => event.file_id);
    expect(doneBefore.length).toBeGreaterThan(0);
    expect(
      eventsOf(rerun, 'file-skipped')
        .map((event) => event.file_id)
        .sort(),
    ).toEqual(doneBefore.sort());
    const [resumed] = fixture.proxy.log.filter((r) => r.path === big.urlPath);
    expect(resumed).toMatchObject({ ifRange: `"${big.sha256}"`, status: 206 });
    expect(Number(/^bytes=(\d+)-$/.exec(resumed?.range ?? '')?.[1])).toBe(partAtStop);
  }, 60_000);
});
