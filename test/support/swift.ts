/**
 * @module
 * An S3-compatible store for tests: OpenStack Swift with its `s3api` middleware, a real server
 * that checks signatures, presigned-URL expiry and credentials. DYI_TEST_S3_ENDPOINT (with
 * DYI_TEST_S3_ACCESS_KEY_ID and DYI_TEST_S3_SECRET_ACCESS_KEY) points at a running one;
 * otherwise the first test file that asks starts one for the whole `vitest run` with
 * `scripts/swift-server.sh` (about 10 to 30 s), and the global setup stops it at the end.
 * Tests skip and say why when Swift is not installed, and fail instead under
 * DYI_REQUIRE_SERVICES=1, as CI sets. Each test file gets a fresh bucket, removed after.
 */
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import {
  deleteObjects,
  listMultipartUploads,
  listObjects,
} from '../../src/adapters/s3/s3-listing.js';
import { SWIFT_SCRIPT } from './swift-global-setup.js';

const REQUIRE_SERVICES = process.env.DYI_REQUIRE_SERVICES === '1';
const GIVEN_ENDPOINT = process.env.DYI_TEST_S3_ENDPOINT;
/** How long a test file waits for Swift to start (CI machines under load are slow). */
export const SWIFT_START_TIMEOUT_MS = 180_000;

export interface TestS3 {
  readonly endpoint: string;
  readonly region: string;
  readonly forcePathStyle: true;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** A client with the settings Swift needs, for checks that go around the store. */
  client(): S3Client;
  /** Creates an empty bucket with a fresh name. */
  createBucket(): Promise<string>;
  /** Empties (objects, unfinished uploads) and removes a bucket. */
  removeBucket(bucket: string): Promise<void>;
}

/** Why no Swift can be used here, or undefined when one can (given or installed). */
export async function whyNoSwift(): Promise<string | undefined> {
  if (GIVEN_ENDPOINT !== undefined) return undefined;
  const dirs = (process.env.PATH ?? '').split(path.delimiter);
  for (const dir of dirs) {
    if (
      await access(path.join(dir, 'swift-proxy-server')).then(
        () => true,
        () => false,
      )
    ) {
      return undefined;
    }
  }
  return 'OpenStack Swift is not installed (apt-get install -y swift swift-proxy swift-account swift-container swift-object), and DYI_TEST_S3_ENDPOINT is not set';
}

/**
 * Why the S3 tests of this file must skip (undefined: they can run); under
 * DYI_REQUIRE_SERVICES=1 a missing Swift throws instead. Fast: it starts nothing.
 */
export async function swiftSkipReason(): Promise<string | undefined> {
  const why = await whyNoSwift();
  if (why !== undefined && REQUIRE_SERVICES) throw new Error(`DYI_REQUIRE_SERVICES=1 but ${why}`);
  return why;
}

/** The run's Swift (given, or started on first use), for a test file's `beforeAll`. */
export async function testSwift(): Promise<TestS3> {
  return testS3(GIVEN_ENDPOINT ?? (await startedSwift()));
}

let started: Promise<string> | undefined;

/** The endpoint of the run's Swift: this process starts it, or waits for the one that does. */
function startedSwift(): Promise<string> {
  started ??= (async () => {
    const runDir = inject('swiftRunDir');
    const result = path.join(runDir, 'result.json');
    // mkdir is atomic: exactly one test process of the run wins and starts Swift.
    const isStarter = await mkdir(path.join(runDir, 'lock')).then(
      () => true,
      () => false,
    );
    if (isStarter) {
      const outcome = await promisify(execFile)(
        'bash',
        [SWIFT_SCRIPT, 'start', path.join(runDir, 'swift')],
        { timeout: SWIFT_START_TIMEOUT_MS - 10_000 },
      ).then(
        ({ stdout }) => ({ endpoint: stdout.trim() }),
        (error: Error & { stderr?: string }) => ({
          error: `${error.message}\n${error.stderr ?? ''}`,
        }),
      );
      // Renamed into place, so that a waiting process never reads half of it.
      await writeFile(`${result}.tmp`, JSON.stringify(outcome));
      await rename(`${result}.tmp`, result);
    }
    const deadline = Date.now() + SWIFT_START_TIMEOUT_MS;
    for (;;) {
      const text = await readFile(result, 'utf8').catch(() => undefined);
      if (text !== undefined) {
        const outcome = JSON.parse(text) as { endpoint?: string; error?: string };
        if (outcome.endpoint !== undefined) return outcome.endpoint;
        throw new Error(`OpenStack Swift did not start: ${outcome.error ?? 'no reason given'}`);
      }
      if (Date.now() > deadline) throw new Error('OpenStack Swift did not start in time');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return started;
}

function testS3(endpoint: string): TestS3 {
  const credentials = {
    accessKeyId: process.env.DYI_TEST_S3_ACCESS_KEY_ID ?? 'test:tester',
    secretAccessKey: process.env.DYI_TEST_S3_SECRET_ACCESS_KEY ?? 'testing',
  };
  // The product's S3 adapter quiets the SDK's notice about Node 20's end of support; so do
  // the tests' own clients.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const client = (): S3Client =>
    new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  return {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    client,
    async createBucket() {
      const bucket = `dyi-test-${randomBytes(6).toString('hex')}`;
      const s3 = client();
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } finally {
        s3.destroy();
      }
      return bucket;
    },
    async removeBucket(bucket) {
      const s3 = client();
      try {
        for await (const upload of listMultipartUploads(s3, bucket, '')) {
          await s3.send(
            new AbortMultipartUploadCommand({
              Bucket: bucket,
              Key: upload.key,
              UploadId: upload.uploadId,
            }),
          );
        }
        const keys: string[] = [];
        for await (const object of listObjects(s3, bucket, '')) keys.push(object.key);
        for (let start = 0; start < keys.length; start += 1000) {
          await deleteObjects(s3, bucket, keys.slice(start, start + 1000));
        }
        await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      } finally {
        s3.destroy();
      }
    },
  };
}
