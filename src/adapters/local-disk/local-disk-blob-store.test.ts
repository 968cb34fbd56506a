/**
 * @module
 * Runs the shared BlobStore contract on a real temp directory, then checks what only the local
 * disk store promises: what it leaves on disk (no temp files after a failed put) and that keys
 * cannot reach outside its root.
 */
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBlobStoreContract } from '../../ports/blob-store.contract.js';
import { LocalDiskBlobStore } from './local-disk-blob-store.js';

runBlobStoreContract('local disk', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'dyi-blobs-'));
  return {
    store: new LocalDiskBlobStore({ root }),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

describe('LocalDiskBlobStore on disk', () => {
  let root: string;
  let store: LocalDiskBlobStore;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'dyi-blobs-'));
    store = new LocalDiskBlobStore({ root: path.join(root, 'blobs') });
  });

  afterEach(async () => {
    await store.close();
    await rm(root, { recursive: true, force: true });
  });

  it('does no I/O until init() creates the root', async () => {
    await expect(stat(path.join(root, 'blobs'))).rejects.toMatchObject({ code: 'ENOENT' });
    await store.init();
    expect((await stat(path.join(root, 'blobs', '.tmp'))).isDirectory()).toBe(true);
  });

  it('writes a blob to <root>/<key> and nothing else', async () => {
    await store.init();
    await store.put('exports/1/2/3', Readable.from([Buffer.from('hello')]));
    expect(await readdir(path.join(root, 'blobs'), { recursive: true })).toEqual(
      expect.arrayContaining(['.tmp', 'exports/1/2/3']),
    );
    expect(await readdir(path.join(root, 'blobs', '.tmp'))).toEqual([]);
  });

  it('leaves no temp files after failed and aborted puts', async () => {
    await store.init();
    for (let attempt = 0; attempt < 20; attempt += 1) {
      // Failing on the very first chunk races the temp file's creation itself.
      const failing = new Readable({
        read() {
          this.destroy(new Error('source failed'));
        },
      });
      await expect(store.put('exports/1/2/3', failing)).rejects.toThrow('source failed');
      const controller = new AbortController();
      const aborted = store.put(
        'exports/1/2/4',
        Readable.from([Buffer.alloc(1024)]).on('data', () => controller.abort()),
        { signal: controller.signal },
      );
      await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    }
    expect(await readdir(path.join(root, 'blobs', '.tmp'))).toEqual([]);
    expect(await store.stat('exports/1/2/3')).toBeUndefined();
    expect(await store.stat('exports/1/2/4')).toBeUndefined();
  });

  it('removes day-old temp files left by a killed process at init(), and keeps fresh ones', async () => {
    await store.init();
    const stale = path.join(root, 'blobs', '.tmp', 'stale');
    const fresh = path.join(root, 'blobs', '.tmp', 'fresh');
    await writeFile(stale, 'left over');
    await writeFile(fresh, 'in progress');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    await utimes(stale, twoDaysAgo, twoDaysAgo);
    await new LocalDiskBlobStore({ root: path.join(root, 'blobs') }).init();
    expect(await readdir(path.join(root, 'blobs', '.tmp'))).toEqual(['fresh']);
  });

  it('treats a key that names a directory of blobs as missing', async () => {
    await store.init();
    await store.put('exports/1/2/3', Readable.from([Buffer.from('x')]));
    expect(await store.stat('exports/1/2')).toBeUndefined();
    await expect(store.openRead('exports/1/2')).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.delete('exports/1/2')).resolves.toBeUndefined();
    expect(await store.stat('exports/1/2/3')).toEqual({ size: 1 });
  });
});
