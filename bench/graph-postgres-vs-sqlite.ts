/**
 * @module
 * For information (issue 12): what the Graph API answers per second on PostgreSQL against
 * SQLite, the same app on the two metadata stores. Data: the fixture of `graph-vs-bare.ts`,
 * seeded twice through the services, once into a SQLite data dir and once into a fresh
 * PostgreSQL database (127.0.0.1:5432, dropped at the end): one community whose export has 50
 * user jobs, every job completed with 3 files (blobs on local disk on both sides). Requests:
 * the export node with the fields a downloader polls (`GET /{export_id}?fields=...`) and a
 * user job's `files` edge. Each server is our real app in its own child process, rate limits
 * off; autocannon drives them from this process over loopback (32 connections, pipelining 1),
 * alternating the runtimes (order reversed every other round), 3 rounds of 5 s after a 2 s
 * warm-up. The server CPU column counts the Node process only, not PostgreSQL's backends.
 * Run: `npx tsx bench/graph-postgres-vs-sqlite.ts [--rounds 3] [--duration 5] [--connections 32]`.
 */
import path from 'node:path';
import { benchArgs, NEEDS_BUILD } from './support/bench-args.js';
import { reportResult } from './support/bench-result.js';
import { loadAverage } from './support/child-process.js';
import type { ConfigOverrides } from '../src/config.js';
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
import { benchDatabase } from './support/services.js';

const ENGINES = ['sqlite', 'postgres'] as const;
type Engine = (typeof ENGINES)[number];

async function main(): Promise<void> {
  const { values: settings } = benchArgs({
    summary:
      'For information: req/s of the Graph API on PostgreSQL against SQLite, the same app on the\n' +
      'two metadata stores.',
    needs: [NEEDS_BUILD, 'PostgreSQL on 127.0.0.1:5432'],
    options: LOAD_OPTIONS,
  });

  await withScratchDir('dyi-bench-graph-pg-', async ({ dir, atCleanUp }) => {
    // Clean-up runs last-added first: the servers stop before their database is dropped.
    const databaseUrl = await benchDatabase(atCleanUp);
    const servers: ForkedServer[] = [];
    atCleanUp(async () => {
      await Promise.all(servers.splice(0).map((server) => server.stop()));
    });
    const targets = [];
    for (const engine of ENGINES) {
      const dataDir = path.join(dir, engine);
      const overrides: ConfigOverrides = {
        ...LIMITS_OFF,
        ...(engine === 'postgres' && { databaseUrl }),
      };
      const seeded = await seedGraphBenchData(dataDir, overrides);
      const server = await forkServer({ mode: 'ours', dataDir, overrides });
      servers.push(server);
      const token = encodeURIComponent(seeded.token);
      const exportPath = `/${seeded.exportId}?fields=${encodeURIComponent(EXPORT_FIELDS)}&access_token=${token}`;
      const filesPath = `/${seeded.jobId}/files?access_token=${token}`;
      await check(engine, server.origin + exportPath, server.origin + filesPath);
      targets.push(
        { name: `${engine} export`, url: server.origin + exportPath, cpuMicros: server.cpuMicros },
        { name: `${engine} files`, url: server.origin + filesPath, cpuMicros: server.cpuMicros },
      );
    }
    console.log(
      `graph-postgres-vs-sqlite: ${USER_JOBS} user jobs x ${FILES_PER_JOB} files; ${settings.connections} connections, ` +
        `pipelining 1; ${settings.rounds} rounds of ${settings.duration} s per target after ${settings.warmup} s warm-up`,
    );
    console.log(`  export: GET /{export_id}?fields=${EXPORT_FIELDS}&access_token=<token>`);
    console.log('  files:  GET /{job_id}/files?access_token=<token>');
    // sqlite export, postgres export, then files: the two runtimes alternate on each request.
    const ordered = [targets[0], targets[2], targets[1], targets[3]].filter((t) => t !== undefined);
    report(await measureRounds(ordered, settings));
  });
}

/** Both runtimes must answer the same, complete bodies, or the comparison is unfair. */
async function check(engine: Engine, exportUrl: string, filesUrl: string): Promise<void> {
  const node = (await getJson(exportUrl)) as {
    is_completed?: unknown;
    total_number_of_completed_jobs?: unknown;
  };
  if (node.is_completed !== true || node.total_number_of_completed_jobs !== USER_JOBS + 1) {
    throw new Error(`unexpected export body on ${engine}: ${JSON.stringify(node)}`);
  }
  const files = ((await getJson(filesUrl)) as { data?: unknown[] }).data;
  if (!Array.isArray(files) || files.length !== FILES_PER_JOB) {
    throw new Error(`unexpected files body on ${engine}: ${JSON.stringify(files)}`);
  }
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

function report(figures: readonly TargetFigures[]): void {
  const median = (name: string) => figures.find((f) => f.target.name === name)?.median;
  const rows = (['export', 'files'] as const).map((request) => {
    const sqlite = median(`sqlite ${request}`);
    const postgres = median(`postgres ${request}`);
    if (!sqlite || !postgres) throw new Error(`missing figures for ${request}`);
    reportResult({
      bench: 'graph-postgres-vs-sqlite',
      measure: `${request} req/s, PostgreSQL / SQLite`,
      ours: `${postgres.requestsPerSecond.toFixed(0)} req/s`,
      reference: `${sqlite.requestsPerSecond.toFixed(0)} req/s`,
      ratio: postgres.requestsPerSecond / sqlite.requestsPerSecond,
      goal: undefined,
    });
    return [
      request,
      postgres.requestsPerSecond.toFixed(0),
      sqlite.requestsPerSecond.toFixed(0),
      (postgres.requestsPerSecond / sqlite.requestsPerSecond).toFixed(2),
      `${postgres.latencyMean.toFixed(2)} / ${sqlite.latencyMean.toFixed(2)}`,
      `${postgres.latencyP99.toFixed(0)} / ${sqlite.latencyP99.toFixed(0)}`,
      `${postgres.cpuPerRequest.toFixed(0)} / ${sqlite.cpuPerRequest.toFixed(0)}`,
    ];
  });
  console.log('\nmedians of the rounds:');
  printTable(
    [
      'request',
      'postgres req/s',
      'sqlite req/s',
      'postgres/sqlite',
      'mean latency ms pg / sqlite',
      'p99 ms pg / sqlite',
      'Node CPU µs/req pg / sqlite',
    ],
    rows,
  );
  console.log(
    `\ngraph-postgres-vs-sqlite: for information, no goal; load average ${loadAverage()}`,
  );
}

await main();
