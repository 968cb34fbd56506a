/**
 * @module
 * Row types of the PostgreSQL database as Kysely sees them: the metadata tables, alike on both
 * engines (`../sql/metadata-tables.ts`). BIGINT columns come back as numbers (see
 * `postgres-database.ts`), flags are SMALLINT 0 or 1 and lists JSON text, as on SQLite, so the
 * row mappers and `dyi copy` need no second version. The content tables join this type with
 * the PostgreSQL content store.
 */
import type { MetadataTables } from '../sql/metadata-tables.js';

export type PostgresDatabase = MetadataTables;
