import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { HOLD_BYTES, PartFile } from './part-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dyi-part-'));
  return () => rm(dir, { recursive: true, force: true });
});

describe('PartFile.create', () => {
  it('makes the directory and the part, and writes chunks given before it was open, in order', async () => {
    const partPath = path.join(dir, 'export', 'user-7', 'file.zip.part');
    const chunks = [randomBytes(10), randomBytes(70_000), randomBytes(1)];
    const part = PartFile.create(partPath);
    // The part is created through the thread pool: these three arrive before it is open.
    for (const chunk of chunks) expect(part.write(chunk)).toBeUndefined();
    await part.flush();
    const later = randomBytes(5);
    expect(part.write(later)).toBeUndefined();
    await part.close();
    expect(await readFile(partPath)).toEqual(Buffer.concat([...chunks, later]));
  });

  it('asks the writer to wait once HOLD_BYTES are held, and holds nothing more after', async () => {
    const partPath = path.join(dir, 'big.part');
    const part = PartFile.create(partPath);
    const half = randomBytes(HOLD_BYTES / 2);
    const rest = randomBytes(HOLD_BYTES / 2);
    expect(part.write(half)).toBeUndefined();
    const wait = part.write(rest);
    expect(wait).toBeInstanceOf(Promise);
    await wait;
    // Open now: the held bytes are in the file, and a new chunk is written at once.
    expect((await readFile(partPath)).length).toBe(HOLD_BYTES);
    expect(part.write(Buffer.from('!'))).toBeUndefined();
    await part.close();
    expect(await readFile(partPath)).toEqual(Buffer.concat([half, rest, Buffer.from('!')]));
  });

  it('empties a part that was there before', async () => {
    const partPath = path.join(dir, 'old.part');
    await writeFile(partPath, 'stale bytes of an earlier run');
    const part = PartFile.create(partPath);
    expect(part.write(Buffer.from('new'))).toBeUndefined();
    await part.flush();
    await part.close();
    expect(await readFile(partPath, 'utf8')).toBe('new');
  });

  it('reports a part that cannot be created, by flush and by the next write, and writes nothing', async () => {
    // A regular file where the part's directory should be.
    await writeFile(path.join(dir, 'user-7'), 'in the way');
    const part = PartFile.create(path.join(dir, 'user-7', 'file.zip.part'));
    expect(part.write(Buffer.from('held'))).toBeUndefined();
    const failure = await part.flush().then(
      () => expect.unreachable('the part cannot exist'),
      (error: NodeJS.ErrnoException) => error,
    );
    expect(failure.code).toMatch(/^(EEXIST|ENOTDIR)$/);
    expect(failure.message).toContain(path.join(dir, 'user-7'));
    expect(() => part.write(Buffer.from('more'))).toThrow(failure);
    await expect(part.close()).resolves.toBeUndefined();
    expect(await readdir(dir)).toEqual(['user-7']);
    expect(await readFile(path.join(dir, 'user-7'), 'utf8')).toBe('in the way');
  });
});

describe('PartFile.openNow', () => {
  it('appends to a part, or empties it first for a restart', async () => {
    const partPath = path.join(dir, 'resumed.part');
    await writeFile(partPath, 'first half, ');
    const appended = PartFile.openNow(partPath, false);
    expect(appended.write(Buffer.from('second half'))).toBeUndefined();
    await appended.close();
    expect(await readFile(partPath, 'utf8')).toBe('first half, second half');

    const restarted = PartFile.openNow(partPath, true);
    expect(restarted.write(Buffer.from('whole file'))).toBeUndefined();
    await restarted.flush();
    await restarted.close();
    expect(await readFile(partPath, 'utf8')).toBe('whole file');
  });
});
