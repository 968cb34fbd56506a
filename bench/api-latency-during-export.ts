/**
 * @module
 * Whether exports disturb the API: latency of `GET /{export_id}?fields=...` on the real server
 * (`dyi serve --no-demo`, compiled package, its default export worker threads, one per core)
 * while it is idle, against the same request while a large export runs in its worker threads.
 * Setup: a community of `--users` members (default 300) is seeded into a fresh data directory
 * with a token; a small export (one data type, JSON) is created before the server starts, and
 * its workers complete it: that export is the one polled. The server is a child process bound
 * to 127.0.0.1 on a free port, logs and rate limits off. autocannon in this process measures
 * idle, then the large export (every data type, HTML_AND_JSON, MEDIUM, created through the
 * store as the API would, so the server's workers pick it up) is created and, once its first
 * jobs are running, measured again; then idle once more after the export was cancelled (3 s after, for the workers to stop).
 * The bench refuses a busy figure if the export finished before the load did.
 * Latencies are each answer's own time in fractional milliseconds (autocannon's histogram keeps
 * whole ones, which decide a ratio of percentiles of 1 to 5 ms). Goal: p99 latency during the
 * export is at most 2x the idle p99.
 * Run: `npx tsx bench/api-latency-during-export.ts [--users 300] [--duration 10] [--connections 8]`.
 */
import type { Runtime } from '../src/runtime.js';
import { benchArgs, integerFrom, NEEDS_BUILD, positiveInteger } from './support/bench-args.js';
import { reportResult } from './support/bench-result.js';
import { loadIndex, loadSeed, loadSynthetic } from './support/built.js';
import { type BuiltServer, startBuiltServer, stopChild } from './support/child-process.js';
import { type LoadFigure, measureOnce, printTable } from './support/measure-load.js';
import { withScratchDir } from './support/scratch-dir.js';

const GOAL_RATIO = 2;
/** Latency from each answer's own time, not autocannon's whole-millisecond histogram. */
const EXACT = { exactLatency: true } as const;
const SEED = 1;
const EXPORT_FIELDS =
  'id,is_completed,create_time,data_types,dyi_format,media_quality,start_time,end_time,' +
  'total_number_of_completed_jobs,company_job{id,job_state}';
/** How long the server may take to start listening, to finish the small export, or to stop. */
const STEP_TIMEOUT_MS = 120_000;
/** Time the workers get to notice a cancel and drop their runs, in milliseconds. */
const CANCEL_SETTLE_MS = 3_000;

interface Seeded {
  readonly communityId: string;
  readonly token: string;
  readonly smallExportId: string;
}

async function main(): Promise<void> {
  const { values } = benchArgs({
    summary:
      'Whether exports disturb the API: p99 latency of GET /{export_id}?fields=... on the compiled\n' +
      '`dyi serve`, idle against while a large export runs in its worker threads (goal: at most 2x).',
    needs: [NEEDS_BUILD],
    options: {
      users: positiveInteger('members of the seeded community', 300),
      duration: positiveInteger('seconds of load per measure (idle, busy, idle again)', 10),
      connections: positiveInteger('concurrent connections autocannon keeps open', 8),
      warmup: integerFrom(0, 'seconds of unmeasured load before the first measure', 3),
    },
  });
  const { users, warmup } = values;
  const load = { duration: values.duration, connections: values.connections };

  await withScratchDir('dyi-bench-latency-', async ({ dir: dataDir, atCleanUp }) => {
    let server: BuiltServer | undefined;
    let runtime: Runtime | undefined;
    atCleanUp(async () => {
      if (server) await stopChild(server.child, 30_000);
      server = undefined;
      await runtime?.close();
      runtime = undefined;
    });
    const { loadConfig, openRuntime } = await loadIndex();
    const seeded = await seed(dataDir, users);
    server = await startBuiltServer(dataDir, [], STEP_TIMEOUT_MS);
    console.log(`server ${server.child.pid} listening at ${server.origin}`);
    const token = encodeURIComponent(seeded.token);
    const url = `${server.origin}/${seeded.smallExportId}?fields=${encodeURIComponent(EXPORT_FIELDS)}&access_token=${token}`;
    await waitUntil('the small export to complete', async () => {
      const body = (await getJson(url)) as { is_completed?: boolean };
      return body.is_completed === true;
    });
    console.log(
      `small export ${seeded.smallExportId} completed; polling GET /${seeded.smallExportId}?fields=... ` +
        `with ${load.connections} connections for ${load.duration} s per measure`,
    );

    await measureOnce(
      { name: 'warm-up', url },
      { connections: load.connections, duration: warmup },
    );
    const idle = await measureOnce({ name: 'idle', url }, load, EXACT);
    print('idle', idle);

    runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
    const { DATA_TYPES } = await loadIndex();
    const { SYNTHETIC_PERIOD } = await loadSynthetic();
    const big = await runtime.exports.create(seeded.communityId, {
      data_types: DATA_TYPES.join(','),
      dyi_format: 'HTML_AND_JSON',
      media_quality: 'MEDIUM',
      start_time: String(SYNTHETIC_PERIOD.start),
      end_time: String(SYNTHETIC_PERIOD.end),
    });
    const exportRuntime = runtime;
    await waitUntil('the large export to start', async () => {
      const counts = await exportRuntime.metadata.exports.countJobs(big.id);
      return counts.total - counts.pending > 0;
    });
    console.log(`large export ${big.id} running in the server's worker threads`);
    const busy = await measureOnce({ name: 'during export', url }, load, EXACT);
    const after = await exportRuntime.metadata.exports.countJobs(big.id);
    const done = after.total - after.pending - after.inProgress;
    print('during export', busy);
    console.log(`  ${done}/${after.total} jobs of the large export done when the load ended`);
    if (after.pending + after.inProgress === 0) {
      throw new Error(
        'the large export finished before the load ended, so the figure mixes idle and busy time; run with more --users',
      );
    }
    // Running jobs look for a cancel every 400 ms and then remove their files.
    await exportRuntime.exports.cancel(seeded.communityId, big.id);
    await new Promise((resolve) => setTimeout(resolve, CANCEL_SETTLE_MS));
    const idleAfter = await measureOnce({ name: 'idle after', url }, load, EXACT);
    print('idle after', idleAfter);

    report(idle, busy, idleAfter);
  });
}

async function seed(dataDir: string, users: number): Promise<Seeded> {
  const { loadConfig, openRuntime } = await loadIndex();
  const { seedCommunity } = await loadSeed();
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  try {
    const started = performance.now();
    const seeded = await seedCommunity(runtime, { users, seed: SEED });
    const integration = await runtime.access.createIntegration(seeded.communityId, {
      name: 'Bench',
    });
    const { token } = await runtime.access.createToken(integration.id, [
      'read_company_data_exports',
      'manage_company_data_exports',
    ]);
    const small = await runtime.exports.create(seeded.communityId, {
      data_types: 'POSTS_YOUR_ACTIVITY',
      dyi_format: 'JSON',
      media_quality: 'VERY_LOW',
    });
    console.log(
      `api-latency-during-export: seeded ${users} users (${seeded.totalRecords.toLocaleString('en')} records) ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return { communityId: seeded.communityId, token, smallExportId: small.id };
  } finally {
    await runtime.close();
  }
}

async function waitUntil(what: string, isDone: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + STEP_TIMEOUT_MS;
  while (!(await isDone())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET answered ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

function print(name: string, figure: LoadFigure): void {
  console.log(
    `  ${name}: ${figure.requestsPerSecond.toFixed(0)} req/s, latency p50 ${figure.latencyP50.toFixed(2)} ms, ` +
      `p99 ${figure.latencyP99.toFixed(2)} ms, mean ${figure.latencyMean.toFixed(2)} ms`,
  );
}

function report(idle: LoadFigure, busy: LoadFigure, idleAfter: LoadFigure): void {
  console.log('');
  printTable(
    ['measure', 'req/s', 'p50 ms', 'p99 ms', 'mean ms'],
    [
      ['idle', idle],
      ['during export', busy],
      ['idle after', idleAfter],
    ].map(([name, figure]) => {
      const f = figure as LoadFigure;
      return [
        name as string,
        f.requestsPerSecond.toFixed(0),
        f.latencyP50.toFixed(2),
        f.latencyP99.toFixed(2),
        f.latencyMean.toFixed(2),
      ];
    }),
  );
  const ratio = busy.latencyP99 / idle.latencyP99;
  const passed = ratio <= GOAL_RATIO;
  console.log('');
  printTable(
    ['measure', 'value', 'goal', 'result'],
    [
      [
        'p99 during export / idle p99',
        ratio.toFixed(2),
        `<= ${GOAL_RATIO}`,
        passed ? 'PASS' : 'MISS',
      ],
      [
        'p50 during export / idle p50',
        idle.latencyP50 > 0 ? (busy.latencyP50 / idle.latencyP50).toFixed(2) : 'n/a',
        '',
        '',
      ],
      ['p99 idle after / idle p99', (idleAfter.latencyP99 / idle.latencyP99).toFixed(2), '', ''],
    ],
  );
  reportResult({
    bench: 'api-latency-during-export',
    measure: 'API p99 during an export / idle p99',
    ours: `${busy.latencyP99.toFixed(2)} ms`,
    reference: `${idle.latencyP99.toFixed(2)} ms`,
    ratio,
    goal: { atMost: GOAL_RATIO },
  });
  console.log(
    `\napi-latency-during-export: ${passed ? 'PASS' : 'MISS'} (goal: p99 during an export at most ${GOAL_RATIO}x the idle p99)`,
  );
}

await main();
