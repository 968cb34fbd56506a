/**
 * @module
 * The behaviour every `BlobStore` must have, as one vitest suite that each adapter runs against
 * a real instance of its backend (a temp directory, an S3-compatible server): byte-exact
 * round trips with their SHA-256, inclusive ranges, overwrites, deletes, key validation, and
 * the promise that a failed or aborted `put` leaves nothing under its key, and the clean-up
 * methods (list, touch, deleteIfUnusedSince, removeAbandonedWrites). An adapter's test
 * file calls `runBlobStoreContract` once; nothing here knows which backend it is testing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from './blob-store.js';

export interface BlobStoreFixture {
  /** A store on which `init()` has not run yet: the suite runs it, and `close()` after. */
  readonly store: BlobStore;
  /** Removes whatever the store left in its backend (temp directory, bucket objects). */
  cleanup(): Promise<void>;
}

const MIB = 1024 * 1024;

export function runBlobStoreContract(name: string, create: () => Promise<BlobStoreFixture>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let fixture: BlobStoreFixture;
    let store: BlobStore;

    beforeEach(async () => {
      fixture = await create();
      store = fixture.store;
      await store.init();
    });

    afterEach(async () => {
      await store.close();
      await fixture.cleanup();
    });

    it('answers a probe once open', async () => {
      await expect(store.probe()).resolves.toBeUndefined();
    });

    it('stores bytes and reads them back with their size and sha256', async () => {
      const bytes = randomBytes(100_000);
      const stored = await store.put('exports/1/2/3', Readable.from([bytes]));
      expect(stored).toEqual({ size: bytes.length, sha256: sha256(bytes) });
      expect(await store.stat('exports/1/2/3')).toEqual({ size: bytes.length });
      expect(fingerprint(await readAll(await store.openRead('exports/1/2/3')))).toEqual(
        fingerprint(bytes),
      );
    });

    it('accepts an async iterable of many small chunks', async () => {
      const chunks = Array.from({ length: 500 }, (_, i) => randomBytes(1 + (i % 37)));
      const whole = Buffer.concat(chunks);
      const stored = await store.put('exports/1/2/chunks', iterate(chunks));
      expect(stored).toEqual({ size: whole.length, sha256: sha256(whole) });
      expect(fingerprint(await readAll(await store.openRead('exports/1/2/chunks')))).toEqual(
        fingerprint(whole),
      );
    });

    it('reads inclusive ranges: first byte, middle, last byte, whole', async () => {
      const bytes = randomBytes(10_000);
      await store.put('exports/1/2/ranged', Readable.from([bytes]));
      const read = async (start: number, end: number) =>
        readAll(await store.openRead('exports/1/2/ranged', { start, end }));
      expect(fingerprint(await read(0, 0))).toEqual(fingerprint(bytes.subarray(0, 1)));
      expect(fingerprint(await read(1234, 5678))).toEqual(fingerprint(bytes.subarray(1234, 5679)));
      expect(fingerprint(await read(9999, 9999))).toEqual(fingerprint(bytes.subarray(9999)));
      expect(fingerprint(await read(0, 9999))).toEqual(fingerprint(bytes));
    });

    it('stores an empty blob', async () => {
      const stored = await store.put('exports/1/2/empty', Readable.from([]));
      expect(stored).toEqual({ size: 0, sha256: sha256(Buffer.alloc(0)) });
      expect(await store.stat('exports/1/2/empty')).toEqual({ size: 0 });
      expect((await readAll(await store.openRead('exports/1/2/empty'))).length).toBe(0);
    });

    it('stores a 5 MiB blob streamed in 64 KiB chunks', async () => {
      const chunks = Array.from({ length: 80 }, () => randomBytes(64 * 1024));
      const whole = Buffer.concat(chunks);
      expect(whole.length).toBe(5 * MIB);
      const stored = await store.put('exports/1/2/big', Readable.from(chunks));
      expect(stored).toEqual({ size: 5 * MIB, sha256: sha256(whole) });
      const read = await readAll(await store.openRead('exports/1/2/big'));
      expect(sha256(read)).toBe(sha256(whole));
      const tail = await readAll(
        await store.openRead('exports/1/2/big', { start: 5 * MIB - 10, end: 5 * MIB - 1 }),
      );
      expect(fingerprint(tail)).toEqual(fingerprint(whole.subarray(5 * MIB - 10)));
    });

    it('replaces a blob that is put again under the same key', async () => {
      await store.put('exports/1/2/3', Readable.from([Buffer.from('first version, longer')]));
      const second = Buffer.from('second');
      expect(await store.put('exports/1/2/3', Readable.from([second]))).toEqual({
        size: second.length,
        sha256: sha256(second),
      });
      expect(fingerprint(await readAll(await store.openRead('exports/1/2/3')))).toEqual(
        fingerprint(second),
      );
    });

    it('answers undefined from stat and rejects openRead for a missing blob', async () => {
      expect(await store.stat('exports/9/9/9')).toBeUndefined();
      await expect(store.openRead('exports/9/9/9')).rejects.toMatchObject({ code: 'not_found' });
    });

    it('deletes one blob, and deleting a missing blob is not an error', async () => {
      await store.put('exports/1/2/3', Readable.from([Buffer.from('x')]));
      await store.put('exports/1/2/4', Readable.from([Buffer.from('y')]));
      await store.delete('exports/1/2/3');
      expect(await store.stat('exports/1/2/3')).toBeUndefined();
      expect(await store.stat('exports/1/2/4')).toEqual({ size: 1 });
      await expect(store.delete('exports/1/2/3')).resolves.toBeUndefined();
    });

    it('deletes every blob under a prefix and nothing else', async () => {
      const keys = ['exports/1/2/3', 'exports/1/5/6', 'exports/10/2/3', 'exports/2/1/1'];
      for (const key of keys) await store.put(key, Readable.from([Buffer.from(key)]));
      await store.deletePrefix('exports/1/');
      expect(await store.stat('exports/1/2/3')).toBeUndefined();
      expect(await store.stat('exports/1/5/6')).toBeUndefined();
      // `exports/10/` shares the characters `exports/1` but is not under the prefix.
      expect(await store.stat('exports/10/2/3')).toEqual({ size: 'exports/10/2/3'.length });
      expect(await store.stat('exports/2/1/1')).toEqual({ size: 'exports/2/1/1'.length });
      await expect(store.deletePrefix('exports/1/')).resolves.toBeUndefined();
    });

    it('deletes a prefix while blobs are still being written under it', async () => {
      // A job still writing its parts when its export is deleted: the delete must not fail
      // because a new blob appeared while it ran. (What a writer gets then is its own affair.)
      for (let i = 0; i < 50; i++) {
        await store.put(`exports/1/2/${i}`, Readable.from([Buffer.from('old')]));
      }
      let deleted = false;
      const writer = (async () => {
        for (let i = 0; !deleted && i < 10_000; i++) {
          await store
            .put(`exports/1/${3 + (i % 5)}/${i}`, Readable.from([Buffer.from('new')]))
            .catch(() => undefined);
        }
      })();
      try {
        for (let round = 0; round < 20; round++) {
          await expect(store.deletePrefix('exports/1/')).resolves.toBeUndefined();
        }
      } finally {
        deleted = true;
        await writer;
      }
    });

    it('rejects a prefix that does not end with a slash', async () => {
      await store.put('exports/1/2/3', Readable.from([Buffer.from('x')]));
      await expect(store.deletePrefix('exports/1')).rejects.toMatchObject({ code: 'validation' });
      expect(await store.stat('exports/1/2/3')).toEqual({ size: 1 });
    });

    it('lists the blobs under a prefix with their size and time, and nothing else', async () => {
      const before = Date.now();
      const keys = ['media/1/aa', 'media/1/bb', 'media/10/cc', 'exports/1/2/3'];
      for (const key of keys) await store.put(key, Readable.from([Buffer.from(key)]));
      const listed = [];
      for await (const blob of store.list('media/1/')) listed.push(blob);
      expect(listed.map(({ key, size }) => ({ key, size })).sort(byKey)).toEqual([
        { key: 'media/1/aa', size: 10 },
        { key: 'media/1/bb', size: 10 },
      ]);
      // File systems may round times down to their resolution (up to 2 s on some).
      for (const blob of listed) expect(blob.modifiedMs).toBeGreaterThan(before - 2000);
      for await (const blob of store.list('media/2/')) expect.unreachable(blob.key);
      await expect(store.list('media')[Symbol.asyncIterator]().next()).rejects.toMatchObject({
        code: 'validation',
      });
    });

    it('touches a blob that exists, and answers false for a missing one', async () => {
      await store.put('media/1/aa', Readable.from([Buffer.from('x')]));
      expect(await store.touch('media/1/aa')).toBe(true);
      expect(await store.touch('media/1/zz')).toBe(false);
      expect(await store.stat('media/1/zz')).toBeUndefined();
    });

    it('deletes a blob unused since a time, and keeps one used since then', async () => {
      const bytes = Buffer.from('media bytes');
      await store.put('media/1/aa', Readable.from([bytes]));
      // Not used since the epoch: kept, byte for byte.
      expect(await store.deleteIfUnusedSince('media/1/aa', 0)).toBeUndefined();
      expect(fingerprint(await readAll(await store.openRead('media/1/aa')))).toEqual(
        fingerprint(bytes),
      );
      // Unused since a minute from now: removed, and its size answered.
      expect(await store.deleteIfUnusedSince('media/1/aa', Date.now() + 60_000)).toBe(bytes.length);
      expect(await store.stat('media/1/aa')).toBeUndefined();
      expect(await store.deleteIfUnusedSince('media/1/aa', Date.now() + 60_000)).toBeUndefined();
      expect(await store.touch('media/1/aa')).toBe(false);
    });

    it('finds no abandoned writes next to finished and failed puts', async () => {
      await store.put('media/1/aa', Readable.from([Buffer.from('x')]));
      await expect(
        store.put('media/1/bb', failingSource(new Error('source failed'))),
      ).rejects.toThrow('source failed');
      expect(await store.removeAbandonedWrites()).toEqual({ count: 0, bytes: 0 });
      expect(await store.stat('media/1/aa')).toEqual({ size: 1 });
    });

    it.each(['../x', '/abs', 'A/B', 'a/../b', '', 'a//b', 'a/', '.hidden', 'a/.tmp'])(
      'rejects the invalid key %j in every method',
      async (key) => {
        await expect(store.put(key, Readable.from([Buffer.from('x')]))).rejects.toMatchObject({
          code: 'validation',
        });
        await expect(store.stat(key)).rejects.toMatchObject({ code: 'validation' });
        await expect(store.openRead(key)).rejects.toMatchObject({ code: 'validation' });
        await expect(store.delete(key)).rejects.toMatchObject({ code: 'validation' });
      },
    );

    it('leaves no blob when the source stream fails midway', async () => {
      const failure = new Error('source failed');
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield randomBytes(2 * MIB);
        // Let the first chunk reach the backend before the failure, as a dropped upload does.
        await new Promise((resolve) => setImmediate(resolve));
        yield randomBytes(1 * MIB);
        throw failure;
      }
      await expect(store.put('exports/1/2/broken', failing())).rejects.toBe(failure);
      expect(await store.stat('exports/1/2/broken')).toBeUndefined();
    });

    it('keeps the previous blob when an overwrite fails midway', async () => {
      const original = Buffer.from('original');
      await store.put('exports/1/2/3', Readable.from([original]));
      const source = new Readable({ read() {} });
      source.push(randomBytes(MIB));
      setImmediate(() => source.destroy(new Error('connection reset')));
      await expect(store.put('exports/1/2/3', source)).rejects.toThrow('connection reset');
      expect(fingerprint(await readAll(await store.openRead('exports/1/2/3')))).toEqual(
        fingerprint(original),
      );
    });

    it('leaves no blob when the put is aborted midway', async () => {
      const controller = new AbortController();
      async function* slow(): AsyncGenerator<Uint8Array> {
        yield randomBytes(MIB);
        controller.abort();
        yield randomBytes(MIB);
        // A source that ignores the abort must not keep the put alive.
        await new Promise((resolve) => setTimeout(resolve, 50));
        yield randomBytes(MIB);
      }
      await expect(
        store.put('exports/1/2/aborted', slow(), { signal: controller.signal }),
      ).rejects.toMatchObject({ name: 'AbortError' });
      expect(await store.stat('exports/1/2/aborted')).toBeUndefined();
    });

    it('stores nothing when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(
        store.put('exports/1/2/aborted', Readable.from([Buffer.from('x')]), {
          signal: controller.signal,
        }),
      ).rejects.toMatchObject({ name: 'AbortError' });
      expect(await store.stat('exports/1/2/aborted')).toBeUndefined();
    });
  });
}

function byKey(a: { key: string }, b: { key: string }): number {
  return a.key.localeCompare(b.key);
}

async function* failingSource(error: Error): AsyncGenerator<Uint8Array> {
  yield randomBytes(1024);
  await Promise.resolve();
  throw error;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function* iterate(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    await Promise.resolve();
    yield chunk;
  }
}

/** Length and hash: compared instead of the bytes, which vitest would diff one by one. */
function fingerprint(bytes: Uint8Array): { length: number; sha256: string } {
  return { length: bytes.length, sha256: sha256(bytes) };
}
