/**
 * @module
 * Where a test cluster keeps its data, chosen by `DYI_TEST_SCALE_OUT`:
 * - unset (the default): one SQLite data dir shared by every process (WAL, busy timeout), blobs
 *   in its `blobs/` folder;
 * - `postgres`: a fresh PostgreSQL database (`test/support/postgres.ts`; skipped without a
 *   server, failing under DYI_REQUIRE_SERVICES=1), and, when `DYI_TEST_S3_ENDPOINT` is set, a
 *   fresh bucket on that S3 endpoint (path style; credentials `DYI_TEST_S3_ACCESS_KEY_ID` and
 *   `DYI_TEST_S3_SECRET_ACCESS_KEY`, by default Swift's `test:tester` / `testing`); blobs stay in
 *   the data dir otherwise.
 * Every process of the cluster (and the CLI commands that seed it) gets `env` and `dataDir`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { filesUnder, tempBlobsOnDisk } from './export-scenarios.js';
import { postgresOrSkip } from './postgres.js';

export type ScaleOutKind = 'sqlite' | 'postgres';

/** The kind of storage `DYI_TEST_SCALE_OUT` asks for. */
export const SCALE_OUT: ScaleOutKind =
  process.env.DYI_TEST_SCALE_OUT === 'postgres' ? 'postgres' : 'sqlite';

export interface ClusterStorage {
  /** What it is, for test names and messages: `sqlite`, `postgres + local disk`, `postgres + s3`. */
  readonly description: string;
  /** `--data-dir` of every process: the SQLite file and blobs, or a scratch dir. */
  readonly dataDir: string;
  /** Environment of every process: `DYI_DATABASE_URL`, `DYI_BLOB_STORE` and the S3 settings. */
  readonly env: Readonly<Record<string, string>>;
  /** The keys of every blob under `prefix` (such as `exports/<id>/`), relative to it, sorted. */
  blobKeysUnder(prefix: string): Promise<string[]>;
  /**
   * Writes begun and not finished: temp files in the blob dir (named with their writer's PID);
   * on S3 none are listed (an unfinished multipart upload is no object).
   */
  unfinishedWrites(): Promise<string[]>;
  /** Removes the data dir, the database and the bucket. */
  remove(): Promise<void>;
}

/**
 * A fresh storage location of the kind `DYI_TEST_SCALE_OUT` asks for; undefined (with the
 * tests skipped through `ctx`) when that needs a service that is not there.
 */
export async function clusterStorage(ctx: {
  skip(note?: string): void;
}): Promise<ClusterStorage | undefined> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-cluster-'));
  const onDisk = (prefix: string): Promise<string[]> =>
    filesUnder(path.join(dataDir, 'blobs', prefix));
  const removeDir = (): Promise<void> => rm(dataDir, { recursive: true, force: true });
  const tempOnDisk = (): Promise<string[]> => tempBlobsOnDisk(dataDir);
  if (SCALE_OUT === 'sqlite') {
    return {
      description: 'sqlite',
      dataDir,
      env: {},
      blobKeysUnder: onDisk,
      unfinishedWrites: tempOnDisk,
      remove: removeDir,
    };
  }
  const database = await postgresOrSkip(ctx);
  if (!database) {
    await removeDir();
    return undefined;
  }
  const bucket = process.env.DYI_TEST_S3_ENDPOINT ? await testBucket() : undefined;
  return {
    description: `postgres + ${bucket ? 's3' : 'local disk'}`,
    dataDir,
    env: { DYI_DATABASE_URL: database.url, ...bucket?.env },
    blobKeysUnder: bucket ? (prefix) => bucket.keysUnder(prefix) : onDisk,
    unfinishedWrites: bucket ? () => Promise.resolve([]) : tempOnDisk,
    async remove() {
      await bucket?.remove();
      await database.drop();
      await removeDir();
    },
  };
}

/** The prefix of every key the cluster writes in its bucket. */
const BUCKET_PREFIX = 'dyi';

interface TestBucket {
  readonly env: Record<string, string>;
  keysUnder(prefix: string): Promise<string[]>;
  remove(): Promise<void>;
}

/** A new bucket on `DYI_TEST_S3_ENDPOINT`, and the settings that make processes use it. */
async function testBucket(): Promise<TestBucket> {
  const endpoint = process.env.DYI_TEST_S3_ENDPOINT as string;
  const accessKeyId = process.env.DYI_TEST_S3_ACCESS_KEY_ID ?? 'test:tester';
  const secretAccessKey = process.env.DYI_TEST_S3_SECRET_ACCESS_KEY ?? 'testing';
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId, secretAccessKey },
    // Swift answers 501 to aws-chunked uploads.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const bucket = `dyi-test-${randomBytes(6).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const keysUnder = async (prefix: string): Promise<string[]> => {
    const full = `${BUCKET_PREFIX}/${prefix}`;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: full, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) keys.push((object.Key ?? '').slice(full.length));
      token = page.NextContinuationToken;
    } while (token !== undefined);
    return keys.sort();
  };
  return {
    env: {
      DYI_BLOB_STORE: `s3://${bucket}/${BUCKET_PREFIX}`,
      DYI_S3_ENDPOINT: endpoint,
      DYI_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: accessKeyId,
      AWS_SECRET_ACCESS_KEY: secretAccessKey,
    },
    keysUnder,
    async remove() {
      // One by one: Swift's DeleteObjects wants a Content-MD5 the SDK no longer sends.
      for (const key of await keysUnder('')) {
        await client.send(
          new DeleteObjectCommand({ Bucket: bucket, Key: `${BUCKET_PREFIX}/${key}` }),
        );
      }
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    },
  };
}
