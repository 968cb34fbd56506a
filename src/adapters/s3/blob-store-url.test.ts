/**
 * @module
 * `DYI_BLOB_STORE` values as an operator writes them, and the messages a wrong one gets.
 */
import { describe, expect, it } from 'vitest';
import { parseBlobStoreUrl } from './blob-store-url.js';

describe('parseBlobStoreUrl', () => {
  it.each([
    ['s3://dyi-blobs', { bucket: 'dyi-blobs', prefix: '' }],
    ['s3://dyi-blobs/', { bucket: 'dyi-blobs', prefix: '' }],
    ['s3://dyi-blobs/prod', { bucket: 'dyi-blobs', prefix: 'prod/' }],
    ['s3://dyi-blobs/prod/', { bucket: 'dyi-blobs', prefix: 'prod/' }],
    [
      's3://my.bucket.01/team-a/dyi_export',
      { bucket: 'my.bucket.01', prefix: 'team-a/dyi_export/' },
    ],
  ])('reads %s', (value, expected) => {
    expect(parseBlobStoreUrl(value)).toEqual(expected);
  });

  it.each([
    'dyi-blobs',
    'https://dyi-blobs/prefix',
    's3://',
    's3://ab',
    's3://Upper/prefix',
    's3://bucket..name',
    's3://-bucket',
    's3://bucket?versionId=1',
  ])('refuses %j as no S3 location, saying how to write one', (value) => {
    expect(() => parseBlobStoreUrl(value)).toThrow(
      expect.objectContaining({
        code: 'configuration',
        message: expect.stringContaining('write s3://bucket or s3://bucket/prefix'),
      }),
    );
  });

  it.each(['s3://bucket/Prod', 's3://bucket/a//b', 's3://bucket/.hidden', 's3://bucket/a b'])(
    'refuses the prefix of %j, naming it',
    (value) => {
      expect(() => parseBlobStoreUrl(value)).toThrow(
        expect.objectContaining({
          code: 'configuration',
          message: expect.stringContaining('prefix'),
        }),
      );
    },
  );
});
