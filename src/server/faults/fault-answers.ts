/**
 * @module
 * What each error fault looks like on the wire: the Graph error envelope with the status, code
 * and headers the real Graph API (or our own server, for the same case) sends. The envelopes of
 * cases our server also meets for real (a transient fault, an expired download URL, a request
 * over its budget, a token or endpoint over its rate) come from `toGraphError`, so that a fault
 * looks exactly like the real thing; only codes 17 and 32, which our server never sends, are
 * spelled out here.
 */
import {
  DownloadUrlError,
  RateLimitedError,
  TooMuchDataError,
  TransientError,
} from '../../domain/index.js';
import { type GraphErrorResponse, toGraphError } from '../../graph/graph-error.js';
import { FETCH_AGAIN } from '../../services/download-url-signer.js';

/** Graph's rate-limit codes, and whose budget each one says is spent. */
export const RATE_LIMIT_CODES = [4, 17, 32, 613] as const;
export type RateLimitCode = (typeof RATE_LIMIT_CODES)[number];

const RATE_LIMIT_MESSAGES: Readonly<Record<RateLimitCode, string>> = {
  4: 'Application request limit reached',
  17: 'User request limit reached',
  32: 'Page request limit reached',
  613: 'Calls to this api have exceeded the rate limit.',
};

/** Usage percents of a refused call: the spent budget at 100, the others just under. */
const SPENT = { call_count: 100, total_cputime: 96, total_time: 98 } as const;
const NEARLY = { call_count: 97, total_cputime: 91, total_time: 94 } as const;

/**
 * A rate-limit refusal with code `code`, `Retry-After: retryAfterSeconds`, and usage headers
 * near 100 %: `X-App-Usage` at 100 for the app and user limits (4, 17), the business use case
 * at 100 for the page and endpoint limits (32, 613).
 */
export function rateLimitAnswer(
  code: RateLimitCode,
  communityId: string,
  retryAfterSeconds: number,
  traceId: string,
): GraphErrorResponse {
  const message = `${RATE_LIMIT_MESSAGES[code]} (fault mode)`;
  const base = toGraphError(
    new RateLimitedError(message, code === 4 ? 'token' : 'endpoint', retryAfterSeconds),
    traceId,
  );
  const appSpent = code === 4 || code === 17;
  const usage = {
    'x-app-usage': JSON.stringify(appSpent ? SPENT : NEARLY),
    'x-business-use-case-usage': JSON.stringify({
      [communityId]: [
        {
          type: 'pages',
          ...(appSpent ? NEARLY : SPENT),
          estimated_time_to_regain_access: Math.ceil(retryAfterSeconds / 60),
        },
      ],
    }),
  };
  if (code === 4 || code === 613) return { ...base, headers: { ...base.headers, ...usage } };
  // Graph answers the user and page limits with 400 and no is_transient: clients must read
  // the code, not the status.
  return {
    ...base,
    status: 400,
    headers: { ...base.headers, ...usage },
    body: {
      error: { ...base.body.error, message: `(#${code}) ${message}`, code, is_transient: false },
    },
  };
}

/** 500 or 503 with code 2 and `is_transient: true`: Graph's "temporary issue". */
export function transientAnswer(status: 500 | 503, traceId: string): GraphErrorResponse {
  const base = toGraphError(
    new TransientError('Service temporarily unavailable (fault mode); retry the request.'),
    traceId,
  );
  return { ...base, status };
}

/**
 * A page of a list that asks to be fetched again: Graph's code 1 "Please reduce the amount of
 * data you're asking for, then retry your request" (500), or code 2 (503, transient).
 */
export function pageRetryAnswer(tooMuchData: boolean, traceId: string): GraphErrorResponse {
  if (tooMuchData) return toGraphError(new TooMuchDataError('fault mode'), traceId);
  return toGraphError(
    new TransientError('This page could not be read right now (fault mode); retry the request.'),
    traceId,
  );
}

/** The download route's own answer to an expired URL (403, code 190, subcode 463). */
export function expiredAnswer(nowMs: number, traceId: string): GraphErrorResponse {
  return toGraphError(
    new DownloadUrlError(
      'expired',
      `This download URL expired at ${new Date(nowMs).toISOString()} (fault mode). ${FETCH_AGAIN}`,
    ),
    traceId,
  );
}
