/**
 * @module
 * Reads `DYI_BLOB_STORE=s3://bucket/prefix`: the bucket, and the prefix every key is stored
 * under (`''`, or lower-case segments each followed by `/`). Pure: `config.ts` calls it and
 * hands the result to `S3BlobStore`.
 */
import { ConfigurationError } from '../../domain/errors.js';
import { isValidBlobKey } from '../../ports/blob-store.js';

export interface S3BlobStoreUrl {
  readonly bucket: string;
  /** `''` or `a/b/`: ends with `/`, so that keys never run into the prefix's last segment. */
  readonly prefix: string;
}

/** S3's bucket naming rules: 3 to 63 of [a-z0-9.-], a letter or digit at both ends. */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function parseBlobStoreUrl(value: string): S3BlobStoreUrl {
  const match = /^s3:\/\/([^/?#]*)(?:\/([^?#]*))?$/.exec(value);
  const bucket = match?.[1] ?? '';
  const path = (match?.[2] ?? '').replace(/\/+$/, '');
  if (match === null || !BUCKET_PATTERN.test(bucket) || bucket.includes('..')) {
    throw new ConfigurationError(
      `DYI_BLOB_STORE='${value}' is not an S3 location: write s3://bucket or s3://bucket/prefix, with a bucket name of 3 to 63 lower-case letters, digits, '.' or '-'.`,
    );
  }
  if (path !== '' && !isValidBlobKey(path)) {
    throw new ConfigurationError(
      `DYI_BLOB_STORE='${value}' has the prefix '${path}', which is not valid: use lower-case segments of [a-z0-9._-] separated by '/', none empty or starting with '.'.`,
    );
  }
  return { bucket, prefix: path === '' ? '' : `${path}/` };
}
