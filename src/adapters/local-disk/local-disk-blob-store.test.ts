/**
 * @module
 * Runs the shared BlobStore contract on a real temp directory, then checks what only the local
 * disk store promises: what it leaves on disk (no temp files after a failed put), which temp
 * files a clean-up removes (a dead or killed writer's, never a live one's), and that keys
 * cannot reach outside its root.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBlobStoreContract } from '../../ports/blob-store.contract.js';
import { LocalDiskBlobStore } from './local-disk-blob-store.js';
import { TempFileOwners } from './temp-file-owners.js';

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

  it('reads through openFile the same bytes as openRead, whole and in ranges', async () => {
    await store.init();
    const bytes = randomBytes(2 * 1024 * 1024 + 777);
    await store.put('exports/1/2/3', Readable.from([bytes]));
    const ranges = [
      undefined,
      { start: 0, end: 0 },
      { start: 5, end: 1_048_580 },
      { start: 7, end: bytes.length + 5 },
    ];
    for (const range of ranges) {
      const streamed: Buffer[] = [];
      for await (const chunk of await store.openRead('exports/1/2/3', range))
        streamed.push(chunk as Buffer);
      const file = await store.openFile('exports/1/2/3', range);
      // One reused buffer, smaller than the range: each read must land in it whole.
      const buffer = Buffer.alloc(300_000);
      const read: Buffer[] = [];
      for (let bytesRead; (bytesRead = await file.read(buffer)) > 0;) {
        read.push(Buffer.from(buffer.subarray(0, bytesRead)));
      }
      await file.close();
      await file.close();
      expect(Buffer.concat(read).equals(Buffer.concat(streamed)), JSON.stringify(range)).toBe(true);
    }
    await expect(store.openFile('exports/9/9/9')).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.openFile('exports/1/2')).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.openFile('exports/1/2/3', { start: 5, end: 1 })).rejects.toMatchObject({
      code: 'validation',
    });
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

  it('removes temp files of dead writers and day-old ones, and keeps those of live writers', async () => {
    await store.init();
    const scope = (await TempFileOwners.forThisProcess()).newName().split('-')[0] ?? '';
    const otherScope = scope === 'ffffffff' ? '00000000' : 'ffffffff';
    const dead = await exitedPid();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      const temp = path.join(root, 'blobs', '.tmp');
      const names = {
        deadWriter: `${scope}-${dead}-a`,
        liveWriter: `${scope}-${live.pid}-b`,
        thisProcess: `${scope}-${process.pid}-c`,
        // Another host or container: its pids cannot be judged from here, only its age.
        elsewhere: `${otherScope}-${dead}-d`,
        elsewhereDayOld: `${otherScope}-${dead}-e`,
      };
      for (const name of Object.values(names)) await writeFile(path.join(temp, name), name);
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      await utimes(path.join(temp, names.elsewhereDayOld), twoDaysAgo, twoDaysAgo);

      const removed = await store.removeAbandonedWrites();

      expect(removed).toEqual({
        count: 2,
        bytes: names.deadWriter.length + names.elsewhereDayOld.length,
      });
      expect((await readdir(temp)).sort()).toEqual(
        [names.liveWriter, names.thisProcess, names.elsewhere].sort(),
      );
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('keeps the temp file of a put in a live process, and removes it once that process is killed', async () => {
    await store.init();
    const temp = path.join(root, 'blobs', '.tmp');
    const writer = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', NEVER_ENDING_PUT, path.join(root, 'blobs')],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    try {
      await until(async () => (await readdir(temp)).length > 0);
      expect(await store.removeAbandonedWrites()).toEqual({ count: 0, bytes: 0 });
      expect(await readdir(temp)).toHaveLength(1);
    } finally {
      writer.kill('SIGKILL');
    }
    await once(writer, 'exit');
    const [left] = await readdir(temp);
    const size = (await stat(path.join(temp, left ?? ''))).size;

    expect(await store.removeAbandonedWrites()).toEqual({ count: 1, bytes: size });
    expect(await readdir(temp)).toEqual([]);
  }, 30_000);

  it('treats a key that names a directory of blobs as missing', async () => {
    await store.init();
    await store.put('exports/1/2/3', Readable.from([Buffer.from('x')]));
    expect(await store.stat('exports/1/2')).toBeUndefined();
    await expect(store.openRead('exports/1/2')).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.delete('exports/1/2')).resolves.toBeUndefined();
    expect(await store.stat('exports/1/2/3')).toEqual({ size: 1 });
  });
});

/** A process that puts an endless stream into the store at argv[1], slowly. */
const NEVER_ENDING_PUT = `
const { LocalDiskBlobStore } = await import(${JSON.stringify(path.resolve(import.meta.dirname, 'local-disk-blob-store.ts'))});
const store = new LocalDiskBlobStore({ root: process.argv[1] });
await store.init();
async function* endless() {
  for (;;) {
    yield Buffer.alloc(4096, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
await store.put('exports/1/2/3', endless());
`;

/** The pid of a process that has already ended. */
async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  if (child.pid === undefined) throw new Error('the child process did not start');
  return child.pid;
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
}
