/**
 * @module
 * The one error hierarchy of dyi-export. Every error has a stable `code` (what a program
 * matches on) and a message that tells the reader what was wrong and what to do. Adapters turn
 * their libraries' failures into these; `src/graph/graph-error.ts` is the one place that maps
 * them to the Graph error envelope.
 */

export type DyiErrorCode =
  | 'validation'
  | 'not_found'
  | 'unknown_path'
  | 'unsupported_operation'
  | 'missing_token'
  | 'invalid_token'
  | 'permission_denied'
  | 'appsecret_proof'
  | 'rate_limited'
  | 'download_url_invalid'
  | 'export_expired'
  | 'conflict'
  | 'transient'
  | 'storage_full'
  | 'database_too_new'
  | 'configuration'
  | 'archive_too_big'
  | 'sign_in'
  | 'too_much_data';

export abstract class DyiError extends Error {
  abstract readonly code: DyiErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input: names the parameter and, where it is an enumeration, the allowed values. */
export class ValidationError extends DyiError {
  readonly code = 'validation';
  constructor(
    readonly parameter: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * An object that does not exist, or belongs to another community: both answer the same, so
 * that ids leak nothing about other communities.
 */
export class NotFoundError extends DyiError {
  readonly code = 'not_found';
  constructor(
    readonly id: string,
    readonly method: 'get' | 'post' | 'delete' = 'get',
  ) {
    super(
      `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`,
    );
  }
}

/** A path that no route serves. */
export class UnknownPathError extends DyiError {
  readonly code = 'unknown_path';
  constructor(readonly path: string) {
    super(`Unknown path components: ${path}`);
  }
}

/** A verb the object or edge does not support (for example POST on a file). */
export class UnsupportedOperationError extends DyiError {
  readonly code = 'unsupported_operation';
}

export class MissingTokenError extends DyiError {
  readonly code = 'missing_token';
  constructor() {
    super('An access token is required to request this resource.');
  }
}

/** A token that is unknown, malformed or revoked. */
export class InvalidTokenError extends DyiError {
  readonly code = 'invalid_token';
  constructor(
    message: string,
    /** Graph's error_subcode: 467 invalid token, 452 revoked (session invalidated). */
    readonly subcode: 452 | 467 = 467,
  ) {
    super(message);
  }
}

export class PermissionDeniedError extends DyiError {
  readonly code = 'permission_denied';
  constructor(readonly permission: string) {
    super(`This call requires the permission ${permission}; ask an admin for a token that has it.`);
  }
}

export class AppSecretProofError extends DyiError {
  readonly code = 'appsecret_proof';
}

export class RateLimitedError extends DyiError {
  readonly code = 'rate_limited';
  constructor(
    message: string,
    /** `token`: the token's call budget (Graph code 4); `endpoint`: one endpoint's (code 613). */
    readonly scope: 'token' | 'endpoint',
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** A download URL whose signature does not match, or whose lifetime is over. */
export class DownloadUrlError extends DyiError {
  readonly code = 'download_url_invalid';
  constructor(
    readonly reason: 'expired' | 'tampered',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A file, or an export, whose retention ended: its bytes were deleted by the retention sweep
 * (or are being deleted). The export is still listed, as expired; a new export gets the data.
 */
export class ExportExpiredError extends DyiError {
  readonly code = 'export_expired';
  constructor(
    /** What expired, for the message: "File 123" or "Export 456". */
    readonly subject: string,
    /** When its files began to be deleted, Unix seconds. */
    readonly expiredTime: number,
  ) {
    const day = new Date(expiredTime * 1000).toISOString().replace('.000Z', 'Z');
    super(
      `${subject} expired on ${day}: its export's files were deleted at the end of their retention period. Start a new export to get the data again.`,
    );
  }
}

/** The request conflicts with the object's state (for example an idempotency key reused with other parameters). */
export class ConflictError extends DyiError {
  readonly code = 'conflict';
}

/** A failure that may pass if the caller retries (database busy, storage unreachable). */
export class TransientError extends DyiError {
  readonly code = 'transient';
}

/**
 * The disk (or quota) holding the data directory has no space left: SQLite answered
 * SQLITE_FULL, or the file system ENOSPC or EDQUOT. Passes once space is freed, so callers
 * treat it as transient.
 */
export class StorageFullError extends DyiError {
  readonly code = 'storage_full';
  constructor(
    /** What could not be written, in words an API client may see: "the metadata database". */
    readonly what: string,
    /** The file or directory that is full, for the operator's log only (never in answers). */
    readonly location: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Storage is full: no space is left for ${what}. Free space on that disk (for example delete exports that are no longer needed, which works on a full disk) or raise its quota; waiting work resumes by itself once there is room.`,
      options,
    );
  }
}

export class DatabaseTooNewError extends DyiError {
  readonly code = 'database_too_new';
}

export class ConfigurationError extends DyiError {
  readonly code = 'configuration';
}

/**
 * A job's archive grew above `DYI_MAX_JOB_BYTES`: the job is aborted with `ARCHIVE_TOO_BIG`
 * and its parts are dropped. The message names both sizes so that an operator can pick a new
 * limit without reading logs.
 */
export class ArchiveTooBigError extends DyiError {
  readonly code = 'archive_too_big';
  constructor(
    readonly limitBytes: number,
    readonly reachedBytes: number,
  ) {
    super(
      `The job's archive reached ${ArchiveTooBigError.#describe(reachedBytes)}, above the limit of ${ArchiveTooBigError.#describe(limitBytes)} set by DYI_MAX_JOB_BYTES; raise that limit, or export a shorter time range or a lower media quality.`,
    );
  }

  /** "12.3 MiB (12,897,234 bytes)": binary units for reading, exact bytes for setting limits. */
  static #describe(bytes: number): string {
    const units = ['KiB', 'MiB', 'GiB', 'TiB'] as const;
    let value = bytes;
    let unit = 'bytes';
    for (const next of units) {
      if (value < 1024) break;
      value /= 1024;
      unit = next;
    }
    const exact = `${String(bytes).replace(/\B(?=(\d{3})+(?!\d))/g, ',')} bytes`;
    return unit === 'bytes' ? exact : `${value.toFixed(1).replace(/\.0$/, '')} ${unit} (${exact})`;
  }
}

/**
 * An admin sign-in refused: a wrong email or password (the message never says which), or too
 * many wrong passwords in a row, when `retryAfterSeconds` says how long the account is locked.
 */
export class SignInError extends DyiError {
  readonly code = 'sign_in';
  constructor(
    message: string,
    readonly retryAfterSeconds: number = 0,
  ) {
    super(message);
  }
}

/** Graph's words for a request over its budget (`TooMuchDataError`), as clients match them. */
export const TOO_MUCH_DATA_MESSAGE =
  "Please reduce the amount of data you're asking for, then retry your request";

/**
 * One Graph request would resolve more objects, nest deeper or answer more bytes than the
 * per-request budget allows (`DYI_GRAPH_MAX_*`). Graph answers this with code 1 and these
 * exact words, which its SDKs match on; `detail` names the limit for the server log.
 */
export class TooMuchDataError extends DyiError {
  readonly code = 'too_much_data';
  constructor(readonly detail: string) {
    super(TOO_MUCH_DATA_MESSAGE);
  }
}

/**
 * A run of a job tried to record something after another run took the job over: its worker's
 * lease ran out (a long pause, a lost connection) and another worker started the job again.
 * The newer run owns the job and its files; the older one stops and records nothing.
 */
export class RunSupersededError extends Error {
  constructor(readonly jobId: string) {
    super(
      `Job ${jobId} was taken over by another run after this worker's lease ran out; this run stops without recording anything.`,
    );
  }
}
