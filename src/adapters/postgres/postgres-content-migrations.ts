/**
 * @module
 * The PostgreSQL schema of the ContentStore, as migrations that run after the metadata
 * store's (`00xx`), in the same Kysely migrator: `content_records` and `content_involves`
 * mirror SQLite's migration `0003_content` column for column, and `members` gains the
 * `source_id` a member record fills in. A migration is never edited once released.
 *
 * Text keys are `COLLATE "C"`: records are ordered by id compared as bytes, as SQLite does,
 * whatever the database's default collation, and the indexes that page them agree with that
 * order. `data` is `text`, not `jsonb`: jsonb would reorder the record's keys, and exports must
 * read back the bytes SQLite would.
 */
import { type Kysely, type Migration, sql } from 'kysely';

export const contentMigrations: Record<string, Migration> = {
  '0101_content': {
    // As in SQLite, one generic table for every kind: exports select by kind, owner, parent and
    // time, never by a kind's own fields. Every index costs an import dearly, so
    // `content_involves` holds only the members a record involves besides its owner.
    async up(db: Kysely<unknown>): Promise<void> {
      const statements = [
        `CREATE TABLE content_records (
           community_id BIGINT NOT NULL,
           kind TEXT COLLATE "C" NOT NULL,
           id TEXT COLLATE "C" NOT NULL,
           owner TEXT COLLATE "C",
           parent TEXT COLLATE "C",
           created_time BIGINT NOT NULL,
           data TEXT NOT NULL,
           PRIMARY KEY (community_id, kind, id))`,
        `CREATE INDEX content_records_by_time
           ON content_records (community_id, kind, created_time, id)`,
        `CREATE INDEX content_records_by_owner
           ON content_records (community_id, kind, owner, created_time, id)`,
        `CREATE INDEX content_records_by_parent
           ON content_records (community_id, kind, parent, created_time, id)
           WHERE parent IS NOT NULL`,
        `CREATE TABLE content_involves (
           community_id BIGINT NOT NULL,
           kind TEXT COLLATE "C" NOT NULL,
           id TEXT COLLATE "C" NOT NULL,
           member TEXT COLLATE "C" NOT NULL,
           created_time BIGINT NOT NULL,
           PRIMARY KEY (community_id, kind, id, member))`,
        `CREATE INDEX content_involves_by_member
           ON content_involves (community_id, kind, member, created_time, id)`,
        // The content id of a member created by a member record; null for members made
        // otherwise. IF NOT EXISTS: the metadata schema may already declare it.
        `ALTER TABLE members ADD COLUMN IF NOT EXISTS source_id TEXT`,
        `CREATE UNIQUE INDEX IF NOT EXISTS members_by_source_id
           ON members (community_id, source_id)`,
      ];
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  },
};
