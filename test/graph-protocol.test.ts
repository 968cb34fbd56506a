/**
 * The Graph wire conventions around the objects: where tokens may come from, version
 * prefixes, usage headers, and the Batch API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportJob } from '../src/domain/index.js';
import {
  completeJobWithFiles,
  createExport,
  type GraphFixture,
  graph,
  jobsOf,
  localPath,
  type SeededCommunity,
  seedCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';

let fixture: GraphFixture;
let acme: SeededCommunity;
let made: ExportJob;

beforeAll(async () => {
  fixture = await startGraphFixture();
  acme = await seedCommunity(fixture.runtime, 'Acme', 3);
  made = await createExport(fixture.runtime, acme.community.id);
  for (const job of await jobsOf(fixture.runtime, made.id)) {
    await completeJobWithFiles(fixture.runtime, job, [`bytes of ${job.id}`]);
  }
});

afterAll(() => fixture.close());

describe('access tokens', () => {
  it.each([
    ['Authorization: Bearer', (t: string) => ({ headers: { authorization: `Bearer ${t}` } })],
    ['Authorization: OAuth', (t: string) => ({ headers: { authorization: `OAuth ${t}` } })],
    ['the query string', (t: string) => ({ url: `?access_token=${t}` })],
    ['the form body', (t: string) => ({ form: { access_token: t } })],
    [
      'query and header, the same',
      (t: string) => ({
        url: `?access_token=${t}`,
        headers: { authorization: `Bearer ${t}` },
      }),
    ],
    ['the query twice, the same', (t: string) => ({ url: `?access_token=${t}&access_token=${t}` })],
  ])('is accepted from %s', async (_where, place) => {
    const where = place(acme.readToken) as {
      url?: string;
      headers?: Record<string, string>;
      form?: Record<string, string>;
    };
    const response = await fixture.app.inject({
      method: where.form ? 'POST' : 'GET',
      url: `/community${where.url ?? ''}${where.form ? '?method=get' : ''}`,
      headers: {
        ...where.headers,
        ...(where.form && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(where.form && { payload: new URLSearchParams(where.form).toString() }),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ id: acme.community.id, name: 'Acme' });
  });

  it('refuses two different tokens', async () => {
    const answer = await graph(fixture.app, 'GET', '/community', {
      token: acme.readToken,
      headers: { authorization: `Bearer ${acme.manageToken}` },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(100);
    expect(answer.body.error.message).toContain('access token');
  });

  it('refuses a malformed Authorization header', async () => {
    const answer = await graph(fixture.app, 'GET', '/community', {
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain('Bearer');
  });
});

describe('version prefixes', () => {
  it.each(['v3.1', 'v19.0', 'v22.0', 'v7'])('serves /%s/... and echoes the version', async (v) => {
    const answer = await graph(fixture.app, 'GET', `/${v}/${made.id}/user_dyi_jobs?limit=1`, {
      token: acme.readToken,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['facebook-api-version']).toBe(v.includes('.') ? v : `${v}.0`);
    const next = new URL(answer.body.paging.next as string);
    expect(next.origin).toBe(fixture.config.publicUrl);
    expect(next.pathname).toBe(`/${v}/${made.id}/user_dyi_jobs`);
    expect(next.searchParams.get('access_token')).toBe(acme.readToken);
    expect(next.searchParams.get('limit')).toBe('1');
  });

  it('answers the default version without a prefix, errors included', async () => {
    const answer = await graph(fixture.app, 'GET', '/nowhere/at/all');
    expect(answer.headers['facebook-api-version']).toBe('v22.0');
  });

  it('does not put a token sent in a header into paging links', async () => {
    const answer = await graph(fixture.app, 'GET', `/${made.id}/user_dyi_jobs?limit=1`, {
      headers: { authorization: `Bearer ${acme.readToken}` },
    });
    expect(answer.body.paging.next).not.toContain('access_token');
  });
});

describe('usage headers', () => {
  it('carries X-App-Usage and X-Business-Use-Case-Usage on authenticated answers', async () => {
    const answer = await graph(fixture.app, 'GET', '/community', { token: acme.readToken });
    expect(JSON.parse(String(answer.headers['x-app-usage']))).toEqual({
      call_count: expect.any(Number),
      total_cputime: expect.any(Number),
      total_time: expect.any(Number),
    });
    const business = JSON.parse(String(answer.headers['x-business-use-case-usage'])) as Record<
      string,
      unknown[]
    >;
    expect(Object.keys(business)).toEqual([acme.community.id]);
    expect(business[acme.community.id]?.[0]).toEqual({
      type: 'pages',
      call_count: expect.any(Number),
      total_cputime: expect.any(Number),
      total_time: expect.any(Number),
      estimated_time_to_regain_access: 0,
    });
  });
});

describe('Batch API', () => {
  const batch = (): string =>
    JSON.stringify([
      { method: 'GET', relative_url: 'community' },
      { method: 'GET', relative_url: `${made.id}?fields=id,is_completed` },
      { method: 'GET', relative_url: '100000000099999' },
    ]);

  function expectAnswers(body: { code: number; headers?: unknown; body: string }[]): void {
    expect(body.map((item) => item.code)).toEqual([200, 200, 400]);
    expect(JSON.parse(body[0]?.body ?? '')).toEqual({ id: acme.community.id, name: 'Acme' });
    expect(JSON.parse(body[1]?.body ?? '')).toEqual({ id: made.id, is_completed: true });
    expect(JSON.parse(body[2]?.body ?? '').error.error_subcode).toBe(33);
  }

  it('takes batch as a form field and answers in order with headers', async () => {
    const answer = await graph(fixture.app, 'POST', '/', {
      form: { access_token: acme.readToken, batch: batch() },
    });
    expect(answer.status).toBe(200);
    expectAnswers(answer.body);
    const headers = answer.body[0].headers as { name: string; value: string }[];
    expect(headers).toContainEqual({
      name: 'content-type',
      value: 'application/json; charset=utf-8',
    });
    expect(headers.map((h) => h.name)).toContain('x-app-usage');
  });

  it('takes batch in a JSON body and drops headers with include_headers=false', async () => {
    const response = await fixture.app.inject({
      method: 'POST',
      url: `/v19.0/?access_token=${acme.readToken}`,
      payload: { batch: JSON.parse(batch()) as unknown, include_headers: 'false' },
    });
    const body = response.json<{ code: number; body: string }[]>();
    expectAnswers(body);
    expect(body[0]).not.toHaveProperty('headers');
  });

  it('takes batch in the query string of a POST', async () => {
    const answer = await graph(
      fixture.app,
      'POST',
      `/?batch=${encodeURIComponent(batch())}&include_headers=false`,
      { token: acme.readToken },
    );
    expectAnswers(answer.body);
  });

  it('runs writes in a batch, with a form body per item', async () => {
    const answer = await graph(fixture.app, 'POST', '/', {
      form: {
        access_token: acme.manageToken,
        include_headers: 'false',
        batch: JSON.stringify([
          {
            method: 'POST',
            relative_url: 'community/work_dyi_jobs',
            body: 'data_types=PROFILE_PERSONAL_INFO&dyi_format=CSV',
          },
        ]),
      },
    });
    const created = JSON.parse(answer.body[0].body as string) as { id: string };
    const stored = await fixture.runtime.exports.get(acme.community.id, created.id);
    expect(stored.dyiFormat).toBe('CSV');
    await fixture.runtime.exports.delete(acme.community.id, created.id);
  });

  it('refuses more than 50 items and malformed batches with code 100', async () => {
    const many = JSON.stringify(
      Array.from({ length: 51 }, () => ({ method: 'GET', relative_url: 'community' })),
    );
    for (const text of [
      many,
      '{"not":"a list"}',
      '[{"method":"PATCH","relative_url":"community"}]',
      '[',
    ]) {
      const answer = await graph(fixture.app, 'POST', '/', {
        form: { access_token: acme.readToken, batch: text },
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe(100);
      expect(answer.body.error.message).toContain('batch');
    }
  });

  it('follows a paging link from inside a batch answer', async () => {
    const answer = await graph(fixture.app, 'POST', '/', {
      form: {
        access_token: acme.readToken,
        batch: JSON.stringify([
          { method: 'GET', relative_url: `${made.id}/user_dyi_jobs?limit=2` },
        ]),
      },
    });
    const page = JSON.parse(answer.body[0].body as string) as { paging: { next: string } };
    const next = await graph(fixture.app, 'GET', localPath(page.paging.next));
    expect(next.body.data).toHaveLength(1);
  });

  it.each([
    ['/v19.0/', '/v19.0'],
    ['v19.0/', '/v19.0'],
    ['/v19.0/', '/'],
    ['/v3.1/', '/v19.0'],
  ])('takes items whose relative_url starts with %s, posted to %s', async (prefix, path) => {
    const answer = await graph(fixture.app, 'POST', path, {
      form: {
        access_token: acme.readToken,
        batch: JSON.stringify([
          { method: 'GET', relative_url: `${prefix}${made.id}?fields=id` },
          { method: 'GET', relative_url: `${prefix}${made.id}/user_dyi_jobs?limit=1` },
        ]),
      },
    });
    expect(answer.status).toBe(200);
    const [object, list] = answer.body as { code: number; body: string; headers: any[] }[];
    expect(object?.code).toBe(200);
    expect(JSON.parse(object?.body ?? '')).toEqual({ id: made.id });
    expect(list?.code).toBe(200);
    const version = prefix.replace(/\//g, '');
    // The item's own version is the one it answers with and links to.
    expect(object?.headers).toContainEqual({
      name: 'facebook-api-version',
      value: version,
    });
    const next = new URL(
      (JSON.parse(list?.body ?? '') as { paging: { next: string } }).paging.next,
    );
    expect(next.pathname).toBe(`/${version}/${made.id}/user_dyi_jobs`);
  });

  it('accepts numeric item names, as SDKs send for a list of requests', async () => {
    const answer = await graph(fixture.app, 'POST', '/v19.0', {
      form: {
        access_token: acme.readToken,
        batch: JSON.stringify([
          { method: 'GET', relative_url: 'community', name: 0 },
          { method: 'GET', relative_url: `${made.id}?fields=id`, name: 1 },
          { method: 'GET', relative_url: 'community', name: 'named' },
        ]),
      },
    });
    expect(answer.status).toBe(200);
    expect((answer.body as { code: number }[]).map((item) => item.code)).toEqual([200, 200, 200]);
  });

  it('refuses a batch inside a batch with code 100, however it is spelled', async () => {
    const inner = JSON.stringify(
      Array.from({ length: 50 }, () => ({ method: 'GET', relative_url: 'community' })),
    );
    const innerForm = new URLSearchParams({ batch: inner }).toString();
    const items = [
      { method: 'POST', relative_url: '/', body: innerForm },
      { method: 'POST', relative_url: `/v19.0/?${innerForm}` },
      { method: 'GET', relative_url: `?method=post&${innerForm}` },
    ];
    const answer = await graph(fixture.app, 'POST', '/', {
      form: {
        access_token: acme.readToken,
        include_headers: 'false',
        batch: JSON.stringify(items),
      },
    });
    expect(answer.status).toBe(200);
    const answers = answer.body as { code: number; body: string }[];
    expect(answers).toHaveLength(items.length);
    for (const item of answers) {
      expect(item.code).toBe(400);
      const body = JSON.parse(item.body) as { error: { code: number; message: string } };
      expect(body.error.code).toBe(100);
      expect(body.error.message).toContain('batch');
    }
  });
});
