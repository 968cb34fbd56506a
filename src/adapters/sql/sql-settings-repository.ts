/**
 * @module
 * Server-wide settings (table `settings`), the same on SQLite and PostgreSQL, shared by every
 * process on the database.
 */
import type { Kysely } from 'kysely';
import type { SettingsRepository } from '../../ports/metadata-store.js';
import { settingReads } from './metadata-reads.js';
import type { MetadataTables } from './metadata-tables.js';
import type { SqlEngine } from './sql-engine.js';

export class SqlSettingsRepository implements SettingsRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {}

  async getOrCreate(key: string, create: () => string): Promise<string> {
    const existing = await this.engine.queryOne<{ value: string }>(this.db(), settingReads.value, [
      key,
    ]);
    if (existing) return existing.value;
    // Another process may insert first; whichever row won is the value for everyone.
    await this.db()
      .insertInto('settings')
      .values({ key, value: create() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await this.engine.queryOne<{ value: string }>(this.db(), settingReads.value, [key]);
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
