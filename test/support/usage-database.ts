/**
 * @module
 * A fresh PostgreSQL database with the usage counters' table (`usageMigrations` applied the way
 * the metadata migrator applies them), made once per test file at its first test, or that
 * test skipped (failed under DYI_REQUIRE_SERVICES=1) when no PostgreSQL answers.
 */
import { Kysely, type MigrationProvider, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { TestContext } from 'vitest';
import { usageMigrations } from '../../src/adapters/postgres/postgres-usage-migrations.js';
import { postgresOrSkip, type TestDatabase } from './postgres.js';

export interface UsageDatabase {
  /** This file's database, migrated; the calling test is skipped when there is none. */
  get(ctx: TestContext): Promise<TestDatabase>;
  /** Drops the database, if one was made (call from afterAll). */
  drop(): Promise<void>;
}

export function usageDatabase(): UsageDatabase {
  let made: Promise<TestDatabase | undefined> | undefined;
  return {
    async get(ctx) {
      made ??= postgresOrSkip(ctx).then(async (database) => {
        if (database !== undefined) await migrateUsage(database.url);
        return database;
      });
      const database = await made;
      if (database === undefined) return ctx.skip('no PostgreSQL');
      return database;
    },
    async drop() {
      await (await made)?.drop();
    },
  };
}

async function migrateUsage(url: string): Promise<void> {
  const db = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
  });
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(usageMigrations) };
  try {
    const { error } = await new Migrator({ db, provider }).migrateToLatest();
    if (error !== undefined) throw new Error('the usage migrations failed', { cause: error });
  } finally {
    await db.destroy();
  }
}

/** Runs one statement on `url` and answers its rows. */
export async function queryRows<T extends pg.QueryResultRow>(
  url: string,
  text: string,
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}
