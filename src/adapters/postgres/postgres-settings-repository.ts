/**
 * @module
 * Server-wide settings in PostgreSQL (table `settings`), shared by every process on the
 * database.
 */
import type { Kysely } from 'kysely';
import type { SettingsRepository } from '../../ports/metadata-store.js';
import { settingReads } from '../sql/metadata-reads.js';
import { queryOne } from './postgres-database.js';
import type { PostgresDatabase } from './postgres-schema.js';

export class PostgresSettingsRepository implements SettingsRepository {
  constructor(private readonly db: () => Kysely<PostgresDatabase>) {}

  async getOrCreate(key: string, create: () => string): Promise<string> {
    const existing = await queryOne<{ value: string }>(this.db(), settingReads.value, [key]);
    if (existing) return existing.value;
    // Another process may insert first; whichever row won is the value for everyone.
    await this.db()
      .insertInto('settings')
      .values({ key, value: create() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await queryOne<{ value: string }>(this.db(), settingReads.value, [key]);
    if (!row) throw new Error(`Setting ${key} vanished right after it was written.`);
    return row.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db()
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}
