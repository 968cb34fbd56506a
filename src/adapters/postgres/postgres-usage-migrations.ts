/**
 * @module
 * The PostgreSQL table of the shared usage counters (`PostgresUsageCounters`), as migrations
 * that the metadata store's migrator runs with its own, so that `dyi migrate` creates it and a
 * schema version covers it. Numbered from 0201 to stay clear of the metadata migrations.
 *
 * The table is UNLOGGED: a row lives one rate-limit window, and after a crash (or on a standby
 * promoted to primary) the counters start from zero, which only gives every key a fresh window
 * early. In return, the update every API call makes writes no WAL. A low fillfactor leaves room
 * on each page for those updates to stay HOT (no index change: only `key` is indexed).
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const usageMigrations: Record<string, Migration> = {
  '0201_usage_windows': {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`
        CREATE UNLOGGED TABLE usage_windows (
          key text PRIMARY KEY,
          window_end bigint NOT NULL,
          calls bigint NOT NULL,
          wall_ms double precision NOT NULL,
          cpu_ms double precision NOT NULL
        ) WITH (fillfactor = 50)`.execute(db);
    },
  },
};
