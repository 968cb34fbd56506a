/**
 * Every row of the error table in GRAPH-API.md, over HTTP: status, code, subcode, type,
 * is_transient, the trace id in body and header, and the extra headers some rows carry. The
 * tests with the default settings share one server; those with settings, a clock or a process
 * of their own start their own.
 */
import { createHmac } from 'node:crypto';
import Database from 'better-sqlite3';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ON_CLUSTER } from './support/cluster-fixture.js';
import {
  createExport,
  type GraphAnswer,
  type GraphFixture,
  graph,
  ManualClock,
  seedCommunity,
  startGraphFixture,
  startInProcessFixture,
} from './support/graph-fixture.js';

/** The fixture of the tests with the default settings, started by the first that needs it. */
let shared: Promise<GraphFixture> | undefined;
/** The fixture of the test running now, when it needs settings or a process of its own. */
let own: GraphFixture | undefined;

afterEach(async () => {
  await own?.close();
  own = undefined;
});

afterAll(async () => {
  await (await shared)?.close();
});

/**
 * A server with the default settings, shared by the tests that use one: each makes its own
 * community, tokens and exports, so none sees what another did.
 */
function start(): Promise<GraphFixture> {
  return (shared ??= startGraphFixture());
}

/** A server of the test's own, with its settings and clock. */
async function startOwn(
  overrides: Parameters<typeof startGraphFixture>[0],
  clock?: ManualClock,
): Promise<GraphFixture> {
  own = await startGraphFixture(overrides, clock);
  return own;
}

/**
 * The answer to `call` once a revocation made just before has reached the server: at once in
 * one process; on a cluster, a token revoked through one process is refused by every other
 * within a second (docs/deployment.md), so the call is repeated, as a client would, until it
 * is refused or that second has passed.
 */
async function afterRevocation(call: () => Promise<GraphAnswer>): Promise<GraphAnswer> {
  const deadline = Date.now() + 1_000;
  let answer = await call();
  while (ON_CLUSTER && answer.status === 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    answer = await call();
  }
  return answer;
}

function expectGraphError(
  answer: GraphAnswer,
  expected: { status: number; code: number; type: string; subcode?: number; transient?: boolean },
): void {
  expect(answer.status).toBe(expected.status);
  expect(answer.body.error).toMatchObject({
    type: expected.type,
    code: expected.code,
    is_transient: expected.transient ?? false,
    message: expect.stringMatching(new RegExp(`^\\(#${expected.code}\\) .+`)),
  });
  if (expected.subcode === undefined) expect(answer.body.error).not.toHaveProperty('error_subcode');
  else expect(answer.body.error.error_subcode).toBe(expected.subcode);
  expect(answer.headers['x-fb-trace-id']).toBe(answer.body.error.fbtrace_id);
  expect(answer.body.error.fbtrace_id).toMatch(/^[A-Za-z0-9_-]{6,}$/);
}

describe('error table', () => {
  it('no token: 400, code 104', async () => {
    const { app } = await start();
    expectGraphError(await graph(app, 'GET', '/community'), {
      status: 400,
      code: 104,
      type: 'OAuthException',
    });
  });

  it('unknown token: 400, code 190, WWW-Authenticate invalid_token', async () => {
    const { app } = await start();
    const answer = await graph(app, 'GET', '/community', { token: 'DYI1not-a-real-token' });
    expectGraphError(answer, { status: 400, code: 190, subcode: 467, type: 'OAuthException' });
    expect(answer.headers['www-authenticate']).toMatch(
      /^OAuth "Facebook Platform" "invalid_token" ".+"$/,
    );
  });

  it('revoked token: 400, code 190, and it says revoked', async () => {
    const { app, runtime } = await start();
    const acme = await seedCommunity(runtime, 'Acme');
    expect((await graph(app, 'GET', '/community', { token: acme.readToken })).status).toBe(200);
    await runtime.access.revokeToken(acme.readToken);
    const answer = await afterRevocation(() =>
      graph(app, 'GET', '/community', { token: acme.readToken }),
    );
    expectGraphError(answer, { status: 400, code: 190, subcode: 452, type: 'OAuthException' });
    expect(answer.body.error.message).toMatch(/revoked/);
    expect(answer.headers['www-authenticate']).toContain('invalid_token');
  });

  it('missing permission: 403, code 200, naming the permission', async () => {
    const { app, runtime } = await start();
    const acme = await seedCommunity(runtime, 'Acme');
    const answer = await graph(app, 'POST', '/community/work_dyi_jobs', {
      token: acme.readToken,
      form: { data_types: 'POSTS_YOUR_ACTIVITY' },
    });
    expectGraphError(answer, { status: 403, code: 200, type: 'OAuthException' });
    expect(answer.body.error.message).toContain('manage_company_data_exports');
    const integration = await runtime.access.createIntegration(acme.community.id, { name: 'w' });
    const writeOnly = await runtime.access.createToken(integration.id, [
      'manage_company_data_exports',
    ]);
    expectGraphError(await graph(app, 'GET', '/community', { token: writeOnly.token }), {
      status: 403,
      code: 200,
      type: 'OAuthException',
    });
  });

  it('unknown field: 400, code 100, the Graph message', async () => {
    const { app, runtime } = await start();
    const acme = await seedCommunity(runtime, 'Acme');
    const made = await createExport(runtime, acme.community.id);
    const answer = await graph(app, 'GET', `/${made.id}?fields=id,x`, { token: acme.readToken });
    expectGraphError(answer, { status: 400, code: 100, type: 'OAuthException' });
    expect(answer.body.error.message).toBe(
      '(#100) Tried accessing nonexisting field (x) on node type (WorkDYIJob)',
    );
  });

  it('bad parameter: 400, code 100, naming it and what is allowed', async () => {
    const { app, runtime } = await start();
    const acme = await seedCommunity(runtime, 'Acme');
    const answer = await graph(app, 'POST', '/community/work_dyi_jobs', {
      token: acme.manageToken,
      form: { data_types: 'POSTS_YOUR_ACTIVITY', dyi_format: 'PDF' },
    });
    expectGraphError(answer, { status: 400, code: 100, type: 'OAuthException' });
    expect(answer.body.error.message).toContain('dyi_format');
    expect(answer.body.error.message).toContain('JSON, HTML, NONE, HTML_AND_JSON, CSV');
  });

  it('bad cursor: 400, code 100', async () => {
    const { app, runtime } = await start();
    const acme = await seedCommunity(runtime, 'Acme');
    const answer = await graph(app, 'GET', '/community/work_dyi_jobs?after=bm90IGEgY3Vyc29y', {
      token: acme.readToken,
    });
    expectGraphError(answer, { status: 400, code: 100, type: 'OAuthException' });
    expect(answer.body.error.message).toContain('cursor');
  });

  it('bad appsecret_proof: 400, code 100; a right one passes, plain and timed', async () => {
    const clock = new ManualClock();
    const { app, runtime } = await startOwn({}, clock);
    const acme = await seedCommunity(runtime, 'Acme');
    const integration = await runtime.metadata.integrations.get(acme.integrationId);
    const secret = integration?.appSecret ?? '';
    const proof = (message: string): string =>
      createHmac('sha256', secret).update(message).digest('hex');
    const bad = await graph(app, 'GET', `/community?appsecret_proof=${'0'.repeat(64)}`, {
      token: acme.readToken,
    });
    expectGraphError(bad, { status: 400, code: 100, type: 'OAuthException' });
    expect(bad.body.error.message).toContain('appsecret_proof');
    const plain = await graph(app, 'GET', `/community?appsecret_proof=${proof(acme.readToken)}`, {
      token: acme.readToken,
    });
    expect(plain.status).toBe(200);
    const time = String(Math.floor(clock.now() / 1000));
    const timed = await graph(
      app,
      'GET',
      `/community?appsecret_proof=${proof(`${acme.readToken}|${time}`)}&appsecret_time=${time}`,
      { token: acme.readToken },
    );
    expect(timed.status).toBe(200);
    clock.advance(301_000);
    const stale = await graph(
      app,
      'GET',
      `/community?appsecret_proof=${proof(`${acme.readToken}|${time}`)}&appsecret_time=${time}`,
      { token: acme.readToken },
    );
    expectGraphError(stale, { status: 400, code: 100, type: 'OAuthException' });
  });

  it('required appsecret_proof: refused without it, accepted with it', async () => {
    const { app, runtime } = await start();
    const acme = await seedCommunity(runtime, 'Acme');
    await runtime.access.setRequireAppsecretProof(acme.integrationId, true);
    const without = await graph(app, 'GET', '/community', { token: acme.readToken });
    expectGraphError(without, { status: 400, code: 100, type: 'OAuthException' });
    expect(without.body.error.message).toContain('required');
    const secret = (await runtime.metadata.integrations.get(acme.integrationId))?.appSecret ?? '';
    const proof = createHmac('sha256', secret).update(acme.readToken).digest('hex');
    const withProof = await graph(app, 'GET', `/community?appsecret_proof=${proof}`, {
      token: acme.readToken,
    });
    expect(withProof.status).toBe(200);
  });

  it('unknown id: 400, code 100, subcode 33, GraphMethodException', async () => {
    const { app, runtime } = await start();
    const acme = await seedCommunity(runtime, 'Acme');
    for (const id of ['100000000099999', 'nonsense', '0100000000000001']) {
      const answer = await graph(app, 'GET', `/${id}`, { token: acme.readToken });
      expectGraphError(answer, {
        status: 400,
        code: 100,
        subcode: 33,
        type: 'GraphMethodException',
      });
      expect(answer.body.error.message).toBe(
        `(#100) Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
      );
    }
  });

  it('ids of members, integrations and tokens are not readable objects', async () => {
    const { app, runtime } = await start();
    const acme = await seedCommunity(runtime, 'Acme');
    const [token] = await runtime.metadata.tokens.list(acme.integrationId);
    for (const id of [acme.members[0]?.id, acme.integrationId, token?.id]) {
      const answer = await graph(app, 'GET', `/${id}`, { token: acme.readToken });
      expectGraphError(answer, {
        status: 400,
        code: 100,
        subcode: 33,
        type: 'GraphMethodException',
      });
    }
  });

  it('unknown path: 400, code 2500', async () => {
    const { app, runtime } = await start();
    const acme = await seedCommunity(runtime, 'Acme');
    const made = await createExport(runtime, acme.community.id);
    for (const url of ['/a/b/c', `/${made.id}/files`, `/${made.id}/nope`, '/community/nope']) {
      const answer = await graph(app, 'GET', url, { token: acme.readToken });
      expectGraphError(answer, { status: 400, code: 2500, type: 'OAuthException' });
      expect(answer.body.error.message).toContain('Unknown path components');
    }
  });

  it('rate limit per token: 403, code 4, transient, until the window passes', async () => {
    const clock = new ManualClock();
    const { app, runtime } = await startOwn(
      { rateLimitCalls: 3, rateLimitWindowSeconds: 60 },
      clock,
    );
    const acme = await seedCommunity(runtime, 'Acme');
    const usages: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await graph(app, 'GET', '/community', { token: acme.readToken });
      expect(answer.status).toBe(200);
      usages.push(JSON.parse(String(answer.headers['x-app-usage'])));
    }
    expect(usages.map((u) => (u as { call_count: number }).call_count)).toEqual([33, 66, 100]);
    const limited = await graph(app, 'GET', '/community', { token: acme.readToken });
    expectGraphError(limited, { status: 403, code: 4, type: 'OAuthException', transient: true });
    expect(limited.headers['retry-after']).toBe('60');
    // Another token of the same community has its own budget.
    expect((await graph(app, 'GET', '/community', { token: acme.manageToken })).status).toBe(200);
    clock.advance(60_000);
    expect((await graph(app, 'GET', '/community', { token: acme.readToken })).status).toBe(200);
  });

  it('rate limit per endpoint: 403, code 613 for too many exports created', async () => {
    const clock = new ManualClock();
    const { app, runtime } = await startOwn({ createExportLimit: 1 }, clock);
    const acme = await seedCommunity(runtime, 'Acme');
    const create = (): Promise<GraphAnswer> =>
      graph(app, 'POST', '/community/work_dyi_jobs', {
        token: acme.manageToken,
        form: { data_types: 'POSTS_YOUR_ACTIVITY' },
      });
    expect((await create()).status).toBe(200);
    const limited = await create();
    expectGraphError(limited, { status: 403, code: 613, type: 'OAuthException', transient: true });
    const usage = JSON.parse(String(limited.headers['x-business-use-case-usage'])) as Record<
      string,
      { estimated_time_to_regain_access: number }[]
    >;
    expect(usage[acme.community.id]?.[0]?.estimated_time_to_regain_access).toBe(1);
    expect(await runtime.exports.count(acme.community.id)).toBe(1);
  });

  // In this process on every run: the lock is taken on this process's own SQLite file.
  it('transient server fault: 503, code 2, when the database stays locked', async () => {
    own = await startInProcessFixture();
    const { app, runtime, dataDir } = own;
    const acme = await seedCommunity(runtime, 'Acme');
    const other = new Database(path.join(dataDir, 'dyi.sqlite'));
    try {
      other.exec('BEGIN IMMEDIATE');
      const answer = await graph(app, 'POST', '/community/work_dyi_jobs', {
        token: acme.manageToken,
        form: { data_types: 'POSTS_YOUR_ACTIVITY' },
      });
      expectGraphError(answer, { status: 503, code: 2, type: 'OAuthException', transient: true });
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
    expect(await runtime.exports.count(acme.community.id)).toBe(0);
  }, 20_000);

  // In this process on every run: the store that fails is the one this process closes.
  it('bug: 500, code 1, no detail for the client', async () => {
    own = await startInProcessFixture();
    const { app, runtime } = own;
    const acme = await seedCommunity(runtime, 'Acme');
    await runtime.metadata.close();
    const answer = await graph(app, 'GET', '/community', { token: acme.readToken });
    expectGraphError(answer, { status: 500, code: 1, type: 'OAuthException' });
    expect(answer.body.error.message).toBe('(#1) An unknown error has occurred.');
    await runtime.metadata.init();
  });
});

describe('suppress_http_code and method=', () => {
  it('suppress_http_code=1 answers 200 with the same error body', async () => {
    const { app } = await start();
    const answer = await graph(app, 'GET', '/community?suppress_http_code=1');
    expect(answer.status).toBe(200);
    expect(answer.body.error.code).toBe(104);
  });

  it('method=delete on a POST deletes; method=post on a GET cancels', async () => {
    const { app, runtime } = await start();
    const acme = await seedCommunity(runtime, 'Acme');
    const first = await createExport(runtime, acme.community.id);
    const second = await createExport(runtime, acme.community.id);
    const cancelled = await graph(app, 'GET', `/${first.id}/cancel?method=post`, {
      token: acme.manageToken,
    });
    expect(cancelled.body).toEqual({ success: true });
    const deleted = await graph(app, 'POST', `/${second.id}`, {
      token: acme.manageToken,
      form: { method: 'delete' },
    });
    expect(deleted.body).toEqual({ success: true });
    expect(await runtime.exports.count(acme.community.id)).toBe(1);
  });
});

describe('suppress_http_code on a download', () => {
  it('keeps the 206 of a range request', async () => {
    const { app, runtime } = await start();
    const acme = await seedCommunity(runtime, 'Acme', 1);
    const made = await createExport(runtime, acme.community.id);
    const company = await runtime.exports.companyJob(made.id);
    await runtime.jobs.start(company.id, 'test-run');
    const file = await runtime.jobs.storeFile(company, 'test-run', {
      name: 'part-1.zip',
      contentType: 'application/zip',
      partNumber: 1,
      body: Readable.from([Buffer.from('0123456789')]),
    });
    const url = new URL(runtime.downloads.sign(file).url);
    const response = await app.inject({
      url: `${url.pathname}${url.search}&suppress_http_code=1`,
      headers: { range: 'bytes=2-4' },
    });
    expect(response.statusCode).toBe(206);
    expect(response.body).toBe('234');
  });
});
