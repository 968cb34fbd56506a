/**
 * The cost budget of one Graph request (issue 10, item 1): nested `fields` that multiply are
 * refused with Graph's code 1 before the answer is built, requests within the budget answer
 * as before, and what a request resolves counts in the usage headers and rate limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createExport,
  type GraphFixture,
  graph,
  type SeededCommunity,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';
import { UNSHARED_USAGE } from './support/cluster-fixture.js';

const TOO_MUCH = "Please reduce the amount of data you're asking for, then retry your request";

/** `user_dyi_jobs.limit(100){work_dyi_job{...}}` nested `levels` times, ending in `{id}`. */
function nestedJobs(levels: number): string {
  let fields = 'user_dyi_jobs.limit(100){id}';
  for (let i = 1; i < levels; i++) fields = `user_dyi_jobs.limit(100){work_dyi_job{${fields}}}`;
  return fields;
}

function expectTooMuchData(answer: { status: number; body: any; headers: any }): void {
  expect(answer.status).toBe(500);
  expect(answer.body).toEqual({
    error: {
      message: TOO_MUCH,
      type: 'OAuthException',
      code: 1,
      is_transient: false,
      fbtrace_id: answer.headers['x-fb-trace-id'],
    },
  });
}

function callPercent(answer: { headers: Record<string, unknown> }): number {
  const usage = JSON.parse(String(answer.headers['x-app-usage'])) as { call_count: number };
  return usage.call_count;
}

describe('with the default limits and an export of 100 user jobs', () => {
  let fixture: GraphFixture;
  let acme: SeededCommunity;
  let exportId: string;

  beforeAll(async () => {
    fixture = await startGraphFixture();
    acme = await seedCommunity(fixture.runtime, 'Acme', 100);
    exportId = (await createExport(fixture.runtime, acme.community.id)).id;
  });
  afterAll(() => fixture.close());

  it("refuses the issue's four-level request up front, with bounded memory", async () => {
    const fields = nestedJobs(4);
    expect(fields).toBe(
      'user_dyi_jobs.limit(100){work_dyi_job{user_dyi_jobs.limit(100){work_dyi_job{user_dyi_jobs.limit(100){work_dyi_job{user_dyi_jobs.limit(100){id}}}}}}}',
    );
    const heapBefore = process.memoryUsage().heapUsed;
    const answer = await graph(fixture.app, 'GET', `/${exportId}?fields=${fields}`, {
      token: acme.readToken,
    });
    expectTooMuchData(answer);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    // The same through an edge request and through a batch item.
    const onEdge = await graph(
      fixture.app,
      'GET',
      `/community/work_dyi_jobs?limit=100&fields=${nestedJobs(3)}`,
      { token: acme.readToken },
    );
    expectTooMuchData(onEdge);
  });

  it('stops a request that passes the estimate but resolves too many objects', async () => {
    // 100 jobs × (job + export + 100 jobs) = 10,201 objects, just over the 10,000 allowed.
    const answer = await graph(fixture.app, 'GET', `/${exportId}?fields=${nestedJobs(2)}`, {
      token: acme.readToken,
    });
    expectTooMuchData(answer);
  });

  it('refuses fields that nest deeper than the depth limit, even when small', async () => {
    let fields = 'id';
    for (let i = 0; i < 7; i++)
      fields = `${i % 2 === 0 ? 'company_job' : 'work_dyi_job'}{${fields}}`;
    const answer = await graph(fixture.app, 'GET', `/${exportId}?fields=${fields}`, {
      token: acme.readToken,
    });
    expectTooMuchData(answer);
  });

  it('still answers an unknown field with code 100, not with the cost error', async () => {
    const answer = await graph(
      fixture.app,
      'GET',
      `/${exportId}?fields=user_dyi_jobs.limit(100){work_dyi_job{nope}}`,
      { token: acme.readToken },
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(100);
  });

  it('answers a request within the budget exactly as before', async () => {
    const answer = await graph(
      fixture.app,
      'GET',
      `/${exportId}?fields=id,user_dyi_jobs.limit(100){id,job_state,work_dyi_job}`,
      { token: acme.readToken },
    );
    expect(answer.status).toBe(200);
    const jobs = await fixture.runtime.jobs.listUserJobs(exportId, { limit: 100 });
    expect(answer.body.user_dyi_jobs.data).toEqual(
      jobs.items.map((job) => ({
        id: job.id,
        job_state: job.state,
        work_dyi_job: { id: exportId },
      })),
    );
    expect(answer.body.user_dyi_jobs.paging.next).toBeUndefined();
  });

  it('shares one object budget among the items of a batch', async () => {
    // 100 jobs × (job + export + 30 jobs) = 3,200 objects an item: three fit in 10,000, the
    // fourth does not, though each alone would.
    const item = {
      method: 'GET',
      relative_url: `${exportId}?fields=user_dyi_jobs.limit(100){work_dyi_job{user_dyi_jobs.limit(30){id}}}`,
    };
    const answer = await graph(fixture.app, 'POST', '/', {
      form: { access_token: acme.readToken, batch: JSON.stringify(Array(4).fill(item)) },
    });
    expect(answer.status).toBe(200);
    const items = answer.body as { code: number; body: string }[];
    expect(items.map((i) => i.code)).toEqual([200, 200, 200, 500]);
    expect(JSON.parse(items[3]!.body).error).toMatchObject({ code: 1, message: TOO_MUCH });
    // A new batch has a budget of its own again.
    const again = await graph(fixture.app, 'POST', '/', {
      form: { access_token: acme.readToken, batch: JSON.stringify([item]) },
    });
    expect((again.body as { code: number }[])[0]!.code).toBe(200);
  });
});

describe('cost in the usage headers and rate limits', () => {
  let fixture: GraphFixture;
  let acme: SeededCommunity;
  let exportId: string;

  beforeAll(async () => {
    // No cluster for a test that skips (saying why): its start is most of this file's time.
    if (UNSHARED_USAGE) return;
    fixture = await startGraphFixture({ rateLimitCalls: 100, communityRateLimitCalls: 1000 });
    acme = await seedCommunity(fixture.runtime, 'Acme', 100);
    exportId = (await createExport(fixture.runtime, acme.community.id)).id;
  });
  afterAll(() => fixture?.close());

  it('counts an expensive read as many calls, and limits the token by it', async (ctx) => {
    if (UNSHARED_USAGE) ctx.skip(UNSHARED_USAGE);
    const cheap = await graph(fixture.app, 'GET', `/${exportId}`, { token: acme.readToken });
    expect(callPercent(cheap)).toBe(1);
    // 100 jobs × (job + export + 30 jobs) = 3,200 objects: 32 calls of 100 objects.
    const expensive = await graph(
      fixture.app,
      'GET',
      `/${exportId}/user_dyi_jobs?limit=100&fields=id,work_dyi_job{user_dyi_jobs.limit(30){id}}`,
      { token: acme.readToken },
    );
    expect(expensive.status).toBe(200);
    expect(callPercent(expensive)).toBe(1 + 32);
    const after = await graph(fixture.app, 'GET', `/${exportId}`, { token: acme.readToken });
    expect(callPercent(after)).toBe(1 + 32 + 1);
    const business = JSON.parse(String(after.headers['x-business-use-case-usage'])) as Record<
      string,
      { call_count: number }[]
    >;
    // 34 of the community's 1,000 calls.
    expect(business[acme.community.id]?.[0]?.call_count).toBe(3);
    // Three more such reads (34 + 3 × 32 = 130) spend the token's 100 calls: code 4 follows.
    for (let i = 0; i < 3; i++) {
      await graph(
        fixture.app,
        'GET',
        `/${exportId}/user_dyi_jobs?limit=100&fields=id,work_dyi_job{user_dyi_jobs.limit(30){id}}`,
        { token: acme.readToken },
      );
    }
    const refused = await graph(fixture.app, 'GET', `/${exportId}`, { token: acme.readToken });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe(4);
  });
});

describe("a community's budget spent by one read", () => {
  let fixture: GraphFixture;
  let acme: SeededCommunity;
  let exportId: string;

  beforeAll(async () => {
    // No cluster for a test that skips (saying why): its start is most of this file's time.
    if (UNSHARED_USAGE) return;
    fixture = await startGraphFixture({ rateLimitCalls: 0, communityRateLimitCalls: 100 });
    acme = await seedCommunity(fixture.runtime, 'Acme', 100);
    exportId = (await createExport(fixture.runtime, acme.community.id)).id;
  });
  afterAll(() => fixture?.close());

  it('says so in X-Business-Use-Case-Usage, and the next call is refused', async (ctx) => {
    if (UNSHARED_USAGE) ctx.skip(UNSHARED_USAGE);
    // 100 jobs × (job + export + 98 jobs) = 10,000 objects: the community's 100 calls.
    const expensive = await graph(
      fixture.app,
      'GET',
      `/${exportId}/user_dyi_jobs?limit=100&fields=id,work_dyi_job{user_dyi_jobs.limit(98){id}}`,
      { token: acme.readToken },
    );
    expect(expensive.status).toBe(200);
    const business = JSON.parse(String(expensive.headers['x-business-use-case-usage'])) as Record<
      string,
      { call_count: number; estimated_time_to_regain_access: number }[]
    >;
    expect(business[acme.community.id]?.[0]).toMatchObject({
      call_count: 100,
      estimated_time_to_regain_access: 1,
    });
    const refused = await graph(fixture.app, 'GET', '/community', { token: acme.readToken });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe(613);
  });
});

describe('bytes of an answer', () => {
  let fixture: GraphFixture;
  let acme: SeededCommunity;
  let exportId: string;

  beforeAll(async () => {
    fixture = await startGraphFixture({ graphMaxResponseBytes: 4096 });
    acme = await seedCommunity(fixture.runtime, 'Acme', 40);
    exportId = (await createExport(fixture.runtime, acme.community.id)).id;
  });
  afterAll(() => fixture.close());

  const fields = 'id,job_state,job_type,data_types,create_time,update_time';

  it('refuses an answer over the byte limit, and answers a smaller page', async () => {
    const big = await graph(
      fixture.app,
      'GET',
      `/${exportId}/user_dyi_jobs?limit=40&fields=${fields}`,
      { token: acme.readToken },
    );
    expectTooMuchData(big);
    const small = await graph(
      fixture.app,
      'GET',
      `/${exportId}/user_dyi_jobs?limit=5&fields=${fields}`,
      { token: acme.readToken },
    );
    expect(small.status).toBe(200);
    expect(small.body.data).toHaveLength(5);
  });

  it('refuses a batch whose answers together pass the byte limit', async () => {
    const item = {
      method: 'GET',
      relative_url: `${exportId}/user_dyi_jobs?limit=5&fields=${fields}`,
    };
    const answer = await graph(fixture.app, 'POST', '/', {
      form: { access_token: acme.readToken, batch: JSON.stringify(Array(10).fill(item)) },
    });
    expectTooMuchData(answer);
  });
});
