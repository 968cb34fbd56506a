/**
 * @module
 * The one place errors become Graph error envelopes: HTTP status, `{error:{message, type,
 * code, error_subcode, is_transient, fbtrace_id}}` and headers, per the table in GRAPH-API.md.
 * Anything that is not one of our errors is a bug: the caller logs it in full, the client gets
 * code 1 and no detail.
 */
import {
  AppSecretProofError,
  ConflictError,
  ExportExpiredError,
  DownloadUrlError,
  DyiError,
  InvalidTokenError,
  MissingTokenError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitedError,
  StorageFullError,
  TooMuchDataError,
  TransientError,
  UnknownPathError,
  UnsupportedOperationError,
  ValidationError,
} from '../domain/index.js';

/**
 * `error_subcode` of an expired export's files (HTTP 410, code 100): ours, since Graph has no
 * word for it; documented in docs/graph-api.md.
 */
export const EXPIRED_SUBCODE = 1410;

export interface GraphErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: 'OAuthException' | 'GraphMethodException';
    readonly code: number;
    readonly error_subcode?: number;
    readonly is_transient: boolean;
    readonly fbtrace_id: string;
  };
}

export interface GraphErrorResponse {
  readonly status: number;
  readonly body: GraphErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /** Not one of our errors: log it with its stack. */
  readonly unexpected: boolean;
}

interface Shape {
  status: number;
  type: GraphErrorBody['error']['type'];
  code: number;
  subcode?: number;
  transient?: boolean;
  headers?: Record<string, string>;
  /** Graph sends this message without the `(#code)` prefix. */
  bare?: boolean;
}

export function toGraphError(error: unknown, traceId: string): GraphErrorResponse {
  const shape = shapeOf(error);
  if (shape === undefined) {
    return envelope(
      { status: 500, type: 'OAuthException', code: 1 },
      'An unknown error has occurred.',
      traceId,
      true,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return envelope(shape, message, traceId, false);
}

function envelope(
  shape: Shape,
  rawMessage: string,
  traceId: string,
  unexpected: boolean,
): GraphErrorResponse {
  const message =
    shape.bare === true || /^\(#\d+\)/.test(rawMessage)
      ? rawMessage
      : `(#${shape.code}) ${rawMessage}`;
  return {
    status: shape.status,
    unexpected,
    headers: shape.headers ?? {},
    body: {
      error: {
        message,
        type: shape.type,
        code: shape.code,
        ...(shape.subcode !== undefined && { error_subcode: shape.subcode }),
        is_transient: shape.transient ?? false,
        fbtrace_id: traceId,
      },
    },
  };
}

function shapeOf(error: unknown): Shape | undefined {
  if (error instanceof DyiError) return shapeOfDyiError(error);
  // Fastify's own client errors (bad JSON, wrong content type, body too large).
  if (error instanceof Error && 'statusCode' in error) {
    const status = Number(error.statusCode);
    if (status >= 400 && status < 500) return { status: 400, type: 'OAuthException', code: 100 };
  }
  return undefined;
}

function shapeOfDyiError(error: DyiError): Shape | undefined {
  if (error instanceof ValidationError || error instanceof ConflictError) {
    return { status: 400, type: 'OAuthException', code: 100 };
  }
  if (error instanceof AppSecretProofError)
    return { status: 400, type: 'OAuthException', code: 100 };
  if (error instanceof NotFoundError) {
    return { status: 400, type: 'GraphMethodException', code: 100, subcode: 33 };
  }
  if (error instanceof UnsupportedOperationError) {
    return { status: 400, type: 'GraphMethodException', code: 100 };
  }
  if (error instanceof UnknownPathError) return { status: 400, type: 'OAuthException', code: 2500 };
  if (error instanceof MissingTokenError) return { status: 400, type: 'OAuthException', code: 104 };
  if (error instanceof InvalidTokenError) {
    return {
      status: 400,
      type: 'OAuthException',
      code: 190,
      subcode: error.subcode,
      headers: {
        'www-authenticate': `OAuth "Facebook Platform" "invalid_token" "${error.message.replace(/["\\]/g, '')}"`,
      },
    };
  }
  if (error instanceof PermissionDeniedError)
    return { status: 403, type: 'OAuthException', code: 200 };
  if (error instanceof RateLimitedError) {
    return {
      status: 403,
      type: 'OAuthException',
      code: error.scope === 'token' ? 4 : 613,
      transient: true,
      headers: { 'retry-after': String(error.retryAfterSeconds) },
    };
  }
  if (error instanceof DownloadUrlError) {
    return {
      status: 403,
      type: 'OAuthException',
      code: 190,
      subcode: error.reason === 'expired' ? 463 : 467,
    };
  }
  if (error instanceof ExportExpiredError) {
    // 410 Gone: the files existed and were deleted on purpose; retrying will not bring them back.
    return { status: 410, type: 'GraphMethodException', code: 100, subcode: EXPIRED_SUBCODE };
  }
  if (error instanceof TooMuchDataError) {
    // Graph's own status and code for a request over its cost budget; not a bug, so no stack.
    return { status: 500, type: 'OAuthException', code: 1, bare: true };
  }
  // Retryable once an operator frees space: Graph's "temporary issue" code, not a bug's code 1.
  if (error instanceof TransientError || error instanceof StorageFullError) {
    return { status: 503, type: 'OAuthException', code: 2, transient: true };
  }
  return undefined;
}
