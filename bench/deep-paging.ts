/**
 * @module
 * Whether a page deep in a long list costs what the first page costs (keyset paging's promise,
 * `src/ports/paging.ts`). Data: one community with one export of 100,000 user jobs. The members
 * are inserted in one SQLite transaction straight into `<dataDir>/dyi.sqlite` (the `objects`
 * and `members` rows the repository would write; adding them one by one through the service
 * takes about 40 s here), then the export and its jobs are created through ExportService as
 * the API does. The bench walks `GET /{export_id}/user_dyi_jobs?limit=100` along `paging.next`
 * once to get the URL of page 1000 (items 99,900 to 99,999), then measures the first page and
 * that page with autocannon from this process against our app in a child process (32
 * connections, pipelining 1), alternating (order reversed every other round), 3 rounds of 5 s
 * after a 2 s warm-up.
 * Goal: the deep page costs at most 1.5x the first (first req/s / deep req/s <= 1.5).
 * Run: `npx tsx bench/deep-paging.ts [--rounds 3] [--duration 5] [--connections 32]`.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { openRuntime } from '../src/runtime.js';
import { createExport, seedCommunity } from '../test/support/graph-fixture.js';
import { type ForkedServer, forkServer } from './support/fork-server.js';
import { measureRounds, printTable, loadSettingsFromArguments } from './support/measure-load.js';
import { withScratchDir } from './support/scratch-dir.js';

const GOAL_COST_RATIO = 1.5;
const USER_JOBS = 100_000;
const PAGE_SIZE = 100;
/** Page 1000 starts at item 99,900: the last page of the list. */
const DEEP_PAGE = 1000;
const OVERRIDES = { rateLimitCalls: 0, communityRateLimitCalls: 0 } as const;

interface Seeded {
  readonly token: string;
  readonly exportId: string;
}

interface JobsPage {
  readonly data: { readonly id: string }[];
  readonly paging?: { readonly next?: string; readonly cursors?: { readonly after: string } };
}

async function main(): Promise<void> {
  const settings = loadSettingsFromArguments();

  await withScratchDir('dyi-bench-paging-', async ({ dir: dataDir, atCleanUp }) => {
    let server: ForkedServer | undefined;
    atCleanUp(async () => {
      await server?.stop();
      server = undefined;
    });
    let started = performance.now();
    const seeded = await seed(dataDir);
    console.log(
      `deep-paging: seeded ${USER_JOBS.toLocaleString('en')} user jobs in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    server = await forkServer({ mode: 'ours', dataDir, overrides: OVERRIDES });
    const { origin } = server;
    const token = encodeURIComponent(seeded.token);
    const firstPath = `/${seeded.exportId}/user_dyi_jobs?limit=${PAGE_SIZE}&access_token=${token}`;

    started = performance.now();
    const deepPath = await walkToPage(origin, firstPath, DEEP_PAGE);
    console.log(
      `walked ${DEEP_PAGE - 1} pages along paging.next in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const first = (await getJson(origin + firstPath)) as JobsPage;
    const deep = (await getJson(origin + deepPath)) as JobsPage;
    if (first.data.length !== PAGE_SIZE || deep.data.length !== PAGE_SIZE) {
      throw new Error(
        `expected full pages, got ${first.data.length} and ${deep.data.length} items`,
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
          name: `page ${DEEP_PAGE} (item ${((DEEP_PAGE - 1) * PAGE_SIZE).toLocaleString('en')})`,
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
    const passed = cost <= GOAL_COST_RATIO;
    console.log('\nmedians of the rounds:');
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
        [
          'first req/s / deep req/s',
          cost.toFixed(2),
          `<= ${GOAL_COST_RATIO}`,
          passed ? 'PASS' : 'MISS',
        ],
        ['deep latency / first latency', latencyRatio.toFixed(2), '(same measure)', ''],
        ['deep CPU / first CPU per request', cpuRatio.toFixed(2), '(same measure)', ''],
      ],
    );
    console.log(
      `\ndeep-paging: ${passed ? 'PASS' : 'MISS'} (goal: the deep page costs at most ${GOAL_COST_RATIO}x the first)`,
    );
  });
}

async function seed(dataDir: string): Promise<Seeded> {
  const config = loadConfig({}, { dataDir, logLevel: 'silent', ...OVERRIDES });
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
  insertMembers(path.join(dataDir, 'dyi.sqlite'), communityId, USER_JOBS);
  runtime = await openRuntime(config);
  try {
    const exportJob = await createExport(runtime, communityId, {
      data_types: ['POSTS_YOUR_ACTIVITY'],
    });
    const counts = await runtime.metadata.exports.countJobs(exportJob.id);
    if (counts.total !== USER_JOBS + 1)
      throw new Error(`expected ${USER_JOBS + 1} jobs, got ${counts.total}`);
    return { token, exportId: exportJob.id };
  } finally {
    await runtime.close();
  }
}

/**
 * Bench setup only: the rows SqliteMembers.create writes (an `objects` row for the id, then the
 * `members` row), for `count` active members, in one transaction.
 */
function insertMembers(filename: string, communityId: string, count: number): void {
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

/** Follows paging.next from `firstPath` to page `page`; returns that page's path. */
async function walkToPage(origin: string, firstPath: string, page: number): Promise<string> {
  let current = firstPath;
  let seen = 0;
  for (let n = 1; n < page; n += 1) {
    const body = (await getJson(origin + current)) as JobsPage;
    seen += body.data.length;
    const next = body.paging?.next;
    if (!next) throw new Error(`page ${n} has no paging.next`);
    // Links carry the configured public URL; keep their path and query, not their origin.
    const url = new URL(next);
    current = url.pathname + url.search;
  }
  if (seen !== (page - 1) * PAGE_SIZE)
    throw new Error(`walked ${seen} items, expected ${(page - 1) * PAGE_SIZE}`);
  return current;
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

await main();
