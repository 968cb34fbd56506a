/**
 * @module
 * Runs the shared BlobStore contract on a real S3-compatible server (OpenStack Swift with
 * `s3api`, started once per test run by test/support/swift.ts), one bucket per file and one
 * prefix per test, then checks what only the S3 store promises: the objects it writes, a
 * multipart upload streamed and verified end to end, no unfinished upload left by a failed
 * put, presigned URLs that work until they expire, clean-up of abandoned uploads, sweepers'
 * markers, and clear errors for wrong credentials, a missing bucket or an unreachable store.
 */
import {
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runBlobStoreContract } from '../../ports/blob-store.contract.js';
import {
  SWIFT_START_TIMEOUT_MS,
  swiftSkipReason,
  testSwift,
  type TestS3,
} from '../../../test/support/swift.js';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.js';
import { deleteObjects, listMultipartUploads, listObjects } from './s3-listing.js';

const MIB = 1024 * 1024;
const skipReason = await swiftSkipReason();

let s3: TestS3;
let bucket: string;
let client: S3Client;
let prefixes = 0;

/** Options for a store on the test bucket under a prefix of its own. */
function storeOptions(overrides: Partial<S3BlobStoreOptions> = {}): S3BlobStoreOptions {
  prefixes += 1;
  return {
    bucket,
    prefix: `t${prefixes}-${randomBytes(3).toString('hex')}/`,
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: s3.credentials,
    ...overrides,
  };
}

async function objectKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of listObjects(client, bucket, prefix)) keys.push(object.key);
  return keys.sort();
}

async function uploadsUnder(prefix: string): Promise<unknown[]> {
  const uploads = [];
  for await (const upload of listMultipartUploads(client, bucket, prefix)) uploads.push(upload);
  return uploads;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** A process that puts an endless stream into the store whose options are argv[1]. */
const NEVER_ENDING_PUT = `
const { S3BlobStore } = await import(${JSON.stringify(path.resolve(import.meta.dirname, 's3-blob-store.ts'))});
const store = new S3BlobStore(JSON.parse(process.argv[1]));
await store.init();
async function* endless() {
  for (;;) {
    yield Buffer.alloc(1024 * 1024, 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
await store.put('exports/1/2/3', endless());
`;

async function removePrefix(prefix: string): Promise<void> {
  const keys = await objectKeys(prefix);
  if (keys.length > 0) await deleteObjects(client, bucket, keys);
}

if (skipReason !== undefined) {
  describe('S3BlobStore', () => {
    it('runs against OpenStack Swift', (ctx) => ctx.skip(skipReason));
  });
} else {
  beforeAll(async () => {
    s3 = await testSwift();
    bucket = await s3.createBucket();
    client = s3.client();
  }, SWIFT_START_TIMEOUT_MS);

  afterAll(async () => {
    await s3.removeBucket(bucket);
    client.destroy();
  });

  runBlobStoreContract('S3 (OpenStack Swift)', () => {
    const options = storeOptions();
    return Promise.resolve({
      store: new S3BlobStore(options),
      cleanup: () => removePrefix(options.prefix),
    });
  });

  describe('S3BlobStore on Swift', () => {
    let options: S3BlobStoreOptions;
    let store: S3BlobStore;

    beforeEach(async () => {
      options = storeOptions();
      store = new S3BlobStore(options);
      await store.init();
    });

    afterEach(async () => {
      await store.close();
      await removePrefix(options.prefix);
    });

    it('writes one object per blob under its prefix, and nothing else', async () => {
      await store.put('exports/1/2/3', Readable.from([Buffer.from('hello')]));
      await store.put('media/1/aa', Readable.from([Buffer.from('media')]));
      expect(await store.deleteIfUnusedSince('media/1/aa', Date.now() + 60_000)).toBe(5);
      expect(await store.touch('exports/1/2/3')).toBe(true);
      expect(await objectKeys('')).toContain(`${options.prefix}exports/1/2/3`);
      expect(await objectKeys(options.prefix)).toEqual([`${options.prefix}exports/1/2/3`]);
    });

    it('streams a 20 MiB blob as a multipart upload, byte-exact with its sha256', async () => {
      const hash = createHash('sha256');
      function* produce(): Generator<Buffer> {
        for (let i = 0; i < 20; i += 1) {
          const chunk = randomBytes(MIB);
          hash.update(chunk);
          yield chunk;
        }
      }
      const stored = await store.put('exports/1/2/big', Readable.from(produce()));
      const expected = hash.digest('hex');
      expect(stored).toEqual({ size: 20 * MIB, sha256: expected });
      const head = await client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: `${options.prefix}exports/1/2/big` }),
      );
      // A multipart object's ETag ends with its part count: 20 MiB in 8 MiB parts.
      expect(head.ETag).toMatch(/-3"$/);
      const read = createHash('sha256');
      let size = 0;
      for await (const chunk of await store.openRead('exports/1/2/big')) {
        read.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      expect({ size, sha256: read.digest('hex') }).toEqual(stored);
      // Touching copies the object onto itself inside the store: the bytes stay the same.
      expect(await store.touch('exports/1/2/big')).toBe(true);
      const again = createHash('sha256');
      for await (const chunk of await store.openRead('exports/1/2/big'))
        again.update(chunk as Buffer);
      expect(again.digest('hex')).toBe(expected);
    });

    it('refuses a range that starts past the end of the blob', async () => {
      await store.put('exports/1/2/3', Readable.from([Buffer.from('0123456789')]));
      await expect(store.openRead('exports/1/2/3', { start: 10, end: 20 })).rejects.toMatchObject({
        code: 'validation',
        parameter: 'range',
      });
    });

    it('aborts the multipart upload of a put whose source fails', async () => {
      function* failing(): Generator<Buffer> {
        yield randomBytes(9 * MIB);
        yield randomBytes(9 * MIB);
        throw new Error('source failed');
      }
      await expect(store.put('exports/1/2/broken', Readable.from(failing()))).rejects.toThrow(
        'source failed',
      );
      const left = [];
      for await (const upload of listMultipartUploads(client, bucket, options.prefix)) {
        left.push(upload);
      }
      expect(left).toEqual([]);
      expect(await store.stat('exports/1/2/broken')).toBeUndefined();
    });

    it('gives presigned GET URLs that work until they expire, and not when tampered with', async () => {
      const bytes = randomBytes(50_000);
      await store.put('exports/1/2/3', Readable.from([bytes]));
      const url = await store.presignedGetUrl('exports/1/2/3', 60, { fileName: 'part 1.zip' });
      const answer = await fetch(url);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-disposition')).toBe('attachment; filename="part 1.zip"');
      expect(Buffer.from(await answer.arrayBuffer()).equals(bytes)).toBe(true);

      const ranged = await fetch(url, { headers: { range: 'bytes=10-19' } });
      expect(ranged.status).toBe(206);
      expect(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(10, 20))).toBe(true);

      const tampered = url.replace('exports/1/2/3', 'exports/1/2/4');
      expect((await fetch(tampered)).status).toBe(403);
      const longer = url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=86400');
      expect((await fetch(longer)).status).toBe(403);

      const shortLived = await store.presignedGetUrl('exports/1/2/3', 1);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect((await fetch(shortLived)).status).toBe(403);
    });

    it('aborts an upload no part reached for the abandoned age, not one still sent parts', async () => {
      await store.close();
      store = new S3BlobStore({ ...options, abandonedWriteAgeMs: 1500 });
      await store.init();
      const key = `${options.prefix}exports/1/2/3`;
      const { UploadId } = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }),
      );
      // Store times have whole seconds: each wait passes the age whichever way they round.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      // Begun before the age, but a part arrived since: its writer is alive.
      await client.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId,
          PartNumber: 1,
          Body: Buffer.alloc(1000),
        }),
      );
      expect(await store.removeAbandonedWrites()).toEqual({ count: 0, bytes: 0 });
      await new Promise((resolve) => setTimeout(resolve, 2600));
      expect(await store.removeAbandonedWrites()).toEqual({ count: 1, bytes: 1000 });
      const left = [];
      for await (const upload of listMultipartUploads(client, bucket, options.prefix)) {
        left.push(upload);
      }
      expect(left).toEqual([]);
    });

    it('leaves only an unfinished upload when its writer is killed, which clean-up aborts', async () => {
      const writer = spawn(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', NEVER_ENDING_PUT, JSON.stringify(options)],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      try {
        await until(async () => (await uploadsUnder(options.prefix)).length > 0);
      } finally {
        writer.kill('SIGKILL');
      }
      await once(writer, 'exit');
      expect(await store.stat('exports/1/2/3')).toBeUndefined();
      expect(await objectKeys(options.prefix)).toEqual([]);
      await store.close();
      store = new S3BlobStore({ ...options, abandonedWriteAgeMs: 0 });
      await store.init();
      // Store times have whole seconds: past the next one, every part is older than "now".
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const removed = await store.removeAbandonedWrites();
      expect(removed.count).toBe(1);
      expect(removed.bytes % (8 * MIB)).toBe(0);
      expect(await uploadsUnder(options.prefix)).toEqual([]);
    }, 30_000);

    it('makes a touch wait for a sweeper holding its marker, and answer what it left', async () => {
      await store.put('media/1/aa', Readable.from([Buffer.from('kept')]));
      await store.put('media/1/bb', Readable.from([Buffer.from('removed')]));
      const marker = (key: string) => `${options.prefix}.cleanup/${key}/another-sweeper`;
      for (const key of ['media/1/aa', 'media/1/bb']) {
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: marker(key), Body: '', ContentLength: 0 }),
        );
      }
      const kept = store.touch('media/1/aa');
      const removed = store.touch('media/1/bb');
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The "sweeper" keeps aa and deletes bb, then lets go of both markers.
      await deleteObjects(client, bucket, [`${options.prefix}media/1/bb`]);
      await deleteObjects(client, bucket, [marker('media/1/aa'), marker('media/1/bb')]);
      expect(await kept).toBe(true);
      expect(await removed).toBe(false);
      expect(await store.stat('media/1/aa')).toEqual({ size: 4 });
    });

    it('never loses a blob a touch said it kept, with sweepers and touches racing', async () => {
      const keys = Array.from({ length: 12 }, (_, i) => `media/1/k${i}`);
      for (const key of keys) await store.put(key, Readable.from([Buffer.from(key)]));
      // Object times have whole seconds: let a second pass, so that a touch now is newer.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const sinceMs = Date.now();
      // Each touch starts a little later than the last, so that together they land before,
      // inside and after the sweepers' few requests.
      const outcomes = await Promise.all(
        keys.map(async (key, i) => {
          const [touched, removed] = await Promise.all([
            new Promise((resolve) => setTimeout(resolve, i * 50)).then(() => store.touch(key)),
            store.deleteIfUnusedSince(key, sinceMs),
          ]);
          return { touched, removed, exists: (await store.stat(key)) !== undefined };
        }),
      );
      for (const { touched, removed, exists } of outcomes) {
        if (touched) expect(exists).toBe(true);
        expect(exists).toBe(removed === undefined);
      }
      expect(await objectKeys(`${options.prefix}.cleanup/`)).toEqual([]);
    });

    it('leaves no marker behind after deleteIfUnusedSince, whether it removes or keeps', async () => {
      await store.put('media/1/aa', Readable.from([Buffer.from('x')]));
      await store.put('media/1/bb', Readable.from([Buffer.from('y')]));
      expect(await store.deleteIfUnusedSince('media/1/aa', 0)).toBeUndefined();
      expect(await store.deleteIfUnusedSince('media/1/bb', Date.now() + 60_000)).toBe(1);
      expect(await objectKeys(options.prefix)).toEqual([`${options.prefix}media/1/aa`]);
    });
  });

  describe('S3BlobStore set-up errors', () => {
    it('says the credentials were refused, naming the settings to check', async () => {
      const store = new S3BlobStore(
        storeOptions({
          credentials: { accessKeyId: s3.credentials.accessKeyId, secretAccessKey: 'wrong' },
        }),
      );
      await expect(store.init()).rejects.toMatchObject({
        code: 'configuration',
        message: expect.stringMatching(/refused our credentials.*AWS_SECRET_ACCESS_KEY/),
      });
      await expect(
        store.put('exports/1/2/3', Readable.from([Buffer.from('x')])),
      ).rejects.toMatchObject({
        code: 'configuration',
        message: expect.stringContaining('SignatureDoesNotMatch'),
      });
      await store.close();
    });

    it('names a missing bucket and what to do', async () => {
      const store = new S3BlobStore(storeOptions({ bucket: 'dyi-no-such-bucket' }));
      await expect(store.init()).rejects.toMatchObject({
        code: 'configuration',
        message: expect.stringContaining(
          "The bucket 'dyi-no-such-bucket' does not exist at " + s3.endpoint,
        ),
      });
      await store.close();
    });

    it('says an unreachable store is a transient failure, naming the endpoint setting', async () => {
      const store = new S3BlobStore(storeOptions({ endpoint: 'http://127.0.0.1:9' }));
      await expect(store.init()).rejects.toMatchObject({
        code: 'transient',
        message: expect.stringMatching(/could not be reached.*DYI_S3_ENDPOINT/),
      });
      await store.close();
    });
  });
}
