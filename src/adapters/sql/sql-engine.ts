/**
 * @module
 * What a repository shared by both engines needs from the one it runs on: fixed-SQL reads
 * (SQL texts with `?` placeholders, as `metadata-reads.ts` holds them) and how that engine
 * reports a unique-key violation. SQLite's come from `sqlite-database.ts` (with its read
 * connection and cache), PostgreSQL's from `postgres-database.ts`.
 */
import type { Kysely } from 'kysely';
import type { MetadataTables } from './metadata-tables.js';

export interface SqlEngine {
  query<R>(db: Kysely<MetadataTables>, sql: string, parameters: readonly unknown[]): Promise<R[]>;
  queryOne<R>(
    db: Kysely<MetadataTables>,
    sql: string,
    parameters: readonly unknown[],
  ): Promise<R | undefined>;
  isUniqueViolation(error: unknown): boolean;
}
