/**
 * @module
 * Judging the wire fuzz test's answers: each answer (a batch item too) is sorted into what a
 * Graph client may get (success; an error envelope; a Graph 500 of code 1 or 2) or a finding
 * (a 5xx other than code 1 or 2; an error whose body is not exactly an envelope traced by
 * `x-fb-trace-id`). Also reads HTTP/1.1 answers off raw sockets.
 */

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type Verdict = 'ok' | 'graph-500' | 'server-error' | 'non-envelope';

/** The keys a Graph error envelope's `error` object may have. */
export const ENVELOPE_KEYS: ReadonlySet<string> = new Set([
  'message',
  'type',
  'code',
  'error_subcode',
  'is_transient',
  'fbtrace_id',
  'error_user_title',
  'error_user_msg',
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The envelope's error, or undefined when `body` is not exactly a Graph error envelope. */
export function envelopeError(body: string): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || Object.keys(parsed).join() !== 'error' || !isRecord(parsed.error)) {
    return undefined;
  }
  const e = parsed.error;
  const valid =
    typeof e.message === 'string' &&
    (e.type === 'OAuthException' || e.type === 'GraphMethodException') &&
    Number.isInteger(e.code) &&
    (!('error_subcode' in e) || Number.isInteger(e.error_subcode)) &&
    typeof e.is_transient === 'boolean' &&
    typeof e.fbtrace_id === 'string' &&
    e.fbtrace_id !== '' &&
    Object.keys(e).every((key) => ENVELOPE_KEYS.has(key));
  return valid ? e : undefined;
}

/** The path the server routes on: query, version prefix and duplicate slashes off. */
function routedPath(path: string): string {
  const pathname = path.split('?')[0] ?? '';
  return pathname.replace(/\/+/g, '/').replace(/^\/v\d+(?:\.\d+)?(?=\/|$)/, '');
}

/**
 * The verdict on one answer. `path` is the request's; `headless` marks a batch item answered
 * without headers; `head` a HEAD request (no body to judge).
 */
export function judge(
  answer: Answer,
  path: string,
  options: { headless?: boolean; head?: boolean } = {},
): Verdict {
  const { status, headers, body } = answer;
  // The admin panel answers HTML for people; Graph clients never call it.
  if (/^\/admin(?:\/|$)/.test(routedPath(path))) return status >= 500 ? 'server-error' : 'ok';
  const error = options.head ? undefined : envelopeError(body);
  const traced =
    options.headless === true ||
    (error !== undefined && headers['x-fb-trace-id'] === error.fbtrace_id);
  if (status >= 500) {
    return error !== undefined && traced && (error.code === 1 || error.code === 2)
      ? 'graph-500'
      : 'server-error';
  }
  const failed = status < 200 || status >= 300 || error !== undefined;
  if (!failed) return 'ok';
  if (options.head) return headers['x-fb-trace-id'] ? 'ok' : 'non-envelope';
  return error !== undefined && traced ? 'ok' : 'non-envelope';
}

interface BatchItem {
  readonly code: number;
  readonly headers?: { name: string; value: string }[];
  readonly body: string;
}

/** The verdicts on the items of a batch answer (none when the answer is not a batch array). */
export function judgeBatchItems(body: string): Verdict[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.map((raw: unknown) => {
    if (raw === null) return 'ok';
    const item = raw as BatchItem;
    if (!Number.isInteger(item.code) || typeof item.body !== 'string') return 'non-envelope';
    const headers = Object.fromEntries(
      (item.headers ?? []).map((h) => [h.name.toLowerCase(), h.value]),
    );
    return judge({ status: item.code, headers, body: item.body }, '/', {
      headless: item.headers === undefined,
    });
  });
}

/**
 * The final answers in bytes read off a raw socket, in order (interim 1xx answers skipped);
 * parsing stops at the first bytes that are not an answer (`rest` is then non-empty).
 */
export function parseAnswers(bytes: Buffer): { answers: Answer[]; rest: Buffer } {
  const answers: Answer[] = [];
  let at = 0;
  for (;;) {
    const end = bytes.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const [statusLine = '', ...lines] = bytes.toString('latin1', at, end).split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3}) /.exec(statusLine);
    if (!match) break;
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let bodyStart = end + 4;
    let body: Buffer;
    if (headers['transfer-encoding']?.includes('chunked')) {
      const chunks: Buffer[] = [];
      for (;;) {
        const lineEnd = bytes.indexOf('\r\n', bodyStart);
        if (lineEnd < 0) return { answers, rest: bytes.subarray(at) };
        const size = parseInt(bytes.toString('latin1', bodyStart, lineEnd), 16);
        bodyStart = lineEnd + 2 + size + 2;
        if (size === 0) break;
        chunks.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
      }
      body = Buffer.concat(chunks);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      body = bytes.subarray(bodyStart, bodyStart + length);
      bodyStart += length;
    }
    // An interim answer (`100 Continue` to `Expect: 100-continue`) precedes the real one.
    const status = Number(match[1]);
    if (status >= 200) answers.push({ status, headers, body: body.toString('utf8') });
    at = bodyStart;
  }
  return { answers, rest: bytes.subarray(at) };
}
