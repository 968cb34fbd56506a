/**
 * @module
 * The write path of `sqlite-database.ts` on a real file: a transaction that runs out of room
 * fails with our StorageFullError (SQLite's max_page_count gives a full disk without one), not
 * with the "cannot rollback - no transaction is active" of a ROLLBACK sent after SQLite had
 * already rolled back; and the connection stays usable afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { StorageFullError } from '../../domain/index.js';
import { openSqlite } from './sqlite-database.js';
import type { SqliteDatabase } from './sqlite-schema.js';

let dir: string;
let db: Kysely<SqliteDatabase>;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dyi-sqlite-'));
  db = openSqlite(path.join(dir, 'dyi.sqlite'));
  await sql`CREATE TABLE t (x BLOB)`.execute(db);
});

afterEach(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

/** Caps the file at its current size: the next page it needs is "disk full". */
async function capAtCurrentSize(): Promise<void> {
  const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(db);
  await sql.raw(`PRAGMA max_page_count = ${rows[0]?.page_count ?? 0}`).execute(db);
}

it('fails a transaction that finds no room with StorageFullError, not a failed ROLLBACK', async () => {
  await capAtCurrentSize();
  const failure = await db
    .transaction()
    .execute(async (trx) => {
      await sql`INSERT INTO t (x) VALUES (zeroblob(1000000))`.execute(trx);
    })
    .catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(StorageFullError);
  expect((failure as StorageFullError).message).toMatch(/^Storage is full: /);
  expect((failure as StorageFullError).message).not.toContain('cannot rollback');
  expect(((failure as StorageFullError).cause as { code: string }).code).toBe('SQLITE_FULL');
  // Nothing was written, and the connection takes the next transaction.
  await sql.raw('PRAGMA max_page_count = 1000000').execute(db);
  await db.transaction().execute(async (trx) => {
    await sql`INSERT INTO t (x) VALUES (1)`.execute(trx);
  });
  const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(db);
  expect(rows[0]?.n).toBe(1);
});

it('turns a full disk outside a transaction into StorageFullError too', async () => {
  await capAtCurrentSize();
  await expect(sql`INSERT INTO t (x) VALUES (zeroblob(1000000))`.execute(db)).rejects.toThrow(
    StorageFullError,
  );
});
