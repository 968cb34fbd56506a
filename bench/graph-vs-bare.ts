/**
 * @module
 * What the Graph layer costs per request: our real app (authentication, usage meters, node
 * dispatch, field resolution, SQLite reads, signed URLs) side by side with a bare Fastify app
 * that answers the very same JSON from memory, one route per URL. Data: one community whose
 * export has 50 user jobs, every job completed with 3 files, seeded through the services as the
 * tests do. Two requests are compared: the export node with the fields a downloader polls, and
 * a user job's `files` edge. Each server runs in its own child process; autocannon drives them
 * from this process over loopback (32 connections, pipelining 1), alternating ours and bare
 * (order reversed every other round), 3 rounds of 5 s each after a 2 s warm-up.
 * Goal: ours serves at least 0.7 of bare's req/s on each request (issue 16).
 * Run: `npx tsx bench/graph-vs-bare.ts [--rounds 3] [--duration 5] [--connections 32]`.
 */
import { benchArgs, NEEDS_BUILD } from './support/bench-args.js';
import { reportResult } from './support/bench-result.js';
import { type ForkedServer, forkServer } from './support/fork-server.js';
import {
  EXPORT_FIELDS,
  FILES_PER_JOB,
  LIMITS_OFF,
  seedGraphBenchData,
  USER_JOBS,
} from './support/graph-bench-data.js';
import {
  LOAD_OPTIONS,
  measureRounds,
  printTable,
  type TargetFigures,
} from './support/measure-load.js';
import { withScratchDir } from './support/scratch-dir.js';

const GOAL_RATIO = 0.7;

async function main(): Promise<void> {
  const { values: settings } = benchArgs({
    summary:
      'What the Graph layer costs per request: req/s of our real app against a bare Fastify app\n' +
      'answering the very same JSON from memory (goal: at least 0.7).',
    needs: [NEEDS_BUILD],
    options: LOAD_OPTIONS,
  });

  await withScratchDir('dyi-bench-graph-', async ({ dir: dataDir, atCleanUp }) => {
    const servers: ForkedServer[] = [];
    atCleanUp(async () => {
      await Promise.all(servers.splice(0).map((server) => server.stop()));
    });
    const seeded = await seedGraphBenchData(dataDir);
    const ours = await forkServer({ mode: 'ours', dataDir, overrides: LIMITS_OFF });
    servers.push(ours);
    const token = encodeURIComponent(seeded.token);
    const paths = {
      export: `/${seeded.exportId}?fields=${encodeURIComponent(EXPORT_FIELDS)}&access_token=${token}`,
      files: `/${seeded.jobId}/files?access_token=${token}`,
    };
    // The bare side answers what ours answered once; download_url is signed per call, so the
    // captured one stands for all.
    const exportBody = await capture(ours.origin + paths.export);
    const filesBody = await capture(ours.origin + paths.files);
    checkCaptured(exportBody, filesBody);
    const bare = await forkServer({
      mode: 'bare',
      routes: [
        { path: `/${seeded.exportId}`, body: exportBody },
        { path: `/${seeded.jobId}/files`, body: filesBody },
      ],
    });
    servers.push(bare);
    // Same bytes from both sides, or the comparison is unfair.
    if (JSON.stringify(await capture(bare.origin + paths.export)) !== JSON.stringify(exportBody)) {
      throw new Error('the bare server does not answer the captured export body');
    }

    console.log(
      `graph-vs-bare: ${USER_JOBS} user jobs x ${FILES_PER_JOB} files; ${settings.connections} connections, ` +
        `pipelining 1; ${settings.rounds} rounds of ${settings.duration} s per target after ${settings.warmup} s warm-up`,
    );
    console.log(`  export: GET ${paths.export.replace(token, '<token>')}`);
    console.log(`  files:  GET ${paths.files.replace(token, '<token>')}`);
    const figures = await measureRounds(
      [
        { name: 'ours export', url: ours.origin + paths.export, cpuMicros: ours.cpuMicros },
        { name: 'bare export', url: bare.origin + paths.export, cpuMicros: bare.cpuMicros },
        { name: 'ours files', url: ours.origin + paths.files, cpuMicros: ours.cpuMicros },
        { name: 'bare files', url: bare.origin + paths.files, cpuMicros: bare.cpuMicros },
      ],
      settings,
    );
    report(figures);
  });
}

async function capture(url: string): Promise<unknown> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

function checkCaptured(exportBody: unknown, filesBody: unknown): void {
  const node = exportBody as { is_completed?: unknown; total_number_of_completed_jobs?: unknown };
  if (node.is_completed !== true || node.total_number_of_completed_jobs !== USER_JOBS + 1) {
    throw new Error(`unexpected export body: ${JSON.stringify(exportBody)}`);
  }
  const files = (filesBody as { data?: unknown[] }).data;
  if (!Array.isArray(files) || files.length !== FILES_PER_JOB) {
    throw new Error(`unexpected files body: ${JSON.stringify(filesBody)}`);
  }
}

function report(figures: readonly TargetFigures[]): void {
  const median = (name: string) => figures.find((f) => f.target.name === name)?.median;
  const rows = (['export', 'files'] as const).map((request) => {
    const ours = median(`ours ${request}`);
    const bare = median(`bare ${request}`);
    if (!ours || !bare) throw new Error(`missing figures for ${request}`);
    const ratio = ours.requestsPerSecond / bare.requestsPerSecond;
    reportResult({
      bench: 'graph-vs-bare',
      measure: `${request === 'export' ? 'export node' : 'files edge'} req/s, ours / bare Fastify`,
      ours: `${ours.requestsPerSecond.toFixed(0)} req/s`,
      reference: `${bare.requestsPerSecond.toFixed(0)} req/s`,
      ratio,
      goal: { atLeast: GOAL_RATIO },
    });
    return {
      passed: ratio >= GOAL_RATIO,
      cells: [
        request,
        ours.requestsPerSecond.toFixed(0),
        bare.requestsPerSecond.toFixed(0),
        ratio.toFixed(2),
        `>= ${GOAL_RATIO}`,
        ratio >= GOAL_RATIO ? 'PASS' : 'MISS',
        `${ours.latencyMean.toFixed(2)} / ${bare.latencyMean.toFixed(2)}`,
        `${ours.cpuPerRequest.toFixed(0)} / ${bare.cpuPerRequest.toFixed(0)}`,
        (bare.cpuPerRequest / ours.cpuPerRequest).toFixed(2),
      ],
    };
  });
  console.log('\nmedians of the rounds:');
  printTable(
    [
      'request',
      'ours req/s',
      'bare req/s',
      'ours/bare',
      'goal',
      'result',
      'mean latency ms ours / bare',
      'server CPU µs/req ours / bare',
      'bare CPU / ours CPU',
    ],
    rows.map((row) => row.cells),
  );
  const passed = rows.every((row) => row.passed);
  console.log(
    `\ngraph-vs-bare: ${passed ? 'PASS' : 'MISS'} (goal: ours >= ${GOAL_RATIO} x bare req/s on every request)`,
  );
}

await main();
