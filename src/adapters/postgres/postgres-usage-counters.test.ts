/**
 * @module
 * Runs the shared UsageCounters contract on PostgreSQL (a fresh database for this file, with
 * the usage migrations applied), then checks what only this store promises: ended windows are
 * deleted, and a database without the table is refused with what to do.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../domain/index.js';
import { runUsageCountersContract } from '../../ports/usage-counters.contract.js';
import { postgresOrSkip } from '../../../test/support/postgres.js';
import { queryRows as query, usageDatabase } from '../../../test/support/usage-database.js';
import { PostgresUsageCounters } from './postgres-usage-counters.js';

const database = usageDatabase();
afterAll(() => database.drop());

runUsageCountersContract('PostgreSQL', async (ctx) => {
  const { url } = await database.get(ctx);
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
    const { url } = await database.get(ctx);
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
