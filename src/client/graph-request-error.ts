/**
 * @module
 * What a failed call tells the caller. A Graph error envelope
 * (`{"error":{"message","code","error_subcode","is_transient"}}`) becomes a GraphRequestError
 * whose `code` is the matching code of our own error hierarchy, so that the CLI reports it like
 * any other error of ours; the Graph numbers stay on it for programs. Transport failures
 * (refused, reset, timed out) that outlast their retries become RequestFailedError.
 */
import { DyiError, type DyiErrorCode, TOO_MUCH_DATA_MESSAGE } from '../domain/errors.js';

/** Graph codes that mean "too many calls": wait, then retry. */
export const RATE_LIMIT_CODES: ReadonlySet<number> = new Set([4, 17, 32, 613]);

export interface GraphErrorBody {
  readonly message?: string;
  readonly type?: string;
  readonly code?: number;
  readonly error_subcode?: number;
  readonly is_transient?: boolean;
  readonly fbtrace_id?: string;
}

/** The server's `error_subcode` for files deleted at the end of their retention. */
const EXPORT_EXPIRED_SUBCODE = 1410;

export class GraphRequestError extends DyiError {
  readonly code: DyiErrorCode;

  constructor(
    /** What was asked, without its query string (which may hold a token or a signature). */
    readonly target: string,
    readonly status: number,
    readonly graph: GraphErrorBody,
    /** Seconds from a `Retry-After` header, when the answer had one. */
    readonly retryAfterSeconds?: number,
  ) {
    super(
      `${target} answered HTTP ${status}${graph.code !== undefined ? ` (Graph code ${graph.code}${graph.error_subcode !== undefined ? `/${graph.error_subcode}` : ''})` : ''}: ${graph.message ?? 'no message'}${adviceFor(graph.code)}`,
    );
    this.code = codeFor(status, graph);
  }

  get isRateLimit(): boolean {
    return this.graph.code !== undefined && RATE_LIMIT_CODES.has(this.graph.code);
  }

  /** Worth retrying: rate limits, transient faults, and server errors. */
  get isRetryable(): boolean {
    return this.isRateLimit || this.graph.is_transient === true || this.status >= 500;
  }

  /**
   * Graph's refusal of a request that would answer too much (code 1 with these words, which
   * Graph's SDKs match on too). Retryable: Graph asks for the same request again, and it may
   * pass (fault mode's `page_retry`); fewer fields or a smaller page pass where it cannot.
   */
  get isTooMuchData(): boolean {
    return this.graph.code === 1 && this.graph.message === TOO_MUCH_DATA_MESSAGE;
  }

  /**
   * 410 with subcode 1410: the export's retention ended and its files were deleted; no fresh
   * download URL brings them back (docs/graph-api.md).
   */
  get isExportExpired(): boolean {
    return this.status === 410 && this.graph.error_subcode === EXPORT_EXPIRED_SUBCODE;
  }

  /** Graph code 100: a field or parameter this server does not know. */
  get isUnknownField(): boolean {
    return this.graph.code === 100 && this.graph.error_subcode === undefined;
  }
}

/** A request that kept failing below HTTP (connection refused or cut, timeouts). */
export class RequestFailedError extends DyiError {
  readonly code = 'transient';
  constructor(target: string, attempts: number, cause: unknown) {
    super(
      `${target} failed ${attempts} times (${describeCause(cause)}); check that the server is reachable, or raise --retries or the timeouts.`,
      { cause },
    );
  }
}

export function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}

/** Our error codes for the Graph codes a client meets. */
const CODES: ReadonlyMap<number, DyiErrorCode> = new Map([
  [104, 'missing_token'],
  [190, 'invalid_token'],
  [200, 'permission_denied'],
  [100, 'validation'],
  [2500, 'unknown_path'],
  ...[...RATE_LIMIT_CODES].map((code): [number, DyiErrorCode] => [code, 'rate_limited']),
]);

function codeFor(status: number, graph: GraphErrorBody): DyiErrorCode {
  if (graph.code === 190 && status === 403) return 'download_url_invalid';
  if (graph.code === 100 && graph.error_subcode === 33) return 'not_found';
  return (graph.code !== undefined && CODES.get(graph.code)) || 'transient';
}

function adviceFor(code: number | undefined): string {
  if (code === 104 || code === 190) return '; pass a valid token with --token or DYI_TOKEN.';
  if (code === 200) return '; the token needs read_company_data_exports.';
  return '';
}
