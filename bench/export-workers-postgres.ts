/**
 * @module
 * Export throughput of the scale-out deployment (issue 12): the same export run by one, then
 * by two `dyi worker` processes (`--threads 1` each, the compiled CLI) on PostgreSQL (a fresh
 * database on 127.0.0.1:5432, dropped at the end) and S3 (a one-node OpenStack Swift started
 * by `scripts/swift-server.sh` in the scratch dir, stopped by its pids at the end). Setup:
 * `dyi seed --users N` (default 60) with the scale-out settings in its environment, as an
 * operator would run it. Each run: the workers start and say they run, then run one untimed
 * warm-up export, then the timed one (every data type, HTML_AND_JSON, MEDIUM, the synthetic
 * period: the same parameters each time, a new export) is created through ExportService, and
 * the wall time runs from its creation until every job is completed (polled every 100 ms);
 * then the workers are stopped (SIGTERM).
 * jobs/s = jobs / wall time. The CPU each process group used during the run is read from
 * /proc: the worker processes, Swift's four servers with the worker each forks, the
 * PostgreSQL backends of the bench's database (pids from pg_stat_activity) and the bench's own
 * process (which creates the export and polls it), against the whole machine's busy time.
 * Goal: 2 workers reach at least 1.6x the jobs/s of 1.
 * Run: `npx tsx bench/export-workers-postgres.ts [--users 60]`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Runtime } from '../src/runtime.js';
import { benchArgs, NEEDS_BUILD, positiveInteger } from './support/bench-args.js';
import { reportResult } from './support/bench-result.js';
import { loadIndex, loadSynthetic } from './support/built.js';
import { BUILT_CLI, loadAverage, stopChild, timed } from './support/child-process.js';
import { printTable } from './support/measure-load.js';
import { withScratchDir } from './support/scratch-dir.js';
import { benchDatabase, benchSwift } from './support/services.js';

const GOAL_RATIO = 1.6;
const SEED = 1;
/** How long seeding, a worker's start, or a whole export may take, in milliseconds. */
const STEP_TIMEOUT_MS = 600_000;
const POLL_MS = 100;

interface Run {
  readonly workers: number;
  readonly jobs: number;
  readonly seconds: number;
  /** CPU seconds used during the run, by group. */
  readonly cpu: Readonly<Record<'workers' | 'swift' | 'postgres' | 'bench' | 'machine', number>>;
}

async function main(): Promise<void> {
  const { values } = benchArgs({
    summary:
      'Export throughput of the scale-out deployment: the same export run by one, then by two\n' +
      '`dyi worker` processes on PostgreSQL and S3.',
    needs: [
      NEEDS_BUILD,
      'PostgreSQL on 127.0.0.1:5432',
      'OpenStack Swift (scripts/swift-server.sh)',
    ],
    options: { users: positiveInteger('members seeded by `dyi seed --users`', 60) },
  });
  const { users } = values;

  await withScratchDir('dyi-bench-workers-', async ({ dir, atCleanUp }) => {
    const databaseUrl = await benchDatabase(atCleanUp);
    let started = performance.now();
    const s3 = await benchSwift(dir, atCleanUp);
    console.log(`Swift at ${s3.endpoint} started in ${seconds(started)} s`);
    const env = { ...s3.env, DYI_DATABASE_URL: databaseUrl, DYI_LOG_LEVEL: 'silent' };
    const dataDir = path.join(dir, 'data');

    started = performance.now();
    const seeded = await timed(
      process.execPath,
      [BUILT_CLI, 'seed', '--users', String(users), '--seed', String(SEED), '--data-dir', dataDir],
      { timeoutMs: STEP_TIMEOUT_MS, env },
    );
    if (seeded.code !== 0) throw new Error(`dyi seed failed: ${seeded.stderr}`);
    const communityId = seeded.stdout.trim();
    console.log(`seeded ${users} users (community ${communityId}) in ${seconds(started)} s`);

    const { loadConfig, openRuntime } = await loadIndex();
    const runtime = await openRuntime(loadConfig({ ...process.env, ...env }, { dataDir }));
    atCleanUp(() => runtime.close());
    const swiftPids = await pidsIn(path.join(dir, 'swift'));
    const runs: Run[] = [];
    for (const workers of [1, 2]) {
      const run = await measureRun({
        runtime,
        communityId,
        workers,
        dir,
        env,
        databaseUrl,
        swiftPids,
      });
      runs.push(run);
      console.log(
        `  ${workers} worker process${workers > 1 ? 'es' : ''}: ${run.jobs} jobs in ${run.seconds.toFixed(1)} s, ` +
          `${(run.jobs / run.seconds).toFixed(2)} jobs/s; load average ${loadAverage()}`,
      );
    }
    report(runs);
  });
}

interface RunSetup {
  readonly runtime: Runtime;
  readonly communityId: string;
  readonly workers: number;
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly databaseUrl: string;
  readonly swiftPids: readonly number[];
}

async function measureRun(setup: RunSetup): Promise<Run> {
  const { workers } = setup;
  const children = await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      startWorker(path.join(setup.dir, `worker-${workers}-${i + 1}`), setup.env),
    ),
  );
  try {
    const workerPids = children.map((child) => child.pid ?? 0);
    // An untimed export first: each worker process warms its JIT, connections and rendition
    // cache once, as it would early in a large export, so the timed export shows the rate a
    // long export runs at rather than each process's start-up.
    const warmUp = await exportToTheEnd(setup);
    console.log(`  (warm-up export: ${warmUp.jobs} jobs in ${warmUp.seconds.toFixed(1)} s)`);
    const before = await sampleCpu(setup, workerPids);
    const timedRun = await exportToTheEnd(setup);
    const after = await sampleCpu(setup, workerPids);
    return { workers, ...timedRun, cpu: cpuUsed(before, after) };
  } finally {
    await Promise.all(children.map((child) => stopChild(child, 60_000)));
  }
}

/** Creates an export and waits until every job of it is completed; its jobs and seconds. */
async function exportToTheEnd(setup: RunSetup): Promise<{ jobs: number; seconds: number }> {
  const { runtime } = setup;
  const { DATA_TYPES } = await loadIndex();
  const { SYNTHETIC_PERIOD } = await loadSynthetic();
  const started = performance.now();
  const created = await runtime.exports.create(setup.communityId, {
    data_types: DATA_TYPES.join(','),
    dyi_format: 'HTML_AND_JSON',
    media_quality: 'MEDIUM',
    start_time: String(SYNTHETIC_PERIOD.start),
    end_time: String(SYNTHETIC_PERIOD.end),
  });
  const deadline = started + STEP_TIMEOUT_MS;
  for (;;) {
    const counts = await runtime.metadata.exports.countJobs(created.id);
    if (counts.pending + counts.inProgress === 0) {
      if (counts.completed !== counts.total) {
        throw new Error(
          `export ${created.id} ended with jobs not completed: ${JSON.stringify(counts)}`,
        );
      }
      return { jobs: counts.total, seconds: (performance.now() - started) / 1000 };
    }
    if (performance.now() > deadline) throw new Error(`export ${created.id} did not finish`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** `dyi worker --threads 1` with its own data dir, as on a machine of its own; once it runs. */
async function startWorker(dataDir: string, env: Readonly<Record<string, string>>) {
  const child = spawn(
    process.execPath,
    [BUILT_CLI, 'worker', '--threads', '1', '--data-dir', dataDir],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`dyi worker did not start: ${stderr}`)),
      60_000,
    );
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/^dyi worker: \d+ threads? on /m.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dyi worker exited with ${code}: ${stderr}`));
    });
  });
  return child as ChildProcess;
}

type CpuSample = Readonly<
  Record<'workers' | 'swift' | 'postgres' | 'bench' | 'machine', Map<number, number>>
>;

/** CPU ticks so far of each process of each group, and of the whole machine (pid 0). */
async function sampleCpu(setup: RunSetup, workerPids: readonly number[]): Promise<CpuSample> {
  const client = new pg.Client({ connectionString: setup.databaseUrl });
  await client.connect();
  let backends: number[];
  try {
    const result = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    backends = result.rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
  const machine = new Map([[0, await machineTicks()]]);
  const { user, system } = process.cpuUsage();
  return {
    workers: await ticksOf(workerPids),
    // Each Swift server forks its worker (`workers = 1`), which does the work.
    swift: await ticksOf(await withDescendants(setup.swiftPids)),
    postgres: await ticksOf(backends),
    bench: new Map([[0, ((user + system) / 1e6) * TICKS_PER_SECOND]]),
    machine,
  };
}

function cpuUsed(before: CpuSample, after: CpuSample): Run['cpu'] {
  const used = (group: keyof CpuSample): number => {
    let ticks = 0;
    // A process that started during the run counts from zero; one that ended is not seen.
    for (const [pid, now] of after[group]) ticks += now - (before[group].get(pid) ?? 0);
    return ticks / TICKS_PER_SECOND;
  };
  return {
    workers: used('workers'),
    swift: used('swift'),
    postgres: used('postgres'),
    bench: used('bench'),
    machine: used('machine'),
  };
}

/** The processes and all their descendants (from /proc/<pid>/task/<tid>/children). */
async function withDescendants(pids: readonly number[]): Promise<number[]> {
  const all: number[] = [];
  const pending = [...pids];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    all.push(pid);
    const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
    for (const tid of tasks) {
      const children = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '');
      pending.push(...children.split(' ').filter(Boolean).map(Number));
    }
  }
  return all;
}

/** Linux's USER_HZ, the unit of /proc's CPU times. */
const TICKS_PER_SECOND = 100;

async function ticksOf(pids: readonly number[]): Promise<Map<number, number>> {
  const ticks = new Map<number, number>();
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
    if (stat === undefined) continue;
    // Fields after the command name (which may hold spaces): utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks.set(pid, Number(fields[11]) + Number(fields[12]));
  }
  return ticks;
}

/** Busy ticks of all CPUs (everything but idle and iowait) from /proc/stat. */
async function machineTicks(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [, ...numbers] = line.trim().split(/\s+/).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = numbers;
  return user + nice + system + irq + softirq + steal;
}

/** The pids `scripts/swift-server.sh` wrote (`<dir>/*.pid`). */
async function pidsIn(dir: string): Promise<number[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.pid'));
  return Promise.all(
    names.map(async (name) => Number((await readFile(path.join(dir, name), 'utf8')).trim())),
  );
}

function report(runs: readonly Run[]): void {
  const [one, two] = runs;
  if (!one || !two) throw new Error('missing runs');
  console.log('');
  printTable(
    [
      'worker processes',
      'jobs',
      'wall s',
      'jobs/s',
      'CPU s: workers',
      'PostgreSQL',
      'Swift',
      'bench',
      'machine (2 cores)',
    ],
    runs.map((run) => [
      String(run.workers),
      String(run.jobs),
      run.seconds.toFixed(1),
      (run.jobs / run.seconds).toFixed(2),
      run.cpu.workers.toFixed(1),
      run.cpu.postgres.toFixed(1),
      run.cpu.swift.toFixed(1),
      run.cpu.bench.toFixed(1),
      `${run.cpu.machine.toFixed(1)} of ${(2 * run.seconds).toFixed(1)}`,
    ]),
  );
  const ratio = two.jobs / two.seconds / (one.jobs / one.seconds);
  const passed = ratio >= GOAL_RATIO;
  console.log('');
  printTable(
    ['measure', 'value', 'goal', 'result'],
    [['jobs/s with 2 / with 1', ratio.toFixed(2), `>= ${GOAL_RATIO}`, passed ? 'PASS' : 'MISS']],
  );
  reportResult({
    bench: 'export-workers-postgres',
    measure: 'export jobs/s, 2 worker processes / 1 (PostgreSQL, S3)',
    ours: `${(two.jobs / two.seconds).toFixed(2)} jobs/s`,
    reference: `${(one.jobs / one.seconds).toFixed(2)} jobs/s`,
    ratio,
    goal: { atLeast: GOAL_RATIO },
  });
  console.log(
    `\nexport-workers-postgres: ${passed ? 'PASS' : 'MISS'} (goal: 2 worker processes reach ${GOAL_RATIO}x the jobs/s of 1); load average ${loadAverage()}`,
  );
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

await main();
