/**
 * @module
 * Communities are isolated, and ids leak nothing: with community A's tokens, every endpoint
 * called on one of community B's ids (exports, company and user jobs, files, members, the
 * community itself), directly, through `?ids=`, `?fields=`, `method=` and as a Batch API item,
 * answers exactly what it answers for an id that never existed (status, error message modulo
 * the id, type, code, subcode, headers), and B's exports, jobs and files are untouched after.
 * Each call is also made on A's own object of the same kind, so that the comparison is not
 * between two errors of some other kind.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  completeJobWithFiles,
  createExport,
  type GraphFixture,
  jobsOf,
  seedCommunity,
  type SeededCommunity,
  startGraphFixture,
} from './support/graph-fixture.js';

/** An id of the same shape as real ones that no object has. */
const NEVER_EXISTED = '100000000099999';

/** The ids of one community's objects, by what they name. */
interface Objects {
  readonly export: string;
  readonly companyJob: string;
  readonly userJob: string;
  readonly file: string;
  readonly member: string;
  readonly community: string;
  readonly integration: string;
}

type Kind = keyof Objects;

interface Endpoint {
  readonly name: string;
  /** What the id in the path names for the call to make sense. */
  readonly kinds: readonly Kind[];
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: (id: string) => string;
  readonly permission: 'read' | 'manage';
  /** Form fields sent as the body. */
  readonly body?: Readonly<Record<string, string>>;
  /** Changes data: A's own control call needs an object of its own. */
  readonly destructive?: boolean;
}

const ALL_KINDS: readonly Kind[] = [
  'export',
  'companyJob',
  'userJob',
  'file',
  'member',
  'community',
  'integration',
];
const JOB_KINDS: readonly Kind[] = ['companyJob', 'userJob'];

const ENDPOINTS: readonly Endpoint[] = [
  { name: 'GET /{id}', kinds: ALL_KINDS, method: 'GET', url: (id) => `/${id}`, permission: 'read' },
  {
    name: 'GET /v22.0/{id} with fields',
    kinds: ['export'],
    method: 'GET',
    url: (id) => `/v22.0/${id}?fields=id,is_completed,company_job{id,files{file_size}}`,
    permission: 'read',
  },
  {
    name: 'GET /{id}?fields=company_job',
    kinds: ['export'],
    method: 'GET',
    url: (id) => `/${id}?fields=company_job`,
    permission: 'read',
  },
  {
    name: 'GET /{id}/user_dyi_jobs',
    kinds: ['export'],
    method: 'GET',
    url: (id) => `/${id}/user_dyi_jobs`,
    permission: 'read',
  },
  {
    name: 'GET /{id}/files',
    kinds: JOB_KINDS,
    method: 'GET',
    url: (id) => `/${id}/files`,
    permission: 'read',
  },
  {
    name: 'GET /{id}/work_dyi_jobs',
    kinds: ['community'],
    method: 'GET',
    url: (id) => `/${id}/work_dyi_jobs`,
    permission: 'read',
  },
  {
    name: 'POST /{id}/work_dyi_jobs',
    kinds: ['community'],
    method: 'POST',
    url: (id) => `/${id}/work_dyi_jobs`,
    permission: 'manage',
    body: { data_types: 'POSTS_YOUR_ACTIVITY', start_time: '2026-01-01', end_time: '2026-02-01' },
  },
  {
    name: 'GET /?ids={id}',
    kinds: ALL_KINDS,
    method: 'GET',
    url: (id) => `/?ids=${id}`,
    permission: 'read',
  },
  {
    name: 'POST /{id}/cancel',
    kinds: ['export'],
    method: 'POST',
    url: (id) => `/${id}/cancel`,
    permission: 'manage',
    destructive: true,
  },
  {
    name: 'DELETE /{id}',
    kinds: ['export'],
    method: 'DELETE',
    url: (id) => `/${id}`,
    permission: 'manage',
    destructive: true,
  },
  {
    name: 'POST /{id}?method=delete',
    kinds: ['export'],
    method: 'POST',
    url: (id) => `/${id}?method=delete`,
    permission: 'manage',
    destructive: true,
  },
];

/** Calls that fail for every id, so they have no control call that succeeds. */
const ALWAYS_ERRORS: readonly Endpoint[] = [
  {
    name: 'DELETE /{id} on a job or file',
    kinds: ['companyJob', 'userJob', 'file'],
    method: 'DELETE',
    url: (id) => `/${id}`,
    permission: 'manage',
  },
  {
    name: 'POST /{id}',
    kinds: ['export', 'companyJob', 'file'],
    method: 'POST',
    url: (id) => `/${id}`,
    permission: 'manage',
  },
  {
    name: 'POST /{id}/cancel on a job',
    kinds: JOB_KINDS,
    method: 'POST',
    url: (id) => `/${id}/cancel`,
    permission: 'manage',
  },
  {
    name: 'GET /{id}/no_such_edge',
    kinds: ['export', 'file'],
    method: 'GET',
    url: (id) => `/${id}/no_such_edge`,
    permission: 'read',
  },
];

let fixture: GraphFixture;
let a: SeededCommunity;
let b: SeededCommunity;
let aObjects: Objects;
let bObjects: Objects;
/** sha256 of every file of B, by file id. */
const bFileHashes = new Map<string, string>();

async function populate(seeded: SeededCommunity, hashes?: Map<string, string>): Promise<Objects> {
  const { runtime } = fixture;
  const done = await createExport(runtime, seeded.community.id);
  const jobs = await jobsOf(runtime, done.id);
  let firstFile: string | undefined;
  for (const job of jobs) {
    const contents = [randomBytes(2048), randomBytes(777)];
    const files = await completeJobWithFiles(runtime, job, contents);
    files.forEach((file, i) => hashes?.set(file.id, sha256(contents[i] as Buffer)));
    firstFile ??= files[0]?.id;
  }
  // A second export, still pending, so that B has one that could be cancelled.
  await createExport(runtime, seeded.community.id);
  const [company, user] = jobs;
  if (!company || !user || !firstFile) throw new Error('the export has no jobs or files');
  return {
    export: done.id,
    companyJob: company.id,
    userJob: user.id,
    file: firstFile,
    member: (seeded.members[0] as { id: string }).id,
    community: seeded.community.id,
    integration: seeded.integrationId,
  };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

beforeAll(async () => {
  fixture = await startGraphFixture();
  a = await seedCommunity(fixture.runtime, 'Alpha', 3);
  b = await seedCommunity(fixture.runtime, 'Beta', 3);
  aObjects = await populate(a);
  bObjects = await populate(b, bFileHashes);
});

afterAll(async () => {
  await fixture?.close();
});

function tokenFor(seeded: SeededCommunity, permission: Endpoint['permission']): string {
  return permission === 'manage' ? seeded.manageToken : seeded.readToken;
}

function direct(endpoint: Endpoint, id: string, token: string): Promise<LightMyRequestResponse> {
  return fixture.app.inject({
    method: endpoint.method,
    url: endpoint.url(id),
    headers: { authorization: `Bearer ${token}` },
    ...(endpoint.body && { payload: endpoint.body }),
  });
}

interface BatchItemAnswer {
  readonly code: number;
  readonly headers?: { name: string; value: string }[];
  readonly body: string;
}

/** The endpoint as the one item of a batch; the item's answer. */
async function batched(endpoint: Endpoint, id: string, token: string): Promise<BatchItemAnswer> {
  const response = await fixture.app.inject({
    method: 'POST',
    url: '/',
    payload: {
      access_token: token,
      batch: JSON.stringify([
        {
          method: endpoint.method,
          relative_url: endpoint.url(id),
          ...(endpoint.body && { body: new URLSearchParams(endpoint.body).toString() }),
        },
      ]),
    },
  });
  expect(response.statusCode).toBe(200);
  const answers = response.json<BatchItemAnswer[]>();
  expect(answers).toHaveLength(1);
  return answers[0] as BatchItemAnswer;
}

/** Headers whose values differ from call to call whatever the id. */
const VOLATILE_HEADERS = new Set([
  'x-fb-trace-id',
  'x-app-usage',
  'x-business-use-case-usage',
  'date',
  'connection',
  'content-length',
]);

/**
 * What a caller can observe, with the id written as `<id>` and the per-request trace id left
 * out: status, body, and every header but the per-call counters.
 */
function observed(
  status: number,
  headers: Record<string, unknown>,
  body: string,
  id: string,
): unknown {
  const parsed = JSON.parse(body.replaceAll(id, '<id>')) as {
    error?: { fbtrace_id?: unknown };
  };
  if (parsed.error) {
    expect(typeof parsed.error.fbtrace_id).toBe('string');
    delete parsed.error.fbtrace_id;
  }
  const shownHeaders = Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => !VOLATILE_HEADERS.has(name.toLowerCase()))
      .map(([name, value]) => [name.toLowerCase(), String(value).replaceAll(id, '<id>')])
      .sort(([x], [y]) => ((x as string) < (y as string) ? -1 : 1)),
  );
  return { status, headers: shownHeaders, body: parsed };
}

function observedDirect(response: LightMyRequestResponse, id: string): unknown {
  return observed(response.statusCode, response.headers, response.body, id);
}

function observedItem(answer: BatchItemAnswer, id: string): unknown {
  const headers = Object.fromEntries((answer.headers ?? []).map((h) => [h.name, h.value]));
  return observed(answer.code, headers, answer.body, id);
}

const cases = [...ENDPOINTS, ...ALWAYS_ERRORS].flatMap((endpoint) =>
  endpoint.kinds.map((kind) => ({ endpoint, kind })),
);

describe("community A's tokens on community B's ids", () => {
  describe.each(cases)('$endpoint.name on B $kind', ({ endpoint, kind }) => {
    it('answers exactly as for an id that never existed', async () => {
      const token = tokenFor(a, endpoint.permission);
      const id = bObjects[kind];
      const never = await direct(endpoint, NEVER_EXISTED, token);
      expect(never.statusCode).toBe(400);
      expect(never.json()).toMatchObject({
        error: { type: 'GraphMethodException', code: 100, error_subcode: 33 },
      });
      const leaked = await direct(endpoint, id, token);
      expect(observedDirect(leaked, id)).toEqual(observedDirect(never, NEVER_EXISTED));
      expect(leaked.headers['x-fb-trace-id']).toBe(
        leaked.json<{ error: { fbtrace_id: string } }>().error.fbtrace_id,
      );
    });

    it('answers exactly as for an id that never existed, as a batch item', async () => {
      const token = tokenFor(a, endpoint.permission);
      const id = bObjects[kind];
      const never = await batched(endpoint, NEVER_EXISTED, token);
      expect(never.code).toBe(400);
      const leaked = await batched(endpoint, id, token);
      expect(observedItem(leaked, id)).toEqual(observedItem(never, NEVER_EXISTED));
    });
  });

  it("lists only A's own exports on /community/work_dyi_jobs", async () => {
    const response = await fixture.app.inject({
      url: '/community/work_dyi_jobs?limit=100',
      headers: { authorization: `Bearer ${a.readToken}` },
    });
    expect(response.statusCode).toBe(200);
    const listed = response.json<{ data: { id: string }[] }>().data.map((e) => e.id);
    const own = await fixture.runtime.exports.list(a.community.id, { limit: 100 });
    expect(listed.sort()).toEqual(own.items.map((e) => e.id).sort());
    expect(listed).toContain(aObjects.export);
    expect(listed).not.toContain(bObjects.export);
  });

  it.each(['export', 'file', 'companyJob'] as const)(
    'GET /?ids= mixing an own id with B %s answers as with an id that never existed',
    async (kind) => {
      const url = (id: string): string => `/?ids=${aObjects.export},${id}`;
      const headers = { authorization: `Bearer ${a.readToken}` };
      const never = await fixture.app.inject({ url: url(NEVER_EXISTED), headers });
      expect(never.statusCode).toBe(400);
      const leaked = await fixture.app.inject({ url: url(bObjects[kind]), headers });
      expect(observedDirect(leaked, bObjects[kind])).toEqual(observedDirect(never, NEVER_EXISTED));
    },
  );
});

describe("community A's tokens on A's own objects (the control)", () => {
  // Members and integrations are not Graph objects of this API even in their own community.
  const controls = ENDPOINTS.flatMap((endpoint) =>
    endpoint.kinds
      .filter((kind) => kind !== 'member' && kind !== 'integration')
      .map((kind) => ({ endpoint, kind })),
  );
  describe.each(controls)('$endpoint.name on A $kind', ({ endpoint, kind }) => {
    it('succeeds', async () => {
      const { runtime } = fixture;
      // Cancel and delete get an export of their own, so that the other controls keep theirs.
      const id = endpoint.destructive
        ? (await createExport(runtime, a.community.id)).id
        : aObjects[kind];
      const token = tokenFor(a, endpoint.permission);
      const response = await direct(endpoint, id, token);
      expect(response.statusCode, response.body).toBe(200);
      const item = await batched(
        endpoint,
        endpoint.destructive ? (await createExport(runtime, a.community.id)).id : id,
        token,
      );
      expect(item.code, item.body).toBe(200);
    });
  });
});

describe("B's data after A's calls", () => {
  it('is untouched: exports exist, nothing cancelled, every file still downloads', async () => {
    const headers = { authorization: `Bearer ${b.readToken}` };
    const list = await fixture.app.inject({
      url: '/community/work_dyi_jobs?fields=id,is_cancelled,is_completed,total_number_of_completed_jobs,total_number_of_jobs',
      headers,
    });
    expect(list.statusCode).toBe(200);
    const exports = list.json<{ data: Record<string, unknown>[] }>().data;
    expect(exports).toHaveLength(2);
    const done = exports.find((e) => e.id === bObjects.export);
    expect(done).toEqual({
      id: bObjects.export,
      is_cancelled: false,
      is_completed: true,
      total_number_of_completed_jobs: 4,
      total_number_of_jobs: 4,
    });
    const pending = exports.find((e) => e.id !== bObjects.export);
    expect(pending).toMatchObject({ is_cancelled: false, is_completed: false });
    const pendingJobs = await fixture.app.inject({
      url: `/${String(pending?.id)}/user_dyi_jobs?fields=job_state,abort_reason`,
      headers,
    });
    expect(
      pendingJobs.json<{ data: { job_state: string }[] }>().data.map((j) => j.job_state),
    ).toEqual(['PENDING', 'PENDING', 'PENDING']);

    const downloaded = new Map<string, string>();
    for (const job of await jobsOf(fixture.runtime, bObjects.export)) {
      const files = await fixture.app.inject({ url: `/${job.id}/files`, headers });
      expect(files.statusCode).toBe(200);
      for (const file of files.json<{ data: { id: string; download_url: string }[] }>().data) {
        const url = new URL(file.download_url);
        const bytes = await fixture.app.inject({ url: url.pathname + url.search });
        expect(bytes.statusCode).toBe(200);
        downloaded.set(file.id, sha256(bytes.rawPayload));
      }
    }
    expect(downloaded).toEqual(bFileHashes);
  });
});
