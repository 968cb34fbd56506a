/**
 * @module
 * Whether a page deep in a long list costs what the first page costs (keyset paging's promise,
 * `src/ports/paging.ts`), on SQLite (`--database sqlite`, the default) or PostgreSQL
 * (`--database postgres`: a fresh database on 127.0.0.1:5432, dropped at the end). Data: one
 * community with one export of `--jobs` user jobs (default 100,000 on SQLite, 1,000,000 on
 * PostgreSQL). The members are inserted straight into the database (the `objects` and
 * `members` rows the repository would write: one SQLite transaction, or one PostgreSQL
 * statement; adding them one by one through the service takes about 40 s per 100,000 here),
 * then the export and its jobs are created through ExportService as the API does (on
 * PostgreSQL that also enqueues one pg-boss task per job). The deep page is the last one (page
 * jobs/100, e.g. 10,000 for 1,000,000 jobs): its `after` cursor is made from the id before it,
 * found by walking the list through the store in pages of 10,000, and the bench checks that
 * the server answers it with the expected 100 items. It then measures the first page and that
 * page with autocannon from this process against our app in a child process (32 connections,
 * pipelining 1), alternating (order reversed every other round), 3 rounds of 5 s after a 2 s
 * warm-up.
 * Goal: the deep page costs at most 1.2x the first, on SQLite (issue 16) as on PostgreSQL (issue 12)
 * (first req/s / deep req/s).
 * Given compiled builds (`dist` and an older one), it serves the same data with each, in one
 * child per build, checks that they answer both pages with the same bytes, and measures the
 * four (build, page) pairs alternating; server CPU per request then counts PostgreSQL's
 * backends of the bench database too (read from /proc, sampled every 200 ms, since the pool
 * opens and closes them), which is what a same-run A/B of a change of queries needs on a busy
 * machine.
 * Run: `npx tsx bench/deep-paging.ts [--database sqlite|postgres] [--jobs N] [--rounds 3]
 * [--duration 5] [--connections 32] [BUILD...]`.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type ConfigOverrides, loadConfig } from '../src/config.js';
import { encodeCursor } from '../src/graph/cursor.js';
import { openRuntime } from '../src/runtime.js';
import { createExport, seedCommunity } from '../test/support/graph-fixture.js';
import { benchArgs, NEEDS_BUILD, oneOf, positiveInteger } from './support/bench-args.js';
import { BackendCpu } from './support/backend-cpu.js';
import { reportResult } from './support/bench-result.js';
import { type ForkedServer, forkServer } from './support/fork-server.js';
import {
  LOAD_OPTIONS,
  measureRounds,
  median,
  printTable,
  type TargetFigures,
} from './support/measure-load.js';
import { benchDatabase } from './support/services.js';
import { withScratchDir } from './support/scratch-dir.js';
import { loadAverage } from './support/child-process.js';

const GOALS = { sqlite: 1.2, postgres: 1.2 } as const;
const DEFAULT_JOBS = { sqlite: 100_000, postgres: 1_000_000 } as const;
const PAGE_SIZE = 100;
/** Rows per store read while looking for the deep page's position. */
const WALK_PAGE = 10_000;
const LIMITS_OFF = { rateLimitCalls: 0, communityRateLimitCalls: 0 } as const;

interface Seeded {
  readonly token: string;
  readonly exportId: string;
  /** The `after` cursor of the last page, and the id of its first item. */
  readonly deepAfter: string;
  readonly deepFirstId: string;
}

interface JobsPage {
  readonly data: { readonly id: string }[];
  readonly paging?: { readonly next?: string; readonly cursors?: { readonly after: string } };
}

async function main(): Promise<void> {
  const { values, positionals, fail } = benchArgs({
    summary:
      'Whether a page deep in a long list costs what the first page costs (keyset paging), req/s\n' +
      'of the first page against the last one (goal: at most 1.2x).',
    needs: [NEEDS_BUILD, 'PostgreSQL on 127.0.0.1:5432 (with --database postgres)'],
    options: {
      database: oneOf(['sqlite', 'postgres'], 'the metadata store to page', 'sqlite'),
      jobs: positiveInteger(
        `user jobs in the export, a multiple of ${PAGE_SIZE} from ${2 * PAGE_SIZE} ` +
          `(default: ${DEFAULT_JOBS.sqlite} on SQLite, ${DEFAULT_JOBS.postgres} on PostgreSQL)`,
      ),
      ...LOAD_OPTIONS,
    },
    positionals: {
      placeholder: 'BUILD...',
      description:
        'compiled builds to compare on the same data (e.g. dist and an older one); none: dist alone',
      min: 0,
    },
  });
  const { database: engine, jobs, ...settings } = values;
  const userJobs = jobs ?? DEFAULT_JOBS[engine];
  if (userJobs < 2 * PAGE_SIZE || userJobs % PAGE_SIZE !== 0) {
    fail(`--jobs takes a multiple of ${PAGE_SIZE} from ${2 * PAGE_SIZE}, not ${userJobs}`);
  }
  const deepPage = userJobs / PAGE_SIZE;
  const goal = GOALS[engine];

  await withScratchDir('dyi-bench-paging-', async ({ dir: dataDir, atCleanUp }) => {
    let server: ForkedServer | undefined;
    const overrides: ConfigOverrides = {
      ...LIMITS_OFF,
      ...(engine === 'postgres' && { databaseUrl: await benchDatabase(atCleanUp) }),
    };
    atCleanUp(async () => {
      await server?.stop();
      server = undefined;
    });
    console.log(`deep-paging on ${engine}: ${userJobs.toLocaleString('en')} user jobs`);
    const seeded = await seed(dataDir, overrides, userJobs);
    if (positionals.length > 0) {
      await compareBuilds(positionals, {
        dataDir,
        overrides,
        seeded,
        deepPage,
        settings,
        atCleanUp,
      });
      return;
    }
    server = await forkServer({ mode: 'ours', dataDir, overrides });
    const { origin } = server;
    const token = encodeURIComponent(seeded.token);
    const firstPath = `/${seeded.exportId}/user_dyi_jobs?limit=${PAGE_SIZE}&access_token=${token}`;
    const deepPath = `${firstPath}&after=${seeded.deepAfter}`;
    const first = (await getJson(origin + firstPath)) as JobsPage;
    const deep = (await getJson(origin + deepPath)) as JobsPage;
    if (first.data.length !== PAGE_SIZE || deep.data.length !== PAGE_SIZE) {
      throw new Error(
        `expected full pages, got ${first.data.length} and ${deep.data.length} items`,
      );
    }
    if (deep.data[0]?.id !== seeded.deepFirstId || deep.paging?.next !== undefined) {
      throw new Error(
        `page ${deepPage} starts at ${deep.data[0]?.id}, expected ${seeded.deepFirstId}, and should be the last`,
      );
    }

    console.log(
      `${settings.connections} connections, pipelining 1; ${settings.rounds} rounds of ${settings.duration} s per page after ${settings.warmup} s warm-up`,
    );
    console.log(`  first: GET ${firstPath.replace(token, '<token>')}`);
    console.log(`  deep:  GET ${deepPath.replace(token, '<token>')}`);
    const figures = await measureRounds(
      [
        { name: 'first page', url: origin + firstPath, cpuMicros: server.cpuMicros },
        {
          name: `page ${deepPage.toLocaleString('en')} (item ${((deepPage - 1) * PAGE_SIZE).toLocaleString('en')})`,
          url: origin + deepPath,
          cpuMicros: server.cpuMicros,
        },
      ],
      settings,
    );
    const [firstFigures, deepFigures] = figures;
    if (!firstFigures || !deepFigures) throw new Error('missing figures');
    const cost = firstFigures.median.requestsPerSecond / deepFigures.median.requestsPerSecond;
    const latencyRatio = deepFigures.median.latencyMean / firstFigures.median.latencyMean;
    const cpuRatio = deepFigures.median.cpuPerRequest / firstFigures.median.cpuPerRequest;
    const passed = cost <= goal;
    console.log(`\nmedians of the rounds (${engine}; server CPU is the Node process only):`);
    printTable(
      ['page', 'req/s', 'mean latency ms', 'p99 latency ms', 'server CPU µs/req'],
      figures.map((f) => [
        f.target.name,
        f.median.requestsPerSecond.toFixed(0),
        f.median.latencyMean.toFixed(2),
        f.median.latencyP99.toFixed(0),
        f.median.cpuPerRequest.toFixed(0),
      ]),
    );
    console.log('');
    printTable(
      ['cost of the deep page', 'value', 'goal', 'result'],
      [
        ['first req/s / deep req/s', cost.toFixed(2), `<= ${goal}`, passed ? 'PASS' : 'MISS'],
        ['deep latency / first latency', latencyRatio.toFixed(2), '(same measure)', ''],
        ['deep CPU / first CPU per request', cpuRatio.toFixed(2), '(same measure)', ''],
      ],
    );
    reportResult({
      bench: 'deep-paging',
      measure: `deep page (${deepPage.toLocaleString('en')} of ${engine}) cost / first page`,
      ours: `${deepFigures.median.requestsPerSecond.toFixed(0)} req/s deep`,
      reference: `${firstFigures.median.requestsPerSecond.toFixed(0)} req/s first`,
      ratio: cost,
      goal: { atMost: goal },
    });
    console.log(
      `\ndeep-paging (${engine}, ${userJobs.toLocaleString('en')} jobs): ${passed ? 'PASS' : 'MISS'} (goal: the deep page costs at most ${goal}x the first); load average ${loadAverage()}`,
    );
  });
}

interface CompareSetup {
  readonly dataDir: string;
  readonly overrides: ConfigOverrides;
  readonly seeded: Seeded;
  readonly deepPage: number;
  readonly settings: Parameters<typeof measureRounds>[1];
  readonly atCleanUp: (step: () => unknown) => void;
}

/**
 * Both pages on every build, same data, alternating; server CPU is the Node process plus, on
 * PostgreSQL, the bench database's backends (only one server is under load at a time).
 */
async function compareBuilds(builds: readonly string[], setup: CompareSetup): Promise<void> {
  const { dataDir, overrides, seeded, deepPage, settings, atCleanUp } = setup;
  const url = overrides.databaseUrl;
  const backends = typeof url === 'string' ? new BackendCpu(url) : undefined;
  atCleanUp(() => backends?.stop());
  await backends?.start();
  const servers: ForkedServer[] = [];
  atCleanUp(async () => {
    for (const server of servers.splice(0)) await server.stop();
  });
  const token = encodeURIComponent(seeded.token);
  const firstPath = `/${seeded.exportId}/user_dyi_jobs?limit=${PAGE_SIZE}&access_token=${token}`;
  const deepPath = `${firstPath}&after=${seeded.deepAfter}`;
  const targets = [];
  const bodies = new Map<string, string>();
  for (const build of builds) {
    const server = await forkServer({
      mode: 'ours',
      dataDir,
      overrides,
      build: path.resolve(build),
    });
    servers.push(server);
    const cpuMicros = async () =>
      (await server.cpuMicros()) + (backends === undefined ? 0 : await backends.micros());
    for (const [page, url] of [
      ['first', server.origin + firstPath],
      ['deep', server.origin + deepPath],
    ] as const) {
      const response = await fetch(url);
      const body = await response.text();
      if (response.status !== 200)
        throw new Error(`${build}: GET ${page} answered ${response.status}`);
      const earlier = bodies.get(page);
      if (earlier !== undefined && earlier !== body) {
        throw new Error(`${build} answers the ${page} page with other bytes than ${builds[0]}`);
      }
      bodies.set(page, body);
      targets.push({ name: `${build}, ${page}`, url, cpuMicros });
    }
  }
  console.log(
    `every build answers both pages with the same bytes; deep page: ${deepPage.toLocaleString('en')}`,
  );
  const figures = await measureRounds(targets, settings);
  const server = backends === undefined ? 'Node' : 'Node + PostgreSQL backends';
  console.log(`\nmedians of the rounds (server CPU: ${server}):`);
  printTable(
    ['build, page', 'req/s', 'mean latency ms', 'server CPU µs/req'],
    figures.map((f) => [
      f.target.name,
      f.median.requestsPerSecond.toFixed(0),
      f.median.latencyMean.toFixed(2),
      f.median.cpuPerRequest.toFixed(0),
    ]),
  );
  // Per build, the ratios of each round's two runs (next to each other), then their median.
  const ratio = (first: TargetFigures, deep: TargetFigures, of: (i: number) => number) =>
    median(first.runs.map((_, i) => of(i))).toFixed(2);
  console.log('');
  printTable(
    ['build', 'first req/s / deep req/s', 'deep CPU / first CPU per request'],
    builds.map((build, b) => {
      const [first, deep] = [figures[2 * b], figures[2 * b + 1]];
      if (!first || !deep) throw new Error('missing figures');
      const run = (f: TargetFigures, i: number) => f.runs[i] ?? f.median;
      return [
        build,
        ratio(first, deep, (i) => run(first, i).requestsPerSecond / run(deep, i).requestsPerSecond),
        ratio(first, deep, (i) => run(deep, i).cpuPerRequest / run(first, i).cpuPerRequest),
      ];
    }),
  );
  console.log(`(medians of the rounds' ratios; load average ${loadAverage()})`);
}

async function seed(
  dataDir: string,
  overrides: ConfigOverrides,
  userJobs: number,
): Promise<Seeded> {
  const config = loadConfig({}, { dataDir, logLevel: 'silent', ...overrides });
  let runtime = await openRuntime(config);
  let communityId: string;
  let token: string;
  try {
    const seeded = await seedCommunity(runtime, 'Paging', 0);
    communityId = seeded.community.id;
    token = seeded.readToken;
  } finally {
    await runtime.close();
  }
  let started = performance.now();
  if (config.databaseUrl === undefined) {
    insertSqliteMembers(path.join(dataDir, 'dyi.sqlite'), communityId, userJobs);
  } else {
    await insertPostgresMembers(config.databaseUrl, communityId, userJobs);
  }
  console.log(`  members inserted in ${seconds(started)} s`);
  runtime = await openRuntime(config);
  try {
    started = performance.now();
    const exportJob = await createExport(runtime, communityId, {
      data_types: ['POSTS_YOUR_ACTIVITY'],
    });
    console.log(
      `  export of ${(userJobs + 1).toLocaleString('en')} jobs created through ExportService in ${seconds(started)} s`,
    );
    const counts = await runtime.metadata.exports.countJobs(exportJob.id);
    if (counts.total !== userJobs + 1)
      throw new Error(`expected ${userJobs + 1} jobs, got ${counts.total}`);
    // The position before the last page: item (jobs - PAGE_SIZE - 1), in list order.
    const wanted = userJobs - PAGE_SIZE;
    let seen = 0;
    let after: string | undefined;
    let deepAfter: string | undefined;
    let deepFirstId: string | undefined;
    while (deepFirstId === undefined) {
      const page = await runtime.metadata.jobs.listUserJobs(exportJob.id, {
        limit: WALK_PAGE,
        after,
      });
      if (page.items.length === 0) throw new Error(`the list ended after ${seen} items`);
      for (const job of page.items) {
        if (seen === wanted) {
          deepFirstId = job.id;
          break;
        }
        after = job.id;
        seen += 1;
      }
      if (deepFirstId === undefined) after = page.items.at(-1)?.id;
      else deepAfter = after;
    }
    if (deepAfter === undefined) throw new Error('no position before the last page');
    return { token, exportId: exportJob.id, deepAfter: encodeCursor(deepAfter), deepFirstId };
  } finally {
    await runtime.close();
  }
}

/**
 * Bench setup only: the rows SqliteMembers.create writes (an `objects` row for the id, then the
 * `members` row), for `count` active members, in one transaction.
 */
function insertSqliteMembers(filename: string, communityId: string, count: number): void {
  const db = new Database(filename);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    const object = db.prepare("INSERT INTO objects (kind, community_id) VALUES ('member', ?)");
    const member = db.prepare(
      "INSERT INTO members (id, community_id, name, email, status) VALUES (?, ?, ?, ?, 'active')",
    );
    const community = Number(communityId);
    db.transaction(() => {
      for (let i = 1; i <= count; i += 1) {
        const id = object.run(community).lastInsertRowid;
        member.run(id, community, `Paging member ${i}`, `m${i}@paging.example`);
      }
    })();
  } finally {
    db.close();
  }
}

/**
 * Bench setup only: the rows PostgresMembers.create writes (ids from the `objects` identity,
 * then the `members` rows), for `count` active members, in one statement.
 */
async function insertPostgresMembers(url: string, communityId: string, count: number) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `WITH ids AS (
         INSERT INTO objects (kind, community_id)
         SELECT 'member', $1::bigint FROM generate_series(1, $2::int) RETURNING id)
       INSERT INTO members (id, community_id, name, email, status)
       SELECT id, $1::bigint, 'Paging member ' || id, 'm' || id || '@paging.example', 'active'
       FROM ids`,
      [Number(communityId), count],
    );
    await client.query('ANALYZE objects, members');
  } finally {
    await client.end();
  }
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

await main();
