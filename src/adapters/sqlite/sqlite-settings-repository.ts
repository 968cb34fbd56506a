/**
 * @module
 * Server-wide settings in SQLite (table `settings`), shared by every process on the file.
 */
import type { Kysely } from 'kysely';
import type { SettingsRepository } from '../../ports/metadata-store.js';
import { settingReads } from '../sql/metadata-reads.js';
import { queryOne } from './sqlite-database.js';
import type { SqliteDatabase } from './sqlite-schema.js';

export class SqliteSettingsRepository implements SettingsRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

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
