/**
 * @module
 * Migrations of the content tables on PostgreSQL, run after the metadata store's own (see
 * `postgres-migrations.ts`, which lists these after its `0001_initial`). Kysely runs
 * migrations in the order of their names, so each name here must sort after the metadata
 * store's. Empty until the PostgreSQL content store brings its tables.
 */
import type { Migration } from 'kysely';

export const contentMigrations: Record<string, Migration> = {};
