/**
 * @module
 * What every PostgreSQL store gets from `openPostgres`, on a real database: SQL written with
 * `?` placeholders runs, writes are reported once done (reads are not), failures come out as
 * ours while constraint violations keep their codes, and 64-bit integers read as numbers.
 */
import type { Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../domain/index.js';
import { postgresOrSkip, type TestDatabase } from '../../../test/support/postgres.js';
import {
  isUniqueViolation,
  numberPlaceholders,
  openPostgres,
  query,
  queryOne,
} from './postgres-database.js';

describe('numberPlaceholders', () => {
  it('numbers every ? in order and leaves the rest of the text alone', () => {
    expect(numberPlaceholders('SELECT * FROM t WHERE a = ? AND b = ANY(?::bigint[]) LIMIT ?')).toBe(
      'SELECT * FROM t WHERE a = $1 AND b = ANY($2::bigint[]) LIMIT $3',
    );
    expect(numberPlaceholders('SELECT 1')).toBe('SELECT 1');
  });
});

describe('openPostgres', () => {
  let database: TestDatabase | undefined;
  let db: Kysely<unknown> | undefined;
  let writes = 0;

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  /** The file's database with its table `t` (created on first use), or the test skipped. */
  async function open(ctx: { skip(note?: string): void }): Promise<Kysely<unknown>> {
    database ??= await postgresOrSkip(ctx);
    if (!database) throw new Error('unreachable: postgresOrSkip skipped the test');
    if (!db) {
      db = openPostgres({ url: database.url, onWrite: () => writes++ });
      await query(db, 'CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL)', []);
    }
    return db;
  }

  it('runs ? placeholders, reads bigints as numbers and reports writes, not reads', async (ctx) => {
    const postgres = await open(ctx);
    const before = writes;
    await query(postgres, 'INSERT INTO t (id, name) VALUES (?, ?)', [100_000_000_000_001, 'a']);
    expect(writes).toBe(before + 1);
    const row = await queryOne<{ id: number; n: number }>(
      postgres,
      'SELECT id, count(*) OVER () AS n FROM t WHERE name = ?',
      ['a'],
    );
    expect(row).toEqual({ id: 100_000_000_000_001, n: 1 });
    expect(writes).toBe(before + 1);
    await postgres
      .transaction()
      .execute((trx) => query(trx, 'UPDATE t SET name = ? WHERE id = ?', ['b', 1]));
    expect(writes).toBe(before + 3); // the UPDATE, then its COMMIT
  });

  it('passes constraint violations through with their code', async (ctx) => {
    const failure = await query(await open(ctx), 'INSERT INTO t (id, name) VALUES (?, ?), (?, ?)', [
      7,
      'x',
      7,
      'y',
    ]).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isUniqueViolation(failure)).toBe(true);
  });

  it('turns a server that cannot be reached into a TransientError', async (ctx) => {
    await open(ctx);
    const unreachable = openPostgres({ url: 'postgres://postgres@127.0.0.1:1/nowhere' });
    try {
      await expect(query(unreachable, 'SELECT 1', [])).rejects.toBeInstanceOf(TransientError);
    } finally {
      await unreachable.destroy();
    }
  });
});
