import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteMetadataStore } from '../../adapters/sqlite/sqlite-metadata-store.js';
import { OneTimeReveals, REVEAL_TTL_MS } from './one-time-reveals.js';

const SECRET = 'DYI1-the-token-itself';

describe('OneTimeReveals', () => {
  let dir: string;
  let filename: string;
  const stores: SqliteMetadataStore[] = [];
  const T0 = 1_767_225_600_000;
  let now = T0;
  const clock = { now: () => now };

  /** Reveals as one API process has them: a store of its own on the shared database. */
  async function apiProcess(): Promise<OneTimeReveals<string>> {
    const store = new SqliteMetadataStore({ filename });
    await store.init();
    stores.push(store);
    return new OneTimeReveals<string>(store.pendingReveals, clock);
  }

  beforeEach(async () => {
    now = T0;
    dir = await mkdtemp(path.join(tmpdir(), 'dyi-reveals-'));
    filename = path.join(dir, 'dyi.sqlite');
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives a value once, to its own session only', async () => {
    const reveals = await apiProcess();
    const handle = await reveals.put('session-a', SECRET);
    expect(await reveals.take('session-b', handle)).toBeUndefined();
    expect(await reveals.take('session-a', handle)).toBe(SECRET);
    expect(await reveals.take('session-a', handle)).toBeUndefined();
    expect(await reveals.take('session-a', 'made-up')).toBeUndefined();
  });

  it('gives a value kept by one process to the page another one serves, once', async () => {
    const [first, second, third] = [await apiProcess(), await apiProcess(), await apiProcess()];
    const handle = await first.put('session', SECRET);
    const answers = await Promise.all([
      second.take('session', handle),
      third.take('session', handle),
    ]);
    expect(answers.filter((answer) => answer !== undefined)).toEqual([SECRET]);
    expect(await first.take('session', handle)).toBeUndefined();
  });

  it('forgets a value not taken in time', async () => {
    const reveals = await apiProcess();
    const late = await reveals.put('session', 'late');
    const early = await reveals.put('session', 'early');
    now += REVEAL_TTL_MS - 1;
    expect(await reveals.take('session', early)).toBe('early');
    now += 1;
    expect(await reveals.take('session', late)).toBeUndefined();
  });

  it('writes no secret and no key to the database, only what the URL unlocks', async () => {
    const reveals = await apiProcess();
    const handle = await reveals.put('session', SECRET);
    const [id = '', key = ''] = handle.split('.');
    const sqlite = new Database(filename, { readonly: true });
    const rows = sqlite.prepare('SELECT * FROM pending_reveals').all();
    sqlite.close();
    expect(rows).toHaveLength(1);
    const stored = JSON.stringify(rows);
    expect(stored).toContain(id);
    for (const leak of [SECRET, 'the-token', key, 'session']) expect(stored).not.toContain(leak);
    for (const encoding of ['base64', 'base64url', 'hex'] as const) {
      expect(stored).not.toContain(Buffer.from(SECRET).toString(encoding).slice(0, 12));
    }
  });

  it('shows nothing for a handle whose key was changed', async () => {
    const reveals = await apiProcess();
    const handle = await reveals.put('session', SECRET);
    const [id = '', key = ''] = handle.split('.');
    const otherKey = `${key.startsWith('A') ? 'B' : 'A'}${key.slice(1)}`;
    expect(await reveals.take('session', `${id}.${otherKey}`)).toBeUndefined();
    expect(await reveals.take('session', `${id}.short`)).toBeUndefined();
  });

  it("keeps a session's latest values when it floods, and other sessions' values", async () => {
    const reveals = await apiProcess();
    const other = await reveals.put('other', 'kept');
    const handles = [];
    for (let n = 0; n < 25; n++) {
      now += 1;
      handles.push(await reveals.put('flood', `value ${n}`));
    }
    expect(await reveals.take('flood', handles[0] ?? '')).toBeUndefined();
    expect(await reveals.take('flood', handles[24] ?? '')).toBe('value 24');
    expect(await reveals.take('other', other)).toBe('kept');
  });

  it('hands out handles that cannot be guessed from one another', async () => {
    const reveals = await apiProcess();
    const handles = new Set<string>();
    for (let n = 0; n < 50; n++) handles.add(await reveals.put(`s${n}`, 'x'));
    expect(handles.size).toBe(50);
    const ids = new Set([...handles].map((handle) => handle.split('.')[0]));
    expect(ids.size).toBe(50);
    for (const handle of handles) expect(handle).toMatch(/^[\w-]{24}\.[\w-]{43}$/);
  });
});
