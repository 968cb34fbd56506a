/**
 * @module
 * Runs the shared UsageCounters contract on PostgreSQL (a fresh database for this file, with
 * the usage migrations applied), then checks what only this store promises: ended windows are
 * deleted, and a database without the table is refused with what to do.
 */
import { Kysely, type MigrationProvider, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { ConfigurationError } from '../../domain/index.js';
import { runUsageCountersContract } from '../../ports/usage-counters.contract.js';
import { postgresOrSkip, type TestDatabase } from '../../../test/support/postgres.js';
import { PostgresUsageCounters } from './postgres-usage-counters.js';
import { usageMigrations } from './postgres-usage-migrations.js';

let database: Promise<TestDatabase | undefined> | undefined;

/** This file's database, made and migrated at the first test that needs it. */
async function migratedDatabase(ctx: TestContext): Promise<TestDatabase> {
  database ??= postgresOrSkip(ctx).then(async (made) => {
    if (made !== undefined) await migrate(made.url);
    return made;
  });
  const made = await database;
  if (made === undefined) ctx.skip('no PostgreSQL');
  return made;
}

async function migrate(url: string): Promise<void> {
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

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  await (await database)?.drop();
});

runUsageCountersContract('PostgreSQL', async (ctx) => {
  const { url } = await migratedDatabase(ctx);
  return {
    open: () => new PostgresUsageCounters({ url, maxConnections: 4 }),
    shared: true,
    cleanup: () => query(url, 'TRUNCATE usage_windows').then(() => undefined),
  };
});

describe('PostgresUsageCounters', () => {
  const T = 1_767_225_600_000;
  const count = (key: string) => ({ key, windowMs: 1000, calls: 1, wallMs: 0, cpuMs: 0 });

  it('deletes ended windows, once a minute', async (ctx) => {
    const { url } = await migratedDatabase(ctx);
    await query(url, 'TRUNCATE usage_windows');
    const counters = new PostgresUsageCounters({ url });
    await counters.init();
    try {
      await counters.count([count('old-1'), count('old-2')], T);
      await counters.count([count('recent')], T + 59_000);
      // The first count swept (nothing then); the next sweep is due a minute later.
      expect(await query(url, 'SELECT key FROM usage_windows ORDER BY key')).toHaveLength(3);
      await counters.count([count('new')], T + 60_000);
    } finally {
      await counters.close(); // waits for the sweep it started
    }
    const keys = await query<{ key: string }>(url, 'SELECT key FROM usage_windows ORDER BY key');
    expect(keys.map((row) => row.key)).toEqual(['new']);
  });

  it('refuses a database without its table, and says to migrate', async (ctx) => {
    const made = await postgresOrSkip(ctx);
    if (made === undefined) return;
    try {
      const counters = new PostgresUsageCounters({ url: made.url });
      const failure = await counters.init().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(ConfigurationError);
      expect(String((failure as Error).message)).toMatch(/no usage_windows table.*dyi migrate/);
      expect(String((failure as Error).message)).not.toMatch(/postgres:\/\/postgres:/);
    } finally {
      await made.drop();
    }
  });
});
