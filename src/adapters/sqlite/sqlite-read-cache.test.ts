/**
 * @module
 * The read path of `sqlite-database.ts` on a real file: fixed-SQL reads on the read connection,
 * whose results are kept per statement and keyed by their parameters. What a caller checks:
 * each set of parameters gets SQLite's own answer (1 is not '1', ('ab','c') is not ('a','bc')),
 * a write of this store is read back at once, another connection's commit within a few
 * milliseconds, more distinct reads than the cache keeps still answer right, and a failing read
 * is a rejected promise, as from an async function, never a synchronous throw.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSqlite, query, queryOne } from './sqlite-database.js';
import type { SqliteDatabase } from './sqlite-schema.js';

let dir: string;
let file: string;
let db: Kysely<SqliteDatabase>;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dyi-sqlite-read-'));
  file = path.join(dir, 'dyi.sqlite');
  db = openSqlite(file);
  await sql`CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)`.execute(db);
});

afterEach(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

it('answers each set of parameters with its own result, typed as SQLite types them', async () => {
  const typeOf = 'SELECT typeof(?) AS t';
  // better-sqlite3 binds a JS number as a REAL.
  expect(await queryOne(db, typeOf, [1])).toEqual({ t: 'real' });
  expect(await queryOne(db, typeOf, ['1'])).toEqual({ t: 'text' });
  expect(await queryOne(db, typeOf, [1])).toEqual({ t: 'real' });
  expect(await queryOne(db, typeOf, [null])).toEqual({ t: 'null' });
  const joined = "SELECT ? || '|' || ? AS v";
  expect(await queryOne(db, joined, ['ab', 'c'])).toEqual({ v: 'ab|c' });
  expect(await queryOne(db, joined, ['a', 'bc'])).toEqual({ v: 'a|bc' });
  const typesOf = 'SELECT typeof(?) || typeof(?) AS t';
  expect(await queryOne(db, typesOf, [1, 'c'])).toEqual({ t: 'realtext' });
  expect(await queryOne(db, typesOf, ['1', 'c'])).toEqual({ t: 'texttext' });
  // Another statement with the same parameters has its own results.
  expect(await queryOne(db, 'SELECT ? + 1 AS v', [1])).toEqual({ v: 2 });
});

it("reads this store's write at once and another connection's commit a few ms later", async () => {
  const read = 'SELECT v FROM t WHERE k = ?';
  expect(await query(db, read, ['a'])).toEqual([]);
  await sql`INSERT INTO t (k, v) VALUES ('a', 1)`.execute(db);
  expect(await query(db, read, ['a'])).toEqual([{ v: 1 }]);

  const other = new Database(file);
  try {
    other.prepare('UPDATE t SET v = 2 WHERE k = ?').run('a');
    await sleep(5);
    expect(await query(db, read, ['a'])).toEqual([{ v: 2 }]);
  } finally {
    other.close();
  }
});

it('answers right past the number of results it keeps', async () => {
  const double = 'SELECT ? * 2 AS v';
  for (let n = 0; n < 2500; n += 1) {
    expect(await queryOne(db, double, [n])).toEqual({ v: n * 2 });
  }
  expect(await queryOne(db, double, [7])).toEqual({ v: 14 });
  expect(await queryOne(db, double, [2499])).toEqual({ v: 4998 });
});

it('rejects a failing read instead of throwing where it is called', async () => {
  const missing = 'SELECT v FROM no_such_table WHERE k = ?';
  let pending: Promise<unknown> | undefined;
  expect(() => {
    pending = queryOne(db, missing, ['a']);
  }).not.toThrow();
  await expect(pending).rejects.toThrow(/no_such_table/);
  await expect(query(db, missing, ['a'])).rejects.toThrow(/no_such_table/);
});
