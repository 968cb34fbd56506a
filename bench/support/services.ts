/**
 * @module
 * The real services a scale-out bench runs on: a fresh PostgreSQL database on the machine's
 * server (the tests' `createTestDatabase`, 127.0.0.1:5432 or DYI_TEST_POSTGRES_URL), dropped at
 * clean-up; and a one-node OpenStack Swift with its S3 API started by
 * `scripts/swift-server.sh` in the bench's scratch directory, with one bucket, stopped (by the
 * pids the script wrote) at clean-up. Both register their clean-up with the scratch dir's
 * `atCleanUp`, so they go away however the bench ends.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '../../test/support/postgres.js';
import { timed } from './child-process.js';

const SWIFT_SCRIPT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../scripts/swift-server.sh',
);
/** Swift takes 10 to 30 s to start here, longer on a loaded machine. */
const SWIFT_TIMEOUT_MS = 180_000;
export const SWIFT_ACCESS_KEY_ID = 'test:tester';
export const SWIFT_SECRET_ACCESS_KEY = 'testing';

type AtCleanUp = (step: () => unknown) => void;

/** A fresh, empty database; its URL. Dropped at clean-up. */
export async function benchDatabase(atCleanUp: AtCleanUp): Promise<string> {
  const database = await createTestDatabase('dyi_bench');
  atCleanUp(() => database.drop());
  return database.url;
}

export interface BenchS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** The environment naming this bucket as the blob store, as a deployment would set it. */
  readonly env: Readonly<Record<string, string>>;
}

/** Starts Swift with its data in `<dir>/swift` and makes the bucket `bench`. */
export async function benchSwift(dir: string, atCleanUp: AtCleanUp): Promise<BenchS3> {
  const swiftDir = path.join(dir, 'swift');
  atCleanUp(() => timed('bash', [SWIFT_SCRIPT, 'stop', swiftDir], { timeoutMs: 60_000 }));
  const started = await timed('bash', [SWIFT_SCRIPT, 'start', swiftDir], {
    timeoutMs: SWIFT_TIMEOUT_MS,
  });
  const endpoint = started.stdout.trim().split('\n').pop() ?? '';
  if (started.code !== 0 || !endpoint.startsWith('http')) {
    throw new Error(`Swift did not start (exit ${started.code}): ${started.stderr}`);
  }
  const bucket = 'bench';
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: SWIFT_ACCESS_KEY_ID, secretAccessKey: SWIFT_SECRET_ACCESS_KEY },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    bucket,
    env: {
      DYI_BLOB_STORE: `s3://${bucket}/dyi`,
      DYI_S3_ENDPOINT: endpoint,
      DYI_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: SWIFT_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SWIFT_SECRET_ACCESS_KEY,
    },
  };
}
