/**
 * @module
 * The audit trail's table, the same on SQLite and PostgreSQL but for the integer type of its
 * numbers (SQLite's INTEGER is 64-bit already). Indexed for the community's edge, newest
 * first, with or without a time range.
 */

export const AUDIT_RECORDS_TABLE = (integer: 'INTEGER' | 'BIGINT'): string =>
  `CREATE TABLE audit_records (
     id ${integer} PRIMARY KEY,
     time ${integer} NOT NULL,
     act TEXT NOT NULL,
     actor_type TEXT NOT NULL,
     admin_id TEXT,
     admin_email TEXT,
     integration_id TEXT,
     token_id TEXT,
     client_address TEXT,
     user_agent TEXT,
     community_id TEXT,
     object_type TEXT,
     object_id TEXT,
     details TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL)`;

export const AUDIT_RECORDS_INDEXES = [
  'CREATE INDEX audit_records_by_community ON audit_records (community_id, id)',
  'CREATE INDEX audit_records_by_time ON audit_records (community_id, time, id)',
] as const;
