/**
 * @module
 * How the S3 store's failures read to its callers: the SDK's errors as the SDK builds them
 * from a store's answers (status, error code) and from a failed connection, turned into ours.
 * The answers a real store gives are checked in s3-blob-store.test.ts; these are the ones no
 * test server is made to give on demand (throttling, 5xx, a full quota).
 */
import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { fromS3Error } from './s3-errors.js';

const location = { bucket: 'dyi', prefix: 'prod/', endpoint: 'http://store:9000' };

function answered(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} answered`,
  });
}

describe('fromS3Error', () => {
  it.each([
    ['SlowDown', 503],
    ['ServiceUnavailable', 503],
    ['InternalError', 500],
    ['TooManyRequests', 429],
  ])('makes %s (%i) a transient failure naming the store', (name, status) => {
    const error = answered(name, status);
    expect(fromS3Error(error, location)).toMatchObject({
      code: 'transient',
      message: `The object store s3://dyi/prod/ at http://store:9000 answered ${status} ${name}; retry later.`,
      cause: error,
    });
  });

  it.each([
    ['QuotaExceeded', 403],
    ['XMinioStorageFull', 507],
    ['InsufficientStorage', 507],
  ])('makes %s a full store', (name, status) => {
    expect(fromS3Error(answered(name, status), location)).toMatchObject({
      code: 'storage_full',
      location: 's3://dyi/prod/ at http://store:9000',
    });
  });

  it.each(['SignatureDoesNotMatch', 'InvalidAccessKeyId', 'AccessDenied'])(
    'makes %s a configuration error naming the keys to check',
    (name) => {
      expect(fromS3Error(answered(name, 403), location)).toMatchObject({
        code: 'configuration',
        message: expect.stringContaining('check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'),
      });
    },
  );

  it('makes a missing bucket a configuration error naming the bucket and the settings', () => {
    expect(fromS3Error(answered('NoSuchBucket', 404), location)).toMatchObject({
      code: 'configuration',
      message: expect.stringMatching(/'dyi' does not exist at http:\/\/store:9000.*DYI_BLOB_STORE/),
    });
  });

  it('makes a refused connection transient, naming DYI_S3_ENDPOINT', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), {
      code: 'ECONNREFUSED',
    });
    expect(fromS3Error(refused, location)).toMatchObject({
      code: 'transient',
      message: expect.stringContaining(
        'could not be reached (ECONNREFUSED): check DYI_S3_ENDPOINT',
      ),
    });
  });

  it('passes aborts, missing keys and errors of ours through unchanged', () => {
    const abort = new DOMException('aborted', 'AbortError');
    const missing = answered('NoSuchKey', 404);
    const plain = new Error('source failed');
    expect(fromS3Error(abort, location)).toBe(abort);
    expect(fromS3Error(missing, location)).toBe(missing);
    expect(fromS3Error(plain, location)).toBe(plain);
  });
});
