/**
 * Rate limits and usage headers across API processes (issue 12): two apps, each with its own
 * runtime and its own connection pool to one PostgreSQL usage store, as two `dyi serve
 * --no-workers` processes behind a balancer would be, with calls alternated between them. The
 * budgets of a token, a community and of exports created hold across both, and the usage
 * headers of each answer count the calls of both.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, it, type TestContext } from 'vitest';
import { PostgresUsageCounters } from '../src/adapters/postgres/postgres-usage-counters.js';
import { type ConfigOverrides, loadConfig } from '../src/config.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { buildApp } from '../src/server/app.js';
import {
  createExport,
  type GraphAnswer,
  graph,
  ManualClock,
  type SeededCommunity,
  seedCommunity,
} from './support/graph-fixture.js';
import { queryRows, usageDatabase } from './support/usage-database.js';

const database = usageDatabase();
afterAll(() => database.drop());

interface TwoProcesses {
  /** The two API processes' apps, in the order calls alternate between them. */
  readonly apps: readonly [FastifyInstance, FastifyInstance];
  /** The first process's runtime. */
  readonly runtime: Runtime;
  readonly acme: SeededCommunity;
  readonly clock: ManualClock;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startTwo(
  ctx: TestContext,
  overrides: ConfigOverrides,
  members = 3,
): Promise<TwoProcesses> {
  const { url } = await database.get(ctx);
  await queryRows(url, 'TRUNCATE usage_windows');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-test-'));
  closers.push(() => rm(dataDir, { recursive: true, force: true }));
  const config = loadConfig({}, { dataDir, logLevel: 'silent', ...overrides });
  const clock = new ManualClock();
  const open = async (): Promise<[Runtime, FastifyInstance]> => {
    const usageCounters = new PostgresUsageCounters({ url, maxConnections: 2 });
    const runtime = await openRuntime(config, { clock, usageCounters });
    closers.push(() => runtime.close());
    const app = await buildApp(runtime);
    closers.push(() => app.close());
    return [runtime, app];
  };
  const [first, a] = await open();
  const [, b] = await open();
  const acme = await seedCommunity(first, 'Acme', members);
  return { apps: [a, b], runtime: first, acme, clock };
}

function callPercent(answer: GraphAnswer, header: 'app' | 'business', community = ''): number {
  if (header === 'app') {
    return (JSON.parse(String(answer.headers['x-app-usage'])) as { call_count: number }).call_count;
  }
  const business = JSON.parse(String(answer.headers['x-business-use-case-usage'])) as Record<
    string,
    { call_count: number }[]
  >;
  return business[community]?.[0]?.call_count ?? -1;
}

describe('two API processes on one usage store', () => {
  it("refuse a token's 7th call of 6 together (code 4), and count both in X-App-Usage", async (ctx) => {
    const { apps, acme, clock } = await startTwo(ctx, { rateLimitCalls: 6 });
    const answers: GraphAnswer[] = [];
    for (let i = 0; i < 8; i++) {
      answers.push(await graph(apps[i % 2]!, 'GET', '/community', { token: acme.readToken }));
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200, 403, 403]);
    expect(answers.slice(0, 6).map((a) => callPercent(a, 'app'))).toEqual([
      16, 33, 50, 66, 83, 100,
    ]);
    for (const refused of answers.slice(6)) {
      expect(refused.body.error).toMatchObject({ code: 4, is_transient: true });
      expect(refused.headers['retry-after']).toBe('60');
    }
    // The window ends for both processes at once.
    clock.advance(60_000);
    const [again, alsoAgain] = [
      await graph(apps[1], 'GET', '/community', { token: acme.readToken }),
      await graph(apps[0], 'GET', '/community', { token: acme.readToken }),
    ];
    expect([again.status, alsoAgain.status]).toEqual([200, 200]);
    expect(callPercent(alsoAgain, 'app')).toBe(33);
  });

  it('hold the limit when both take calls at once', async (ctx) => {
    const { apps, acme } = await startTwo(ctx, { rateLimitCalls: 10 });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        graph(apps[i % 2]!, 'GET', '/community', { token: acme.readToken }),
      ),
    );
    expect(answers.filter((a) => a.status === 200)).toHaveLength(10);
    expect(answers.filter((a) => a.body.error?.code === 4)).toHaveLength(20);
  });

  it("refuse a community's calls past its budget, whichever token and process (code 613)", async (ctx) => {
    const { apps, acme } = await startTwo(ctx, { rateLimitCalls: 0, communityRateLimitCalls: 4 });
    const tokens = [acme.readToken, acme.manageToken];
    const answers: GraphAnswer[] = [];
    for (let i = 0; i < 5; i++) {
      answers.push(await graph(apps[i % 2]!, 'GET', '/community', { token: tokens[i % 2] }));
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 403]);
    expect(answers.map((a) => callPercent(a, 'business', acme.community.id))).toEqual([
      25, 50, 75, 100, 100,
    ]);
    expect(answers[4]?.body.error.code).toBe(613);
  });

  it('refuse an export created on one process past the budget spent on the other', async (ctx) => {
    const { apps, acme } = await startTwo(ctx, { createExportLimit: 1 });
    const create = (app: FastifyInstance): Promise<GraphAnswer> =>
      graph(app, 'POST', '/community/work_dyi_jobs', {
        token: acme.manageToken,
        form: { data_types: 'POSTS_YOUR_ACTIVITY' },
      });
    expect((await create(apps[0])).status).toBe(200);
    const refused = await create(apps[1]);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe(613);
    const business = JSON.parse(String(refused.headers['x-business-use-case-usage'])) as Record<
      string,
      { estimated_time_to_regain_access: number }[]
    >;
    expect(business[acme.community.id]?.[0]?.estimated_time_to_regain_access).toBe(1);
  });

  it('count an expensive read charged on one process in the next answer of the other', async (ctx) => {
    const { apps, runtime, acme } = await startTwo(
      ctx,
      { rateLimitCalls: 100, communityRateLimitCalls: 1000 },
      100,
    );
    const made = await createExport(runtime, acme.community.id);
    // 100 jobs × (job + export + 30 jobs) = 3,200 objects: 32 calls of 100 objects, one of
    // them admitted and 31 charged after the read.
    const expensive = await graph(
      apps[0],
      'GET',
      `/${made.id}/user_dyi_jobs?limit=100&fields=id,work_dyi_job{user_dyi_jobs.limit(30){id}}`,
      { token: acme.readToken },
    );
    expect(callPercent(expensive, 'app')).toBe(32);
    const next = await graph(apps[1], 'GET', `/${made.id}`, { token: acme.readToken });
    expect(callPercent(next, 'app')).toBe(32 + 1);
    expect(callPercent(next, 'business', acme.community.id)).toBe(3);
  });
});
