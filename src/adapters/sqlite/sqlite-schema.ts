/**
 * @module
 * Row types of the SQLite database as Kysely sees them: the metadata tables shared with
 * PostgreSQL (`../sql/metadata-tables.ts`) and SQLite's content tables.
 */
import type { MetadataTables } from '../sql/metadata-tables.js';

/** One content record of any kind (migration 0003); written by SqliteContentStore only. */
export interface ContentRecordsTable {
  community_id: number;
  kind: string;
  id: string;
  owner: string | null;
  parent: string | null;
  created_time: number;
  /** The record as JSON, keys in the order it was written with. */
  data: string;
}

/** The members a content record involves besides its owner (see `linksOf`), with its time. */
export interface ContentInvolvesTable {
  community_id: number;
  kind: string;
  id: string;
  member: string;
  created_time: number;
}

export interface SqliteDatabase extends MetadataTables {
  content_records: ContentRecordsTable;
  content_involves: ContentInvolvesTable;
}
