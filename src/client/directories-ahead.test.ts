/**
 * `DirectoriesAhead` on a real temporary directory: it makes the directories of queued files
 * in queue order, no more than its window ahead of the files taken, leaves a file already
 * taken to its worker, makes nothing after `stop()`, and `stop()` waits for a `mkdir` under way.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { DirectoriesAhead } from './directories-ahead.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'dyi-ahead-'));
  return () => rm(root, { recursive: true, force: true });
});

/** Resolves once `directory` exists (each `mkdir` runs on the thread pool). */
async function made(directory: string): Promise<void> {
  for (let waited = 0; !existsSync(directory); waited += 5) {
    if (waited > 10_000) throw new Error(`${directory} was not made`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const under = (...names: string[]): string[] => names.map((name) => path.join(root, 'e', name));

describe('DirectoriesAhead', () => {
  it('makes the directories of queued files, at most its window ahead of those taken', async () => {
    const [a, b, c, d] = under('user-1', 'user-2', 'user-3', 'user-4') as [
      string,
      string,
      string,
      string,
    ];
    const ahead = new DirectoriesAhead(2);
    for (const directory of [a, b, c, d]) ahead.add(directory);
    await made(b);
    expect(existsSync(a)).toBe(true);
    ahead.taken();
    await made(c);
    await ahead.stop();
    expect(existsSync(d)).toBe(false);
    ahead.taken();
    ahead.taken();
    await ahead.stop();
    expect(existsSync(d)).toBe(false);
  });

  it('makes a directory shared by several files once, and leaves taken files to their worker', async () => {
    const [shared, first, last] = under('user-1', 'user-2', 'user-3') as [string, string, string];
    const ahead = new DirectoriesAhead(3);
    ahead.add(shared);
    ahead.add(shared);
    await made(shared);
    await ahead.stop();
    const later = new DirectoriesAhead(1);
    later.add(first);
    later.add(last);
    // Both taken before the first `mkdir` ended: the second is its worker's to make.
    later.taken();
    later.taken();
    await made(first);
    await later.stop();
    expect(existsSync(last)).toBe(false);
  });

  it('leaves a directory it cannot make to the worker, which reports why', async () => {
    await writeFile(path.join(root, 'file'), 'not a directory');
    const blocked = path.join(root, 'file', 'user-1');
    const [after] = under('user-2') as [string];
    const ahead = new DirectoriesAhead(2);
    ahead.add(blocked);
    ahead.add(after);
    await made(after);
    await ahead.stop();
    expect(existsSync(blocked)).toBe(false);
  });
});
