/**
 * The answer memo (`src/server/answer-memo.ts`) seen from the wire: a read asked again answers
 * what resolving it again would, byte for byte (the same app with the memo off, on the same
 * runtime, is the reference); a write, a new second or another caller gets a fresh answer;
 * a read given again is charged as the first was; reads of data the change mark does not
 * cover, batch items and HEAD requests are never given again.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { buildApp } from '../src/server/app.js';
import {
  completeJobWithFiles,
  createExport,
  type GraphFixture,
  jobsOf,
  ManualClock,
  type SeededCommunity,
  seedCommunity,
  startInProcessFixture,
} from './support/graph-fixture.js';
import { postgresOrSkip } from './support/postgres.js';

let fixture: GraphFixture;
let clock: ManualClock;
let acme: SeededCommunity;
let globex: SeededCommunity;
/** The same runtime's app with the memo off: every read resolved again. */
let plainApp: FastifyInstance;
let exportId: string;
let jobId: string;

beforeAll(async () => {
  clock = new ManualClock();
  fixture = await startInProcessFixture({}, clock);
  acme = await seedCommunity(fixture.runtime, 'Acme', 3);
  globex = await seedCommunity(fixture.runtime, 'Globex', 1);
  const made = await createExport(fixture.runtime, acme.community.id);
  exportId = made.id;
  const [company, user] = await jobsOf(fixture.runtime, made.id);
  if (!company || !user) throw new Error('the export has no user job');
  await completeJobWithFiles(fixture.runtime, company, ['company\n']);
  await completeJobWithFiles(fixture.runtime, user, ['part 1\n', 'part 2\n', 'part 3\n']);
  jobId = user.id;
  const { runtime } = fixture;
  plainApp = await buildApp({ ...runtime, config: { ...runtime.config, graphAnswerMemoBytes: 0 } });
  // A token's first call records its last use, a write: the reads below come after it.
  for (const token of [acme.readToken, acme.manageToken, globex.readToken]) {
    await get(fixture.app, '/community', token);
  }
});

afterAll(async () => {
  await plainApp.close();
  await fixture.close();
});

/** Answers given again so far (`dyi_graph_answers_reused_total`). */
async function reusedSoFarOf(of: GraphFixture): Promise<number> {
  const { values } = await of.runtime.metrics.graphAnswersReused.get();
  return values[0]?.value ?? 0;
}

const reusedSoFar = () => reusedSoFarOf(fixture);

/** Headers new on every request (the date, the trace id) or counting calls so far. */
const VARYING_HEADERS = ['date', 'x-fb-trace-id', 'x-app-usage', 'x-business-use-case-usage'];

function seen(response: LightMyRequestResponse): unknown {
  const headers = { ...response.headers };
  for (const name of VARYING_HEADERS) delete headers[name];
  return { status: response.statusCode, headers, body: response.body };
}

function get(
  app: FastifyInstance,
  url: string,
  token = acme.readToken,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'GET',
    url: `${url}${url.includes('?') ? '&' : '?'}access_token=${token}`,
  });
}

/** The `call_count` of an answer's X-App-Usage header. */
function callCount(response: LightMyRequestResponse): number {
  return (JSON.parse(String(response.headers['x-app-usage'])) as { call_count: number }).call_count;
}

const READS = () => [
  `/${exportId}?fields=id,is_completed,total_number_of_completed_jobs,company_job{id,job_state}`,
  `/${exportId}`,
  `/v19.0/${exportId}?fields=id,progress,expires_time&date_format=U`,
  `/${jobId}/files`,
  `/${jobId}/files?limit=2&fields=id,name,download_url,expires_time,sha256&summary=true`,
  `/${exportId}/user_dyi_jobs?fields=id,job_state,files{id,file_size}`,
  `/community?fields=id,name`,
  `/community/work_dyi_jobs?fields=id,created_by`,
  `/${jobId}?fields=id,user{id,name}&suppress_http_code=1`,
];

describe('a Graph read asked again', () => {
  it('answers the same status, headers and bytes as the read resolved again', async () => {
    const before = await reusedSoFar();
    for (const url of READS()) {
      const first = await get(fixture.app, url);
      expect(first.statusCode, url).toBe(200);
      const again = await get(fixture.app, url);
      const resolved = await get(plainApp, url);
      expect(seen(again), url).toEqual(seen(first));
      expect(seen(again), url).toEqual(seen(resolved));
    }
    // Each read was given again once: the comparison above was of kept answers.
    expect((await reusedSoFar()) - before).toBe(READS().length);
  });

  it('is charged the calls of the read it repeats', async () => {
    // 100 calls a token, one object a call: X-App-Usage's call_count (a percent) counts calls.
    const charged = await startInProcessFixture(
      { rateLimitCalls: 100, graphObjectsPerCall: 1 },
      new ManualClock(),
    );
    try {
      const { runtime } = charged;
      const beta = await seedCommunity(runtime, 'Beta', 3);
      const made = await createExport(runtime, beta.community.id);
      const plain = await buildApp({
        ...runtime,
        config: { ...runtime.config, graphAnswerMemoBytes: 0 },
      });
      const url = `/${made.id}/user_dyi_jobs?fields=id`;
      const counts = async (app: FastifyInstance): Promise<number[]> => {
        const token = (
          await runtime.access.createToken(beta.integrationId, ['read_company_data_exports'])
        ).token;
        const answers = [];
        for (let i = 0; i < 4; i++) answers.push(await get(app, url, token));
        return answers.map(callCount);
      };
      const before = await reusedSoFarOf(charged);
      // Three user jobs: three calls a read.
      expect(await counts(plain)).toEqual([3, 6, 9, 12]);
      expect(await counts(charged.app)).toEqual([3, 6, 9, 12]);
      expect((await reusedSoFarOf(charged)) - before).toBeGreaterThanOrEqual(2);
      await plain.close();
    } finally {
      await charged.close();
    }
  });

  it('answers what was written since, at once', async () => {
    const url = `/${exportId}?fields=id,is_completed,total_number_of_completed_jobs`;
    const running = await get(fixture.app, url);
    expect(running.json()).toMatchObject({
      is_completed: false,
      total_number_of_completed_jobs: 2,
    });
    const rest = (await jobsOf(fixture.runtime, exportId)).filter((j) => j.state !== 'COMPLETED');
    for (const job of rest) await completeJobWithFiles(fixture.runtime, job, ['more\n']);
    expect((await get(fixture.app, url)).json()).toMatchObject({
      is_completed: true,
      total_number_of_completed_jobs: 4,
    });
  });

  it('signs download URLs anew in the next second', async () => {
    const url = `/${jobId}/files?fields=download_url,expires_time&date_format=U`;
    const before = await get(fixture.app, url);
    clock.advance(1000);
    const after = await get(fixture.app, url);
    const expiries = (response: LightMyRequestResponse) =>
      response.json<{ data: { expires_time: number }[] }>().data.map((f) => f.expires_time);
    expect(expiries(after)).toEqual(expiries(before).map((time) => time + 1));
    expect(seen(after)).toEqual(seen(await get(plainApp, url)));
  });

  it('is not given to another caller', async () => {
    const url = `/${exportId}?fields=id,data_types`;
    const own = await get(fixture.app, url);
    expect(own.statusCode).toBe(200);
    const stranger = await get(fixture.app, url, globex.readToken);
    expect(stranger.statusCode).toBe(400);
    expect(stranger.json()).toMatchObject({ error: { error_subcode: 33 } });
    // The same community's other token, sent in a header: its own answer, the same bytes.
    const byHeader = await fixture.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${acme.manageToken}` },
    });
    expect(byHeader.body).toBe(own.body);
  });
});

describe('reads that are never given again', () => {
  async function reusedBy(ask: () => Promise<LightMyRequestResponse>): Promise<number> {
    const before = await reusedSoFar();
    for (let i = 0; i < 3; i++) expect((await ask()).statusCode).toBeLessThan(300);
    return (await reusedSoFar()) - before;
  }

  it('reads of the audit trail and of import ids (outside the change mark)', async () => {
    const member = acme.members[0]?.id ?? '';
    expect(await reusedBy(() => get(fixture.app, '/community/audit_log?limit=5'))).toBe(0);
    expect(await reusedBy(() => get(fixture.app, `/community/members?import_id=${member}`))).toBe(
      0,
    );
    expect(await reusedBy(() => get(fixture.app, `/${jobId}?fields=user{import_id}`))).toBe(0);
    // A read of the same node without them is given again.
    expect(await reusedBy(() => get(fixture.app, `/${jobId}?fields=user{name}`))).toBe(2);
  });

  it('batch items, HEAD requests and POSTs with method=GET', async () => {
    const url = `/${exportId}?fields=id&access_token=${acme.readToken}`;
    const batch = JSON.stringify([
      { method: 'GET', relative_url: `${exportId}?fields=id` },
      { method: 'GET', relative_url: `${exportId}?fields=id` },
    ]);
    expect(
      await reusedBy(() =>
        fixture.app.inject({
          method: 'POST',
          url: '/',
          payload: { access_token: acme.readToken, batch },
        }),
      ),
    ).toBe(0);
    expect(await reusedBy(() => fixture.app.inject({ method: 'HEAD', url }))).toBe(0);
    expect(
      await reusedBy(() =>
        fixture.app.inject({ method: 'POST', url: `${url}&method=GET`, payload: {} }),
      ),
    ).toBe(0);
  });

  it('nothing at all with DYI_GRAPH_ANSWER_MEMO_BYTES=0', async () => {
    expect(await reusedBy(() => get(plainApp, `/${exportId}?fields=id`))).toBe(0);
  });

  it('nothing on PostgreSQL, where a commit of another process shows in the very next read', async (ctx) => {
    const database = await postgresOrSkip(ctx);
    if (!database) return;
    const onPostgres = await startInProcessFixture({ databaseUrl: database.url }, clock);
    try {
      const { runtime, app } = onPostgres;
      expect(runtime.metadata.cachesReadsByChangeMark).toBe(false);
      const beta = await seedCommunity(runtime, 'Beta', 1);
      const made = await createExport(runtime, beta.community.id);
      const url = `/${made.id}?fields=id,is_cancelled&access_token=${beta.readToken}`;
      const before = await reusedSoFarOf(onPostgres);
      for (let i = 0; i < 3; i++) expect((await app.inject(url)).statusCode).toBe(200);
      expect((await reusedSoFarOf(onPostgres)) - before).toBe(0);
      // Another process cancels the export: the very next read says so.
      const other = new pg.Client({ connectionString: database.url });
      await other.connect();
      try {
        await other.query('UPDATE exports SET cancel_requested = 1 WHERE id = $1', [made.id]);
      } finally {
        await other.end();
      }
      expect((await app.inject(url)).json()).toEqual({ id: made.id, is_cancelled: true });
    } finally {
      await onPostgres.close();
      await database.drop();
    }
  });
});
