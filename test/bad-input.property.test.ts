/**
 * @module
 * Property tests of the Graph app's answers to bad input, through `inject()`: random `fields`
 * (deep braces, unicode, odd modifiers, huge numbers), cursors, `limit`, `date_format`, ids and
 * edges in the path, verbs and `method=`, tokens in every place a token can go, export bodies
 * on `POST /community/work_dyi_jobs`, and Batch API payloads. Whatever arrives: never a 5xx,
 * every non-2xx answer (and every answer that carries `error`) is exactly a Graph error envelope
 * whose `fbtrace_id` is the `x-fb-trace-id` header, no error echoes an access token, and every
 * 2xx is JSON. Afterwards the community holds exactly the exports that requests were told
 * were created (none half-written: each has its company job and its user jobs).
 */
import type { LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
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
import { ENVELOPE_KEYS } from './support/fuzz-answers.js';

/** Ends a property's search (shrinking included) after this long; its runs so far count. */
const TIME_LIMIT_MS = 15_000;

let fixture: GraphFixture;
let seeded: SeededCommunity;
let revokedToken: string;
let known: {
  readonly completedExport: string;
  readonly pendingExport: string;
  readonly companyJob: string;
  readonly userJob: string;
  readonly file: string;
  readonly member: string;
  readonly community: string;
};
/** Exports that existed before any random request. */
let initialExports: Set<string>;
/** Exports that some answer said were created, and ids that some answer said were deleted. */
const created = new Set<string>();
const deleted = new Set<string>();

beforeAll(async () => {
  // No cap on exports created per window, so that valid creates keep succeeding.
  fixture = await startGraphFixture({ createExportLimit: 0 });
  const { runtime } = fixture;
  seeded = await seedCommunity(runtime, 'Fuzz', 3);
  const completed = await createExport(runtime, seeded.community.id);
  const jobs = await jobsOf(runtime, completed.id);
  const files = [];
  for (const job of jobs) files.push(...(await completeJobWithFiles(runtime, job, ['a', 'bb'])));
  const pending = await createExport(runtime, seeded.community.id);
  revokedToken = (
    await runtime.access.createToken(seeded.integrationId, ['read_company_data_exports'])
  ).token;
  await runtime.access.revokeToken(revokedToken);
  known = {
    completedExport: completed.id,
    pendingExport: pending.id,
    companyJob: (jobs[0] as { id: string }).id,
    userJob: (jobs[1] as { id: string }).id,
    file: (files[0] as { id: string }).id,
    member: (seeded.members[0] as { id: string }).id,
    community: seeded.community.id,
  };
  initialExports = new Set([completed.id, pending.id]);
});

afterAll(async () => {
  await fixture?.close();
});

// ---------------------------------------------------------------------------------------------
// Checking answers

interface Request {
  readonly method: string;
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** A string is sent as is (with the content-type in `headers`); an object as JSON. */
  readonly payload?: string | Record<string, unknown> | unknown[];
}

function describeRequest(request: Request): string {
  const payload =
    request.payload === undefined
      ? ''
      : ` body=${typeof request.payload === 'string' ? request.payload : JSON.stringify(request.payload)}`;
  const text = `${request.method} ${request.url}${payload} headers=${JSON.stringify(request.headers ?? {})}`;
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Graph's answer (HTTP 500, code 1) to a request over the per-request cost budget. */
const TOO_MUCH_DATA =
  '"message":"Please reduce the amount of data you\'re asking for, then retry your request","type":"OAuthException","code":1,';

/**
 * The checks every answer passes: below 500 (but for the cost-budget refusal, which Graph
 * answers with 500), JSON (HEAD aside), and for an error exactly the
 * envelope, traced by the `x-fb-trace-id` header (`headers` is undefined for a batch item
 * answered without headers), and without any of our access tokens in it.
 */
function expectGraphAnswer(
  where: string,
  method: string,
  status: number,
  headers: Record<string, unknown> | undefined,
  body: string,
): unknown {
  if (!(status === 500 && body.includes(TOO_MUCH_DATA))) {
    expect(status, `${where}\n→ ${status} ${body.slice(0, 300)}`).toBeLessThan(500);
  }
  if (method === 'HEAD') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    expect.fail(`${where}\n→ ${status} with a body that is not JSON: ${body.slice(0, 300)}`);
  }
  const failed = status < 200 || status >= 300 || (isRecord(parsed) && 'error' in parsed);
  if (!failed) return parsed;
  const context = `${where}\n→ ${status} ${body.slice(0, 500)}`;
  expect(isRecord(parsed) && Object.keys(parsed), context).toEqual(['error']);
  const error = (parsed as { error: unknown }).error;
  expect(isRecord(error), context).toBe(true);
  const e = error as Record<string, unknown>;
  expect(typeof e.message, context).toBe('string');
  expect(['OAuthException', 'GraphMethodException'], context).toContain(e.type);
  expect(Number.isInteger(e.code), context).toBe(true);
  if ('error_subcode' in e) expect(Number.isInteger(e.error_subcode), context).toBe(true);
  expect(typeof e.is_transient, context).toBe('boolean');
  expect(typeof e.fbtrace_id, context).toBe('string');
  expect((e.fbtrace_id as string).length, context).toBeGreaterThan(0);
  expect(
    Object.keys(e).filter((key) => !ENVELOPE_KEYS.has(key)),
    context,
  ).toEqual([]);
  if (headers !== undefined) {
    expect(headers['x-fb-trace-id'], `${context}\nx-fb-trace-id must equal fbtrace_id`).toBe(
      e.fbtrace_id,
    );
  }
  for (const token of [seeded.readToken, seeded.manageToken]) {
    expect(body.includes(token), `${context}\nthe error echoes an access token`).toBe(false);
  }
  return parsed;
}

/** The path segments the server routes on: dots resolved, one version prefix and slashes off. */
function segmentsOf(url: string): string[] {
  const pathname = new URL(url, 'http://x').pathname.replace(/^\/v\d+(?:\.\d+)?(?=\/|$)/, '');
  return pathname
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
}

/** Notes exports an answer says were created, and ids it says were deleted. */
function track(url: string, status: number, parsed: unknown): void {
  if (status < 200 || status >= 300 || !isRecord(parsed)) return;
  const segments = segmentsOf(url);
  const keys = Object.keys(parsed);
  const [target, edge] = segments;
  const isCreate =
    segments.length === 2 &&
    (target === 'community' || target === known.community) &&
    edge === 'work_dyi_jobs';
  if (isCreate && keys.length === 1 && typeof parsed.id === 'string') created.add(parsed.id);
  if (segments.length === 1 && target !== undefined && keys.length === 1 && parsed.success) {
    deleted.add(target);
  }
}

interface BatchItem {
  readonly code: number;
  readonly headers?: { name: string; value: string }[];
  readonly body: string;
}

async function send(request: Request): Promise<LightMyRequestResponse> {
  const where = describeRequest(request);
  const response = await fixture.app.inject({
    method: request.method as 'GET',
    url: request.url,
    ...(request.headers && { headers: request.headers }),
    ...(request.payload !== undefined && { payload: request.payload as string }),
  });
  const parsed = expectGraphAnswer(
    where,
    request.method,
    response.statusCode,
    response.headers,
    response.body,
  );
  track(request.url, response.statusCode, parsed);
  return response;
}

/** Each item of a batch answer passes the same checks as a request of its own. */
function checkBatchItems(
  request: Request,
  answer: unknown,
  items: readonly { relative_url?: unknown }[] | undefined,
): void {
  if (!Array.isArray(answer)) return;
  const version = /^\/(v\d+(?:\.\d+)?)(?=[/?]|$)/.exec(request.url)?.[1];
  answer.forEach((raw: unknown, index) => {
    const where = `${describeRequest(request)}\n  item ${index}`;
    expect(isRecord(raw), where).toBe(true);
    const item = raw as BatchItem;
    expect(Number.isInteger(item.code), where).toBe(true);
    expect(typeof item.body, where).toBe('string');
    const headers = item.headers && Object.fromEntries(item.headers.map((h) => [h.name, h.value]));
    const parsed = expectGraphAnswer(where, 'GET', item.code, headers, item.body);
    const relative = items?.[index]?.relative_url;
    if (typeof relative === 'string') {
      const url = `/${version ? `${version}/` : ''}${relative.replace(/^\/+/, '')}`;
      track(url, item.code, parsed);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Generators

const unicode = fc.string({ unit: 'grapheme', maxLength: 30 });
const binary = fc.string({ unit: 'binary', maxLength: 30 });
const ascii = fc.string({ unit: 'binary-ascii', maxLength: 30 });
const hugeNumber = fc.oneof(
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.constantFrom('1e308', '-0', 'NaN', 'Infinity', '0x10', '9007199254740993', '1.5', '-1'),
);
const text = fc.oneof(unicode, binary, ascii, hugeNumber);

const FIELD_NAMES = [
  'id',
  'is_completed',
  'company_job',
  'user_dyi_jobs',
  'files',
  'download_url',
  'file_size',
  'job_state',
  'work_dyi_jobs',
  'work_dyi_job',
  'dyi_job',
  'user',
  'name',
  'progress',
  'create_time',
  'data_types',
  'abort_reason',
  'limit',
  'summary',
  'nope',
  'ID',
  '_',
] as const;

const modifier = fc.oneof(
  fc.constantFrom(
    '',
    '.limit(-1)',
    '.limit(0)',
    '.limit(1)',
    '.limit(100)',
    '.limit(101)',
    '.limit()',
    '.limit(1.5)',
    '.limit(1e3)',
    '.summary(true)',
    '.summary(false)',
    '.summary(1)',
    '.summary()',
    '.limit(2).summary(true)',
    '.limit(1).limit(2)',
    '.nope(1)',
    '.',
    ' . limit ( 3 ) ',
  ),
  hugeNumber.map((n) => `.limit(${n})`),
);

const separator = fc.constantFrom(',', ' , ', ',,', '\t,', '\n,', ', ');

function fieldsAt(depth: number): fc.Arbitrary<string> {
  const field = fc
    .tuple(
      fc.constantFrom(...FIELD_NAMES),
      modifier,
      depth > 0 ? fc.option(fieldsAt(depth - 1), { nil: undefined }) : fc.constant(undefined),
    )
    .map(
      ([name, mod, children]) => `${name}${mod}${children === undefined ? '' : `{${children}}`}`,
    );
  return fc
    .tuple(fc.array(field, { minLength: 1, maxLength: 4 }), separator)
    .map(([list, sep]) => list.join(sep));
}

const deepBraces = fc
  .tuple(fc.integer({ min: 1, max: 60 }), fc.constantFrom('company_job', 'files', 'x'))
  .map(([depth, name]) => `${`${name}{`.repeat(depth)}id${'}'.repeat(depth)}`);
const unbalancedBraces = fc
  .array(fc.constantFrom('{', '}', '(', ')', ',', '.', 'id', 'limit', 'files', ' ', '1'), {
    maxLength: 40,
  })
  .map((parts) => parts.join(''));

const fieldsValue = fc.oneof(fieldsAt(3), deepBraces, unbalancedBraces, text);

const cursorOf = (payload: unknown): string =>
  Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
const cursor = fc.oneof(
  text,
  fc.constantFrom('', '=', 'null', 'eyJ2IjoxfQ', 'eyJ2IjoxfQ=='),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,200}$/),
  fc.record({ v: fc.oneof(fc.constant(1), fc.anything()), id: fc.anything() }).map(cursorOf),
  fc
    .oneof(
      fc.constantFrom('0', '1', '100000000000001', '9999999999999999', '-1', '01'),
      fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
    )
    .map((id) => cursorOf({ v: 1, id })),
);
const limit = fc.oneof(
  fc.integer({ min: -5, max: 200 }).map(String),
  hugeNumber,
  text,
  fc.constantFrom('', ' 1', '1 ', '+1', '01', '1.0', '1e2'),
);
const dateFormat = fc.oneof(
  { weight: 3, arbitrary: fc.constant('U') },
  { weight: 1, arbitrary: fc.constantFrom('u', '', 'U ', 'c', 'Y-m-d') },
  { weight: 1, arbitrary: text },
);

/** A value of a query parameter, sometimes repeated (the same or different). */
function param(value: fc.Arbitrary<string>): fc.Arbitrary<string | string[]> {
  return fc.oneof(
    { weight: 5, arbitrary: value },
    { weight: 1, arbitrary: fc.array(value, { minLength: 2, maxLength: 3 }) },
    { weight: 1, arbitrary: value.map((v) => [v, v]) },
  );
}

/** Records of a few (up to `maxKeys`) of the given parameters, the others left out. */
function someOf(
  params: Record<string, fc.Arbitrary<string | string[]>>,
  maxKeys: number,
): fc.Arbitrary<Record<string, string | string[]>> {
  return fc
    .subarray(Object.keys(params), { maxLength: maxKeys })
    .chain((keys) =>
      fc.record(Object.fromEntries(keys.map((key) => [key, params[key] as fc.Arbitrary<string>]))),
    );
}

function query(params: Record<string, string | string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(name, v);
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

const version = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 3, arbitrary: fc.constantFrom('/v22.0', '/v3.1', '/v3') },
  { weight: 1, arbitrary: fc.constantFrom('/v0', '/v1.2.3', '/v99999999999.9') },
);
const knownTarget = fc.constantFrom(
  'completedExport',
  'pendingExport',
  'companyJob',
  'userJob',
  'file',
  'member',
  'community',
  'alias',
);
function targetId(name: string): string {
  if (name === 'alias') return 'community';
  return known[name as keyof typeof known];
}
const knownEdge = fc.constantFrom('', 'files', 'user_dyi_jobs', 'work_dyi_jobs', 'company_job');

const graphMethod = fc.oneof(
  fc.constantFrom('get', 'GET', 'Get', 'post', 'delete', 'DELETE', 'put', 'head', 'options', ''),
  text,
);

// ---------------------------------------------------------------------------------------------
// Properties

describe('bad input never breaks the Graph app', () => {
  it('fields named after Object.prototype members are unknown fields', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const response = await send({
        method: 'GET',
        url: `/${known.completedExport}?fields=id,${name}`,
        headers: { authorization: `Bearer ${seeded.readToken}` },
      });
      expect(response.statusCode, `fields=id,${name} → ${response.body}`).toBe(400);
      expect(response.json<{ error: { code: number; message: string } }>().error).toMatchObject({
        code: 100,
        message: `(#100) Tried accessing nonexisting field (${name}) on node type (WorkDYIJob)`,
      });
    }
  });

  it('GET / with a batch parameter is a Graph error, not a 500', async () => {
    // Only POST / runs a batch; a read of / that happens to carry `batch` must still be
    // authenticated and answered like any other read.
    const cases: Request[] = [
      { method: 'GET', url: '/?batch=x' },
      { method: 'GET', url: `/?batch=[]&ids=${known.community}&access_token=${seeded.readToken}` },
      { method: 'POST', url: `/?batch=[]&method=get&access_token=${seeded.readToken}` },
    ];
    for (const request of cases) await send(request);
  });

  it('reads with random fields, cursors, limit, date_format and summary', async () => {
    await fc.assert(
      fc.asyncProperty(
        version,
        knownTarget,
        knownEdge,
        // A few parameters at a time, so that each one is reached past the others' checks.
        someOf(
          {
            fields: param(fieldsValue),
            after: param(cursor),
            before: param(cursor),
            limit: param(limit),
            date_format: param(dateFormat),
            summary: param(fc.oneof(fc.constantFrom('true', '1', 'false'), text)),
            ids: param(
              fc.oneof(
                fc
                  .array(fc.oneof(knownTarget.map(targetId), text), { maxLength: 60 })
                  .map((ids) => ids.join(',')),
                text,
              ),
            ),
            suppress_http_code: fc.constantFrom('1', 'true', '0'),
            pretty: fc.constantFrom('0', '1'),
          },
          3,
        ),
        async (prefix, target, edge, params) => {
          const path = target === 'alias' && edge === '' ? '' : targetId(target);
          const url = `${prefix}/${path}${edge && path ? `/${edge}` : ''}${query(params)}`;
          await send({
            method: 'GET',
            url,
            headers: { authorization: `Bearer ${seeded.readToken}` },
          });
        },
      ),
      { numRuns: 90, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] },
    );
  });

  it('tokens: none, wrong, revoked, in the header, the query or the body, or several', async () => {
    const token = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('read', 'manage', 'revoked') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('', 'DYI1', 'DYI1x', ' ', 'Bearer', 'null', 'undefined'),
      },
      { weight: 2, arbitrary: text },
      { weight: 1, arbitrary: fc.stringMatching(/^DYI1[A-Za-z0-9_-]{0,60}$/) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => 'x'.repeat(n)) },
    );
    const real = (value: string): string =>
      value === 'read'
        ? seeded.readToken
        : value === 'manage'
          ? seeded.manageToken
          : value === 'revoked'
            ? revokedToken
            : value;
    const scheme = fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('Bearer ', 'OAuth ', 'bearer  ') },
      { weight: 1, arbitrary: fc.constantFrom('Basic ', '', 'Bearer') },
    );
    const placement = fc.constantFrom(
      'none',
      'header',
      'query',
      'body',
      'header+query',
      'query+body',
      'header+body',
      'query twice',
      'raw header',
    );
    await fc.assert(
      fc.asyncProperty(
        placement,
        token.map(real),
        // The second copy of a token sent twice: the same one, or another.
        fc.option(token.map(real), { nil: undefined }),
        scheme,
        ascii,
        fc.option(param(text), { nil: undefined, freq: 5 }),
        fc.constantFrom('/community/work_dyi_jobs', '/EXPORT', '/JOB/files', '/', '/community'),
        async (where, first, other, prefix, rawHeader, appsecretProof, shape) => {
          const second = other ?? first;
          const path = shape
            .replace('EXPORT', known.completedExport)
            .replace('JOB', known.companyJob);
          const inHeader = where.includes('header') ? `${prefix}${first}` : undefined;
          const inQuery =
            where === 'query twice'
              ? [first, second]
              : where === 'query'
                ? first
                : where === 'header+query'
                  ? second
                  : where === 'query+body'
                    ? first
                    : undefined;
          const inBody = where === 'body' ? first : where.endsWith('+body') ? second : undefined;
          const url = `${path}${query({
            access_token: inQuery,
            appsecret_proof: appsecretProof,
            ...(path === '/' && { ids: known.file }),
          })}`;
          const headers: Record<string, string> = {};
          if (inHeader !== undefined) headers.authorization = inHeader;
          if (where === 'raw header') headers.authorization = rawHeader;
          // A body means POST; `method=get` keeps it a read, as Graph's JS SDK sends it.
          if (inBody === undefined) {
            await send({ method: 'GET', url, headers });
          } else {
            headers['content-type'] = 'application/x-www-form-urlencoded';
            await send({
              method: 'POST',
              url,
              headers,
              payload: new URLSearchParams({ access_token: inBody, method: 'get' }).toString(),
            });
          }
        },
      ),
      { numRuns: 40, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] },
    );
  });

  it('POST /community/work_dyi_jobs with random bodies, as JSON, form or query', async () => {
    const dataType = fc.constantFrom(
      'WORKPLACE_COMPANY_METADATA_GROUPS',
      'POSTS_YOUR_ACTIVITY',
      'MESSENGER_V2',
      'posts_your_activity',
      'NOPE',
      '',
    );
    const timeValue = fc.oneof(
      fc.constantFrom(
        '2026-01-01',
        '2026-01-01T00:00:00Z',
        '2026-02-30',
        '2026-01-01T25:00:00Z',
        '2026-01-01T00:00:00+05:30',
        '1767225600',
        '-1',
        '0',
        '253402300800',
        '99999999999999999999',
      ),
      hugeNumber,
      text,
      fc.integer().map(String),
    );
    const jsonish = (value: fc.Arbitrary<string>): fc.Arbitrary<unknown> =>
      fc.oneof(
        { weight: 4, arbitrary: value },
        { weight: 1, arbitrary: fc.array(value, { maxLength: 3 }) },
        { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
        {
          weight: 1,
          arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)),
        },
      );
    const memberIds = fc.constantFrom(...seeded.members.map((m) => m.id));
    const randomBody = fc.record(
      {
        data_types: jsonish(
          fc.oneof(
            fc.array(dataType, { maxLength: 4 }).map((list) => list.join(',')),
            fc.array(dataType, { maxLength: 4 }).map((list) => JSON.stringify(list)),
            text,
          ),
        ),
        dyi_format: jsonish(fc.oneof(fc.constantFrom('JSON', 'HTML', 'CSV', 'NONE', 'json'), text)),
        media_quality: jsonish(fc.oneof(fc.constantFrom('HIGH', 'LOW', 'ULTRA'), text)),
        start_time: jsonish(timeValue),
        end_time: jsonish(timeValue),
        user_ids: jsonish(
          fc.oneof(
            fc.array(memberIds, { maxLength: 3 }).map((ids) => ids.join(',')),
            fc
              .array(fc.oneof(memberIds, hugeNumber, text), { maxLength: 4 })
              .map((ids) => JSON.stringify(ids)),
            fc.constantFrom(known.community, known.completedExport, '0', '[]', '[', 'null'),
          ),
        ),
        idempotency_key: jsonish(fc.oneof(fc.constantFrom('k1', 'k2', 'k3'), text)),
      },
      { requiredKeys: [] },
    );
    const validDataTypes = fc.subarray(
      ['WORKPLACE_COMPANY_METADATA_GROUPS', 'POSTS_YOUR_ACTIVITY', 'MESSENGER_V2'],
      { minLength: 1 },
    );
    const validBody = fc.record(
      {
        data_types: fc.oneof(
          validDataTypes,
          validDataTypes.map((list) => list.join(',')),
          validDataTypes.map((list) => JSON.stringify(list)),
        ),
        dyi_format: fc.constantFrom('JSON', 'HTML', 'CSV', 'NONE', 'HTML_AND_JSON'),
        media_quality: fc.constantFrom('VERY_LOW', 'HIGH'),
        start_time: fc.constantFrom('2026-01-01', '1767225600', '2026-01-01T00:00:00+05:30'),
        end_time: fc.constantFrom('2026-03-01', '1772323200'),
        user_ids: fc.subarray(
          seeded.members.map((m) => m.id),
          { minLength: 1 },
        ),
        idempotency_key: fc.constantFrom('k1', 'k2', 'k3', 'k4'),
      },
      { requiredKeys: ['data_types'] },
    );
    // Mostly a valid body with one or two values made bad, so that each rule is reached.
    const body = fc.oneof(
      { weight: 2, arbitrary: validBody },
      {
        weight: 4,
        arbitrary: fc.tuple(validBody, randomBody).chain(([valid, bad]) =>
          Object.keys(bad).length === 0
            ? fc.constant(valid)
            : fc.subarray(Object.keys(bad), { minLength: 1, maxLength: 2 }).map((keys) => ({
                ...valid,
                ...Object.fromEntries(keys.map((key) => [key, bad[key as keyof typeof bad]])),
              })),
        ),
      },
      { weight: 2, arbitrary: randomBody },
    );
    const asText = (value: unknown): string =>
      typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('json', 'form', 'query', 'get-override'),
        fc.constantFrom('/community', '/COMMUNITY', '/v22.0/community'),
        fc.constantFrom(
          'manage',
          'manage',
          'manage',
          'manage',
          'manage',
          'manage',
          'manage',
          'read',
        ),
        async (fields, encoding, base, tokenKind) => {
          const path = `${base.replace('COMMUNITY', known.community)}/work_dyi_jobs`;
          const token = tokenKind === 'manage' ? seeded.manageToken : seeded.readToken;
          const headers: Record<string, string> = { authorization: `Bearer ${token}` };
          const flat = Object.fromEntries(
            Object.entries(fields).map(([name, value]) => [name, asText(value)]),
          );
          if (encoding === 'json') {
            await send({ method: 'POST', url: path, headers, payload: fields });
          } else if (encoding === 'form') {
            headers['content-type'] = 'application/x-www-form-urlencoded';
            const payload = new URLSearchParams(flat).toString();
            await send({ method: 'POST', url: path, headers, payload });
          } else if (encoding === 'query') {
            await send({ method: 'POST', url: `${path}${query(flat)}`, headers });
          } else {
            await send({
              method: 'GET',
              url: `${path}${query({ ...flat, method: 'post' })}`,
              headers,
            });
          }
        },
      ),
      { numRuns: 60, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] },
    );
  });

  it('Batch API payloads: random items, garbage, and every way of sending them', async () => {
    const relativeUrl = fc.oneof(
      fc
        .tuple(
          knownTarget,
          knownEdge,
          fc.record({ fields: fieldsValue, limit }, { requiredKeys: [] }),
        )
        .map(
          ([target, edge, params]) =>
            `${targetId(target)}${edge ? `/${edge}` : ''}${query(params)}`,
        ),
      fc.constantFrom(
        'community/work_dyi_jobs',
        '/community/work_dyi_jobs?data_types=POSTS_YOUR_ACTIVITY&start_time=2026-01-01&end_time=2026-02-01',
        'PENDING/cancel',
        '?ids=community',
        '/',
        '',
        '//',
        '../..',
        'http://elsewhere.example/x',
        'v22.0/v3.1/community',
        '?batch=[]',
        '%zz',
      ),
      text,
    );
    const item = fc.record(
      {
        method: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom('GET', 'get', 'POST', 'DELETE') },
          { weight: 1, arbitrary: fc.constantFrom('PUT', 'HEAD', '') },
          { weight: 1, arbitrary: text },
        ),
        relative_url: relativeUrl,
        body: fc.oneof(
          fc.constantFrom(
            'data_types=POSTS_YOUR_ACTIVITY&start_time=2026-01-01&end_time=2026-02-01',
            'method=get',
            'access_token=nope',
          ),
          text,
        ),
        name: text,
      },
      { requiredKeys: ['method', 'relative_url'] },
    );
    const batch = fc.oneof(
      { weight: 6, arbitrary: fc.array(item, { minLength: 1, maxLength: 5 }) },
      { weight: 1, arbitrary: fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }) },
      { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: 51, max: 60 })
          .map((n) =>
            Array.from({ length: n }, () => ({ method: 'GET', relative_url: 'community' })),
          ),
      },
    );
    await fc.assert(
      fc.asyncProperty(
        batch,
        fc.constantFrom('form', 'json-string', 'json-array', 'query'),
        fc.option(fc.constantFrom('true', 'false', 'nope'), { nil: undefined }),
        fc.constantFrom('', '/v22.0'),
        fc.constantFrom('manage', 'manage', 'manage', 'none'),
        async (items, encoding, includeHeaders, prefix, tokenKind) => {
          const resolved = JSON.parse(
            JSON.stringify(items ?? null)?.replaceAll(
              'PENDING/cancel',
              `${known.pendingExport}/cancel`,
            ) ?? 'null',
          ) as unknown;
          const itemList = Array.isArray(resolved)
            ? (resolved as { relative_url?: unknown }[]).map((entry) =>
                isRecord(entry) ? entry : {},
              )
            : undefined;
          const batchText = JSON.stringify(resolved) ?? '';
          const token = tokenKind === 'manage' ? seeded.manageToken : undefined;
          const common = {
            ...(token !== undefined && { access_token: token }),
            ...(includeHeaders !== undefined && { include_headers: includeHeaders }),
          };
          let request: Request;
          if (encoding === 'form') {
            request = {
              method: 'POST',
              url: `${prefix}/`,
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              payload: new URLSearchParams({ ...common, batch: batchText }).toString(),
            };
          } else if (encoding === 'json-string') {
            request = {
              method: 'POST',
              url: `${prefix}/`,
              payload: { ...common, batch: batchText },
            };
          } else if (encoding === 'json-array') {
            request = {
              method: 'POST',
              url: `${prefix}/`,
              payload: { ...common, batch: resolved },
            };
          } else {
            request = {
              method: 'POST',
              url: `${prefix}/${query({ ...common, batch: batchText })}`,
            };
          }
          const response = await send(request);
          if (response.statusCode === 200) {
            checkBatchItems(request, JSON.parse(response.body) as unknown, itemList);
          }
        },
      ),
      { numRuns: 30, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] },
    );
  });

  it('well-formed random ids and edges in the path, with any verb and method=', async () => {
    const id = fc.oneof(
      knownTarget.map(targetId),
      fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
      fc.constantFrom('..', '.', '%00', '%2e%2e', '%2F', '%20', '-1', '0', '01', '1e5', 'me', '~'),
      fc.stringMatching(/^[0-9]{1,100}$/),
      unicode.filter((s) => s !== '').map(encodeURIComponent),
      binary.filter((s) => s !== '').map(encodeURIComponent),
    );
    const edge = fc.oneof(
      knownEdge,
      fc.constantFrom('cancel', '__proto__', 'constructor', 'toString', 'name', 'id'),
      unicode.map(encodeURIComponent),
    );
    const verb = fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD');
    await fc.assert(
      fc.asyncProperty(
        version,
        id,
        edge,
        verb,
        fc.option(param(graphMethod), { nil: undefined }),
        fc.option(fieldsValue, { nil: undefined }),
        async (prefix, target, edgeName, method, override, fields) => {
          const url = `${prefix}/${target}${edgeName ? `/${edgeName}` : ''}${query({ method: override, fields })}`;
          await send({
            method,
            url,
            headers: { authorization: `Bearer ${seeded.manageToken}` },
          });
        },
      ),
      { numRuns: 60, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] },
    );
  });

  // Path segments that fastify refuses before routing: a percent sign not followed by two
  // hex digits (or bytes that are not UTF-8), and a segment longer than its maxParamLength.
  const malformedSegment = fc.oneof(
    fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF', '%%', 'a%2'),
    fc.stringMatching(/^%[0-9A-Fa-f]?[G-Zg-z%]$/),
  );
  const overLongId = fc.integer({ min: 101, max: 5000 }).map((n) => '1'.repeat(n));

  /** A bad path sent with the token in the header, the query, or as a batch item. */
  async function sendBadPath(prefix: string, path: string, how: string): Promise<void> {
    if (how === 'batch') {
      const items = [{ method: 'GET', relative_url: path.slice(1) }];
      const request: Request = {
        method: 'POST',
        url: `${prefix}/`,
        payload: { access_token: seeded.manageToken, batch: JSON.stringify(items) },
      };
      const response = await send(request);
      checkBatchItems(request, JSON.parse(response.body) as unknown, items);
    } else if (how === 'query') {
      await send({ method: 'GET', url: `${prefix}${path}?access_token=${seeded.manageToken}` });
    } else {
      const headers = { authorization: `Bearer ${seeded.manageToken}` };
      await send({ method: 'GET', url: `${prefix}${path}`, headers });
    }
  }

  it('malformed percent-encodings in the path', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('', '/v22.0'),
        malformedSegment,
        fc.constantFrom('', '/files', '/%zz'),
        fc.constantFrom('header', 'query', 'batch'),
        async (prefix, segment, edge, how) => {
          await sendBadPath(prefix, `/${segment}${edge}`, how);
        },
      ),
      {
        numRuns: 10,
        examples: [['', '%zz', '', 'query']],
        plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)],
      },
    );
  });

  it('over-long ids in the path', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('', '/v22.0'),
        overLongId,
        fc.constantFrom('', '/files'),
        fc.constantFrom('header', 'query', 'batch'),
        async (prefix, id, edge, how) => {
          await sendBadPath(prefix, `/${id}${edge}`, how);
        },
      ),
      { numRuns: 10, plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT_MS)] },
    );
  });
});

describe('after the random requests', () => {
  it('the community holds exactly the exports answered as created, none half-written', async () => {
    const { runtime } = fixture;
    const communityId = known.community;
    const expected = new Set(
      [...initialExports, ...created].filter((exportId) => !deleted.has(exportId)),
    );
    expect(await runtime.exports.count(communityId)).toBe(expected.size);
    const page = await runtime.exports.list(communityId, { limit: expected.size + 10 });
    expect(new Set(page.items.map((e) => e.id))).toEqual(expected);
    for (const exportJob of page.items) {
      const status = await runtime.exports.status(exportJob);
      const jobs = await jobsOf(runtime, exportJob.id);
      expect(jobs[0]?.jobType).toBe('COMPANY');
      expect(jobs.slice(1).every((job) => job.jobType === 'USER')).toBe(true);
      expect(status.counts.total).toBe(jobs.length);
      expect(jobs.length).toBeGreaterThanOrEqual(2);
    }
    // The properties above must have exercised the create path.
    expect(created.size).toBeGreaterThan(0);
  });
});
