/**
 * @module
 * The scale-out settings as an operator types them: where the database and the blobs live,
 * and what a wrong value is told.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig: where data lives', () => {
  it('keeps everything in the data dir by default', () => {
    const config = loadConfig({ DYI_DATA_DIR: 'some/dir' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.blobStore).toEqual({
      kind: 'local-disk',
      root: path.resolve('some/dir', 'blobs'),
    });
    expect(config.downloadUrls).toBe('api');
  });

  it('takes PostgreSQL and an S3 bucket with its endpoint and credentials', () => {
    const config = loadConfig({
      DYI_DATABASE_URL: 'postgres://dyi:secret@db.internal:5432/dyi',
      DYI_BLOB_STORE: 's3://dyi-archives/prod/eu/',
      DYI_S3_ENDPOINT: 'http://127.0.0.1:9000/',
      DYI_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'test:tester',
      AWS_SECRET_ACCESS_KEY: 'testing',
      DYI_DOWNLOAD_URLS: 'presigned',
    });
    expect(config.databaseUrl).toBe('postgres://dyi:secret@db.internal:5432/dyi');
    expect(config.blobStore).toEqual({
      kind: 's3',
      bucket: 'dyi-archives',
      prefix: 'prod/eu/',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test:tester', secretAccessKey: 'testing' },
    });
    expect(config.downloadUrls).toBe('presigned');
  });

  it('lets a flag choose the database over the environment', () => {
    const config = loadConfig(
      { DYI_DATABASE_URL: 'postgres://a@h/one' },
      { databaseUrl: 'postgresql://b@h/two' },
    );
    expect(config.databaseUrl).toBe('postgresql://b@h/two');
  });

  it("takes the workers' job lease in milliseconds, 10 s by default", () => {
    expect(loadConfig({}).jobLeaseMs).toBe(10_000);
    expect(loadConfig({ DYI_JOB_LEASE_MS: '3000' }).jobLeaseMs).toBe(3_000);
  });

  it('takes the PostgreSQL pool size of a process, 10 by default', () => {
    expect(loadConfig({}).databasePoolSize).toBe(10);
    expect(loadConfig({ DYI_DATABASE_POOL_SIZE: '4' }).databasePoolSize).toBe(4);
  });

  it.each([
    [{ DYI_JOB_LEASE_MS: '500' }, /jobLeaseMs:/],
    [{ DYI_DATABASE_POOL_SIZE: '1' }, /databasePoolSize: .*>=2/],
    [{ DYI_DATABASE_POOL_SIZE: 'ten' }, /databasePoolSize: .*number/],
    [{ DYI_DATABASE_URL: 'mysql://root@h/db' }, /databaseUrl: expected a PostgreSQL URL/],
    [
      { DYI_BLOB_STORE: 's3://Bad_Bucket' },
      /DYI_BLOB_STORE='s3:\/\/Bad_Bucket' is not an S3 location: write s3:\/\/bucket or s3:\/\/bucket\/prefix/,
    ],
    [{ DYI_BLOB_STORE: '/var/blobs' }, /is not an S3 location/],
    [{ DYI_S3_FORCE_PATH_STYLE: 'maybe' }, /s3ForcePathStyle: expected true or false/],
    [{ DYI_DOWNLOAD_URLS: 'direct' }, /downloadUrls:/],
    [{ DYI_DOWNLOAD_URLS: 'presigned' }, /presigned download URLs need an S3 blob store/],
    [
      { DYI_BLOB_STORE: 's3://bucket', AWS_ACCESS_KEY_ID: 'only-the-id' },
      /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together/,
    ],
  ])('refuses %o with a message saying what is allowed', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('loadConfig: retention', () => {
  it('keeps files 30 days by default, at most 365, and sweeps every 5 minutes', () => {
    const config = loadConfig({});
    expect(config.retentionDays).toBe(30);
    expect(config.retentionMaxDays).toBe(365);
    expect(config.retentionSweepSeconds).toBe(300);
  });

  it('takes 0 for "until deleted", and refuses a default above the maximum', () => {
    expect(loadConfig({ DYI_RETENTION_DAYS: '0' }).retentionDays).toBe(0);
    expect(() => loadConfig({ DYI_RETENTION_DAYS: '400' })).toThrow(
      /DYI_RETENTION_DAYS \(400\) is more than DYI_RETENTION_MAX_DAYS \(365\)/,
    );
    expect(() => loadConfig({ DYI_RETENTION_DAYS: 'a month' })).toThrow(/retentionDays/);
  });
});

describe('loadConfig: health and metrics', () => {
  it('serves no metrics and no detail by default, and wants 256 MiB free for readiness', () => {
    const config = loadConfig({});
    expect(config.metricsPort).toBeUndefined();
    expect(config.metricsToken).toBeUndefined();
    expect(config.metricsHost).toBe('127.0.0.1');
    expect(config.healthDetail).toBe(false);
    expect(config.readyMinFreeBytes).toBe(256 * 1024 * 1024);
  });

  it('takes a metrics port, a bearer secret, detail and a free-space threshold', () => {
    const config = loadConfig({
      DYI_METRICS_PORT: '9464',
      DYI_METRICS_TOKEN: 'a-long-enough-secret',
      DYI_HEALTH_DETAIL: 'yes',
      DYI_READY_MIN_FREE_BYTES: '0',
    });
    expect(config.metricsPort).toBe(9464);
    expect(config.metricsToken).toBe('a-long-enough-secret');
    expect(config.healthDetail).toBe(true);
    expect(config.readyMinFreeBytes).toBe(0);
  });

  it('refuses a short or spaced secret and a port out of range, saying what is allowed', () => {
    expect(() => loadConfig({ DYI_METRICS_TOKEN: 'short' })).toThrow(
      /metricsToken: expected a secret of at least 16 characters/,
    );
    expect(() => loadConfig({ DYI_METRICS_TOKEN: 'has spaces in the secret' })).toThrow(
      /metricsToken: expected printable ASCII without spaces/,
    );
    expect(() => loadConfig({ DYI_METRICS_PORT: '70000' })).toThrow(/metricsPort/);
    expect(() => loadConfig({ DYI_READY_MIN_FREE_BYTES: '-1' })).toThrow(/readyMinFreeBytes/);
  });
});
