/**
 * @module
 * fast-check generators of hostile requests for the wire fuzz test: Graph paths (known and
 * random ids, edges, version prefixes), the `fields` grammar with deep nesting and
 * `.limit()`/`.summary()`, paging parameters with junk, Batch API bodies (valid-ish and junk),
 * headers, and raw bytes that are barely (or not at all) HTTP. HTTP requests are ones undici
 * will send; everything undici would refuse to send goes out as raw bytes instead.
 */
import fc from 'fast-check';

/** Ids and tokens of the seeded data the generators aim at. */
export interface FuzzTargets {
  /** An export with at least 100 jobs: the expensive one to nest into. */
  readonly bigExport: string;
  readonly smallExport: string;
  readonly companyJob: string;
  readonly userJob: string;
  readonly file: string;
  readonly member: string;
  readonly community: string;
  readonly readToken: string;
  readonly manageToken: string;
}

export interface HttpFuzzRequest {
  readonly kind: 'http';
  readonly method: string;
  /** Starts with `/`, only bytes undici accepts in a path. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Sent as a batch: its answer's items are checked too. */
  readonly batch: boolean;
}

export interface RawFuzzRequest {
  readonly kind: 'raw';
  readonly bytes: Buffer;
}

export type FuzzRequest = HttpFuzzRequest | RawFuzzRequest;

const ascii = fc.string({ unit: 'binary-ascii', maxLength: 20 });
const unicode = fc.string({ unit: 'grapheme', maxLength: 20 });
const hugeNumber = fc.oneof(
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.constantFrom('1e308', '-0', 'NaN', 'Infinity', '0x10', '1.5', '-1', ''),
);
const junk = fc.oneof(ascii, unicode, hugeNumber);

const FIELDS = [
  'id',
  'job_state',
  'is_completed',
  'company_job',
  'user_dyi_jobs',
  'work_dyi_job',
  'files',
  'dyi_job',
  'download_url',
  'file_size',
  'user',
  'name',
  'progress',
  'create_time',
  'work_dyi_jobs',
  'nope',
] as const;

const modifier = fc.oneof(
  { weight: 4, arbitrary: fc.constant('') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '.limit(100)',
      '.limit(0)',
      '.limit(1)',
      '.limit(-1)',
      '.limit(101)',
      '.summary(true)',
      '.limit(0).summary(true)',
      '.limit(100).summary(true)',
      '.limit()',
      '.summary(x)',
      '.nope(1)',
    ),
  },
  { weight: 1, arbitrary: hugeNumber.map((n) => `.limit(${n})`) },
);

/** The `fields` grammar, `depth` levels of braces at most. */
function fieldsAt(depth: number): fc.Arbitrary<string> {
  const field = fc
    .tuple(
      fc.constantFrom(...FIELDS),
      modifier,
      depth > 0 ? fc.option(fieldsAt(depth - 1), { nil: undefined }) : fc.constant(undefined),
    )
    .map(([name, mod, inner]) => `${name}${mod}${inner === undefined ? '' : `{${inner}}`}`);
  return fc.array(field, { minLength: 1, maxLength: 3 }).map((list) => list.join(','));
}

/**
 * The expensive shape: each level lists up to 100 jobs of the big export and goes back up to
 * it, so the answer multiplies by 100 per level.
 */
const deepNesting = fc
  .tuple(
    fc.integer({ min: 2, max: 8 }),
    fc.constantFrom('.limit(100)', '.limit(100).summary(true)', '', '.limit(50)'),
    fc.constantFrom('id', 'id,job_state', 'id,files{id,download_url}', 'id,user{name}'),
  )
  .map(([levels, mod, leaf]) => {
    let inner = `user_dyi_jobs${mod}{${leaf}}`;
    for (let i = 1; i < levels; i++) inner = `user_dyi_jobs${mod}{work_dyi_job{${inner}}}`;
    return inner;
  });

const braces = fc
  .array(fc.constantFrom('{', '}', '(', ')', ',', '.', 'id', 'limit', 'files', ' ', '1'), {
    maxLength: 30,
  })
  .map((parts) => parts.join(''));

export const fieldsValue = fc.oneof(
  { weight: 5, arbitrary: fieldsAt(3) },
  { weight: 2, arbitrary: deepNesting },
  { weight: 1, arbitrary: braces },
  { weight: 1, arbitrary: junk },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 10, max: 300 })
      .map((n) => `${'files{'.repeat(n)}id${'}'.repeat(n)}`),
  },
);

const cursor = fc.oneof(
  junk,
  fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/),
  fc
    .record({
      v: fc.oneof(fc.constant(1), fc.anything({ maxDepth: 1 })),
      id: fc.anything({ maxDepth: 1 }),
    })
    .map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
);
const limit = fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), hugeNumber, junk);

/** A query parameter value, sometimes repeated with a different or the same value. */
function repeatable(value: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  return fc.oneof(
    { weight: 6, arbitrary: value.map((v) => [v]) },
    { weight: 1, arbitrary: fc.array(value, { minLength: 2, maxLength: 3 }) },
  );
}

export function queryParams(t: FuzzTargets): fc.Arbitrary<[string, string][]> {
  const params: Record<string, fc.Arbitrary<string[]>> = {
    fields: repeatable(fieldsValue),
    limit: repeatable(limit),
    after: repeatable(cursor),
    before: repeatable(cursor),
    summary: repeatable(fc.constantFrom('true', 'false', '1', 'total_count', 'x')),
    date_format: repeatable(fc.oneof(fc.constant('U'), junk)),
    suppress_http_code: repeatable(fc.constantFrom('1', '0', 'true', 'x')),
    method: repeatable(fc.oneof(fc.constantFrom('get', 'post', 'delete', 'put'), junk)),
    access_token: repeatable(fc.oneof(fc.constantFrom(t.readToken, t.manageToken), junk)),
    ids: repeatable(fc.oneof(fc.constantFrom(t.bigExport, `${t.bigExport},${t.file}`), junk)),
    appsecret_proof: repeatable(junk),
    include_headers: repeatable(fc.constantFrom('true', 'false', 'x')),
  };
  return fc
    .subarray(Object.keys(params), { maxLength: 5 })
    .chain((names) =>
      fc.tuple(
        ...names.map((name) =>
          (params[name] as fc.Arbitrary<string[]>).map((values) =>
            values.map((v) => [name, v] as [string, string]),
          ),
        ),
      ),
    )
    .map((lists) => lists.flat());
}

function queryString(pairs: readonly [string, string][]): string {
  if (pairs.length === 0) return '';
  const search = new URLSearchParams();
  for (const [name, value] of pairs) search.append(name, value);
  return `?${search.toString()}`;
}

export function graphPath(t: FuzzTargets): fc.Arbitrary<string> {
  const known = fc.constantFrom(
    t.bigExport,
    t.bigExport,
    t.smallExport,
    t.companyJob,
    t.userJob,
    t.file,
    t.member,
    t.community,
    'community',
  );
  const target = fc.oneof(
    { weight: 8, arbitrary: known },
    { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 25n }).map(String) },
    { weight: 1, arbitrary: junk.map(encodeURIComponent) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        'admin',
        'admin/exports',
        'dyi-files/1/x?e=1&s=x',
        '%zz',
        '..',
      ),
    },
  );
  const edge = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        '',
        'user_dyi_jobs',
        'files',
        'work_dyi_jobs',
        'company_job',
        'cancel',
      ),
    },
    { weight: 1, arbitrary: junk.map(encodeURIComponent) },
  );
  const version = fc.constantFrom('', '', '/v22.0', '/v19.0', '/v3', '/v0.0');
  return fc
    .tuple(version, target, edge, queryParams(t))
    .map(([v, id, e, query]) => `${v}/${id}${e ? `/${e}` : ''}${queryString(query)}`);
}

function batchBody(t: FuzzTargets): fc.Arbitrary<string> {
  const relative = fc.oneof(
    { weight: 6, arbitrary: graphPath(t).map((p) => p.slice(1)) },
    { weight: 1, arbitrary: junk },
  );
  const item = fc.record(
    {
      method: fc.oneof(fc.constantFrom('GET', 'GET', 'POST', 'DELETE', 'get'), junk),
      relative_url: relative,
      body: fc.oneof(fc.constant('method=get'), junk),
      name: fc.oneof(junk, fc.integer({ min: -1, max: 60 })),
    },
    { requiredKeys: ['method', 'relative_url'] },
  );
  const items = fc.oneof(
    { weight: 6, arbitrary: fc.array(item, { minLength: 1, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.array(item, { minLength: 49, maxLength: 55 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  );
  const tokenPair = fc.option(fc.constantFrom(t.readToken, t.manageToken, 'junk'), {
    nil: undefined,
  });
  return fc.tuple(items, tokenPair, fc.boolean()).map(([list, token, asJson]) => {
    const batch = JSON.stringify(list) ?? 'null';
    if (asJson) return JSON.stringify({ batch: list, ...(token && { access_token: token }) });
    const form = new URLSearchParams({ batch, ...(token && { access_token: token }) });
    return form.toString();
  });
}

const headerName = fc.oneof(
  fc.constantFrom(
    'accept',
    'x-forwarded-for',
    'x-forwarded-host',
    'range',
    'if-range',
    'cookie',
    'accept-encoding',
    'origin',
  ),
  fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
);
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,60}$/).map((value) => value.trim());

function httpRequest(t: FuzzTargets): fc.Arbitrary<HttpFuzzRequest> {
  const auth = fc.option(
    fc.oneof(
      fc.constantFrom(`Bearer ${t.readToken}`, `Bearer ${t.manageToken}`, `OAuth ${t.manageToken}`),
      headerValue,
    ),
    { nil: undefined },
  );
  const extra = fc.dictionary(headerName, headerValue, { maxKeys: 3 });
  const plain = fc
    .tuple(
      fc.constantFrom(
        'GET',
        'GET',
        'GET',
        'GET',
        'POST',
        'DELETE',
        'HEAD',
        'PUT',
        'PATCH',
        'OPTIONS',
      ),
      graphPath(t),
      auth,
      extra,
      fc.option(
        fc.tuple(
          fc.constantFrom(
            'application/x-www-form-urlencoded',
            'application/json',
            'text/plain',
            'application/xml',
            'multipart/form-data',
          ),
          fc.oneof(
            queryParams(t).map((pairs) => queryString(pairs).slice(1)),
            fc.constant('data_types=POSTS_YOUR_ACTIVITY&start_time=2026-01-01&end_time=2026-02-01'),
            fc.anything({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? ''),
            junk,
          ),
        ),
        { nil: undefined },
      ),
    )
    .map(([method, path, authorization, headers, body]): HttpFuzzRequest => {
      const withBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
      return {
        kind: 'http',
        method,
        path,
        headers: {
          ...headers,
          ...(authorization !== undefined && { authorization }),
          ...(withBody && { 'content-type': body[0] }),
        },
        ...(withBody && { body: body[1] }),
        batch: false,
      };
    });
  const batch = fc
    .tuple(fc.constantFrom('/', '/v22.0/', '/v19.0'), batchBody(t), auth)
    .map(([path, body, authorization]): HttpFuzzRequest => ({
      kind: 'http',
      method: 'POST',
      path,
      headers: {
        'content-type': body.startsWith('{')
          ? 'application/json'
          : 'application/x-www-form-urlencoded',
        ...(authorization !== undefined && { authorization }),
      },
      body,
      batch: true,
    }));
  return fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: batch });
}

/** Bytes that are barely HTTP: odd verbs, request targets, versions, headers and lengths. */
function rawRequest(t: FuzzTargets): fc.Arbitrary<RawFuzzRequest> {
  const bytes = fc.uint8Array({ maxLength: 200 }).map((array) => Buffer.from(array));
  const method = fc.oneof(
    fc.constantFrom(
      'GET',
      'POST',
      'DELETE',
      'PUT',
      'FETCH',
      'get',
      'G ET',
      '',
      'PROPFIND',
      'CONNECT',
      'PRI',
    ),
    fc.stringMatching(/^[A-Z]{1,10}$/),
  );
  const target = fc.oneof(
    { weight: 4, arbitrary: graphPath(t) },
    { weight: 1, arbitrary: bytes.map((b) => `/${b.toString('latin1')}`) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 8000, max: 20000 })
        .map((n) => `/community?fields=${'id,'.repeat(n / 3)}id`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('*', 'http://127.0.0.1/community', '', '/ /', '/\u00e9'),
    },
  );
  const version = fc.constantFrom(
    'HTTP/1.1',
    'HTTP/1.1',
    'HTTP/1.0',
    'HTTP/2.0',
    'HTTP/1.1x',
    'HTTP/9.9',
    '',
  );
  const header = fc.oneof(
    fc.constantFrom(
      `Authorization: Bearer ${t.manageToken}`,
      `Authorization: Bearer ${t.readToken}`,
      'Content-Length: 5',
      'Content-Length: 0',
      'Content-Length: -1',
      'Content-Length: 99999999999999999999',
      'Content-Length: 1, 2',
      'Transfer-Encoding: chunked',
      'Transfer-Encoding: gzip',
      'Transfer-Encoding: chunked, chunked',
      'Content-Type: application/json',
      'Content-Type: application/x-www-form-urlencoded',
      'Expect: 100-continue',
      'Upgrade: websocket',
      'Connection: upgrade',
      'Connection: keep-alive',
      'Host:',
      ': empty name',
      'No-Colon',
      ' Leading: space',
    ),
    bytes.map((b) => `X-Junk: ${b.toString('latin1').replace(/[\r\n]/g, '')}`),
    fc.integer({ min: 15000, max: 20000 }).map((n) => `X-Pad: ${'a'.repeat(n)}`),
  );
  const structured = fc
    .tuple(
      method,
      target,
      version,
      fc.array(header, { maxLength: 4 }),
      fc.oneof(
        fc.constant(''),
        bytes.map((b) => b.toString('latin1')),
        junk,
      ),
    )
    .map(([m, path, v, headers, body]) => {
      const head = [`${m} ${path} ${v}`, 'Host: 127.0.0.1', ...headers].join('\r\n');
      return { kind: 'raw' as const, bytes: Buffer.from(`${head}\r\n\r\n${body}`, 'latin1') };
    });
  return fc.oneof(
    { weight: 5, arbitrary: structured },
    { weight: 1, arbitrary: bytes.map((b) => ({ kind: 'raw' as const, bytes: b })) },
  );
}

/** Well-formed reads that nest deep into the big export: the costly requests of item 1. */
function expensiveRequest(t: FuzzTargets): fc.Arbitrary<HttpFuzzRequest> {
  return fc
    .tuple(
      fc.constantFrom(
        `/${t.bigExport}`,
        '/community/work_dyi_jobs',
        `/v19.0/${t.bigExport}/user_dyi_jobs`,
      ),
      deepNesting,
      fc.constantFrom(t.readToken, t.manageToken),
    )
    .map(([path, fields, token]) => ({
      kind: 'http',
      method: 'GET',
      path: `${path}?${new URLSearchParams({ fields, limit: '100' }).toString()}`,
      headers: { authorization: `Bearer ${token}` },
      batch: false,
    }));
}

export function fuzzRequest(t: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    { weight: 1, arbitrary: expensiveRequest(t) },
    { weight: 18, arbitrary: httpRequest(t) },
    { weight: 1, arbitrary: rawRequest(t) },
  );
}
