/**
 * What `openStores` opens on PostgreSQL, on a real server: how many connections a process may
 * hold at its busiest. Every API process and export thread opens the stores, so their sum is
 * what a deployment has to fit in PostgreSQL's `max_connections`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresOrSkip, type TestDatabase } from '../test/support/postgres.js';
import { loadConfig } from './config.js';
import { closeStores, openStores, type Stores } from './open-stores.js';
import { systemClock } from './ports/clock.js';

/** Connections to `database` by application name, this test's own left out. */
async function connectionsTo(database: TestDatabase): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: database.url, application_name: 'the test' });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; n: number }>(
      `SELECT application_name AS name, count(*)::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND application_name <> 'the test' GROUP BY 1`,
      [database.name],
    );
    return new Map(rows.map((row) => [row.name, row.n]));
  } finally {
    await client.end();
  }
}

describe('openStores on PostgreSQL', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function open(
    ctx: { skip(note?: string): void },
    env: Record<string, string>,
  ): Promise<{ stores: Stores; database: TestDatabase }> {
    const database = await postgresOrSkip(ctx);
    if (!database) throw new Error('unreachable: postgresOrSkip skipped the test');
    cleanups.push(() => database.drop());
    const dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-open-stores-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const config = loadConfig({ DYI_DATA_DIR: dataDir, DYI_DATABASE_URL: database.url, ...env });
    const stores = await openStores(config, systemClock);
    cleanups.push(() => closeStores(stores));
    return { stores, database };
  }

  it('keeps metadata, content and usage counters within DYI_DATABASE_POOL_SIZE connections together', async (ctx) => {
    const { stores, database } = await open(ctx, { DYI_DATABASE_POOL_SIZE: '3' });
    const community = '100000000000001';
    // Thirty statements at once, ten per store: each store would open a connection per
    // statement up to its own limit if it had a pool of its own.
    await Promise.all(
      Array.from({ length: 10 }, (_, i): Promise<unknown>[] => [
        stores.metadata.communities.list(),
        stores.content.counts(community),
        // A promise on PostgreSQL (the in-memory counters answer at once).
        Promise.resolve(
          stores.usageCounters.count(
            [{ key: `token:${i}`, windowMs: 60_000, calls: 1, wallMs: 1, cpuMs: 1 }],
            Date.now(),
          ),
        ),
      ]).flat(),
    );
    const connections = await connectionsTo(database);
    // Besides the shared pool: the job queue's own pool (pg-boss) and the change listener.
    const queue = connections.get('dyi-export-queue') ?? 0;
    const listener = connections.get('dyi-export changes') ?? 0;
    const total = [...connections.values()].reduce((sum, n) => sum + n, 0);
    expect(listener).toBe(1);
    expect(queue).toBeLessThanOrEqual(4);
    expect(total - queue - listener, JSON.stringify([...connections])).toBeLessThanOrEqual(3);
    expect(total - queue - listener).toBeGreaterThan(0);
  });

  it('closes every connection it opened, the shared pool once', async (ctx) => {
    const { stores, database } = await open(ctx, { DYI_DATABASE_POOL_SIZE: '2' });
    await Promise.all([
      stores.metadata.communities.list(),
      stores.content.counts('100000000000001'),
    ]);
    await closeStores(stores);
    const left = await connectionsTo(database);
    expect([...left]).toEqual([]);
    // Closing twice (the cleanup does) is harmless.
    await closeStores(stores);
  });
});
