/**
 * @module
 * `@aws-sdk/client-s3`'s failures turned into ours, for every request of the S3 blob store:
 * no answer, a 5xx or throttling becomes TransientError; refused credentials or a missing
 * bucket become ConfigurationError naming the setting to fix; a full store or quota becomes
 * StorageFullError. Anything else (AbortError, validation) passes through unchanged.
 */
import { ConfigurationError, StorageFullError, TransientError } from '../../domain/errors.js';

/** Where the store is, for messages: `s3://bucket/prefix at http://host:port`. */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string;
}

/** The parts of an SDK error we read; the SDK's own types are wider than what we need. */
interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: unknown;
}

const CREDENTIAL_ERRORS: ReadonlySet<string> = new Set([
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'AccessDenied',
  'InvalidToken',
  'ExpiredToken',
  'CredentialsProviderError',
]);

const FULL_ERRORS: ReadonlySet<string> = new Set([
  'QuotaExceeded',
  'XMinioStorageFull',
  'StorageFull',
  'InsufficientStorage',
]);

const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export function describeLocation(location: S3Location): string {
  return `s3://${location.bucket}/${location.prefix} at ${location.endpoint}`;
}

/** The HTTP status the store answered, or undefined when no answer came. */
export function statusOf(error: unknown): number | undefined {
  return (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** True for "no such object" answers (GET/HEAD/COPY of a missing key). */
export function isMissingObject(error: unknown): boolean {
  const name = (error as SdkErrorShape | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

/** Our error for a failed request to the store at `location`. */
export function fromS3Error(error: unknown, location: S3Location): unknown {
  if (!(error instanceof Error) || error.name === 'AbortError') return error;
  const shape = error as SdkErrorShape;
  const status = statusOf(error);
  const name = shape.name ?? '';
  const where = describeLocation(location);
  if (FULL_ERRORS.has(name) || status === 507) {
    return new StorageFullError('export files and media', where, { cause: error });
  }
  if (CREDENTIAL_ERRORS.has(name) || status === 403 || status === 401) {
    return new ConfigurationError(
      `The object store ${where} refused our credentials (${name || status}): check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that this key may read and write the bucket.`,
      { cause: error },
    );
  }
  if (name === 'NoSuchBucket') {
    return new ConfigurationError(
      `The bucket '${location.bucket}' does not exist at ${location.endpoint}: create it, or point DYI_BLOB_STORE (s3://bucket/prefix) and DYI_S3_ENDPOINT at one that does.`,
      { cause: error },
    );
  }
  if ((status !== undefined && (status >= 500 || status === 429)) || name === 'SlowDown') {
    return new TransientError(
      `The object store ${where} answered ${status ?? ''} ${name}; retry later.`.replace('  ', ' '),
      { cause: error },
    );
  }
  if (status === undefined && isNetworkError(shape)) {
    return new TransientError(
      `The object store ${where} could not be reached (${shape.code ?? name}): check DYI_S3_ENDPOINT and that the store is running; retry later.`,
      { cause: error },
    );
  }
  return error;
}

function isNetworkError(shape: SdkErrorShape): boolean {
  return (
    NETWORK_CODES.has(shape.code ?? '') ||
    shape.name === 'TimeoutError' ||
    shape.name === 'RequestTimeout' ||
    Boolean(shape.$retryable)
  );
}
