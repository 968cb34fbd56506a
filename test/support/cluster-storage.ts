/**
 * @module
 * Where a test cluster keeps its data, chosen by `DYI_TEST_SCALE_OUT`:
 * - unset or `sqlite` (the default): one SQLite data dir shared by every process (WAL, busy
 *   timeout), blobs in its `blobs/` folder;
 * - `s3`: the same shared SQLite data dir, blobs in a fresh bucket of the run's S3 store;
 * - `postgres`: a fresh PostgreSQL database (`postgres.ts`) and a fresh bucket: the issue's
 *   deployment.
 * The S3 store is OpenStack Swift (`swift.ts`: DYI_TEST_S3_ENDPOINT names a running one,
 * otherwise the run starts one). A missing service skips the tests with the reason, and fails
 * them under DYI_REQUIRE_SERVICES=1. Every process of the cluster, and every CLI command run on
 * its data, gets `dataDir` and `env`; `fill` puts a seeded embedded data dir's content there.
 */
import { mkdtemp, readFile, rm, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { listObjects } from '../../src/adapters/s3/s3-listing.js';
import { runDyi } from './dyi-cli.js';
import { filesUnder, tempBlobsOnDisk } from './export-scenarios.js';
import { postgresOrSkip, type TestDatabase } from './postgres.js';
import { swiftSkipReason, testSwift } from './swift.js';

export type ScaleOutKind = 'sqlite' | 's3' | 'postgres';

/** The kind of storage `DYI_TEST_SCALE_OUT` asks for. */
export const SCALE_OUT: ScaleOutKind = scaleOutKind(process.env.DYI_TEST_SCALE_OUT);

function scaleOutKind(value: string | undefined): ScaleOutKind {
  if (value === undefined || value === '' || value === 'sqlite') return 'sqlite';
  if (value === 's3' || value === 'postgres') return value;
  throw new Error(`DYI_TEST_SCALE_OUT is sqlite (the default), s3 or postgres, not "${value}"`);
}

export interface ClusterStorage {
  /** `--data-dir` of every process: the SQLite file and blobs, or a scratch dir. */
  readonly dataDir: string;
  /** Environment of every process: `DYI_DATABASE_URL`, `DYI_BLOB_STORE` and the S3 settings. */
  readonly env: Readonly<Record<string, string>>;
  /** Puts the content of the embedded data dir `from` here (ids kept). */
  fill(from: string): Promise<void>;
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
  const noSwift = SCALE_OUT === 'sqlite' ? undefined : await swiftSkipReason();
  if (noSwift !== undefined) {
    ctx.skip(noSwift);
    return undefined;
  }
  const database = SCALE_OUT === 'postgres' ? await postgresOrSkip(ctx) : undefined;
  if (SCALE_OUT === 'postgres' && !database) return undefined;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-cluster-'));
  const bucket = SCALE_OUT === 'sqlite' ? undefined : await testBucket();
  const env = {
    // Sized as an operator would for the test server's max_connections (100): two clusters run
    // at once, each of 6 runtimes (2 API processes, 2 workers with a thread each) holding at
    // most 2 + 5 connections (docs/deployment.md#connections).
    ...(database && { DYI_DATABASE_URL: database.url, DYI_DATABASE_POOL_SIZE: '2' }),
    ...bucket?.env,
  };
  return {
    dataDir,
    env,
    fill: (from) => fill(from, { dataDir, database, bucket }),
    blobKeysUnder: (prefix) =>
      bucket ? bucket.keysUnder(prefix) : filesUnder(path.join(dataDir, 'blobs', prefix)),
    unfinishedWrites: () => (bucket ? Promise.resolve([]) : tempBlobsOnDisk(dataDir)),
    async remove() {
      await bucket?.remove();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** SQLite: a copy of the data dir (and its blobs uploaded to S3); PostgreSQL: `dyi copy`. */
async function fill(
  from: string,
  to: { dataDir: string; database: TestDatabase | undefined; bucket: TestBucket | undefined },
): Promise<void> {
  const { dataDir, database, bucket } = to;
  if (!database) {
    await cp(from, dataDir, { recursive: true });
    await bucket?.upload(path.join(from, 'blobs'));
    return;
  }
  const { DYI_BLOB_STORE: blobStore = '', ...s3 } = bucket?.env ?? {};
  const args = ['copy', '--data-dir', from, '--to', database.url, '--to-blobs', blobStore];
  const run = await runDyi(args, { DYI_LOG_LEVEL: 'silent', ...s3 });
  if (run.code !== 0) throw new Error(`dyi ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
}

/** The prefix of every key the cluster writes in its bucket. */
const BUCKET_PREFIX = 'dyi';

interface TestBucket {
  readonly env: Record<string, string>;
  keysUnder(prefix: string): Promise<string[]>;
  /** Puts every blob of a data dir's `blobs/` folder (temp files left out) in the bucket. */
  upload(blobDir: string): Promise<void>;
  remove(): Promise<void>;
}

/** A new bucket on the run's S3 store, and the settings that make processes use it. */
async function testBucket(): Promise<TestBucket> {
  const s3 = await testSwift();
  const bucket = await s3.createBucket();
  const withClient = async <T>(work: (client: S3Client) => Promise<T>): Promise<T> => {
    const client = s3.client();
    try {
      return await work(client);
    } finally {
      client.destroy();
    }
  };
  return {
    env: {
      DYI_BLOB_STORE: `s3://${bucket}/${BUCKET_PREFIX}`,
      DYI_S3_ENDPOINT: s3.endpoint,
      DYI_S3_REGION: s3.region,
      DYI_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    },
    keysUnder: (prefix) =>
      withClient(async (client) => {
        const full = `${BUCKET_PREFIX}/${prefix}`;
        const keys: string[] = [];
        for await (const object of listObjects(client, bucket, full)) {
          keys.push(object.key.slice(full.length));
        }
        return keys.sort();
      }),
    upload: (blobDir) =>
      withClient(async (client) => {
        for (const key of await filesUnder(blobDir)) {
          if (key.startsWith('.')) continue;
          const body = await readFile(path.join(blobDir, key));
          await client.send(
            new PutObjectCommand({ Bucket: bucket, Key: `${BUCKET_PREFIX}/${key}`, Body: body }),
          );
        }
      }),
    remove: () => s3.removeBucket(bucket),
  };
}
