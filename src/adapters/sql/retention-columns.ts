/**
 * @module
 * The columns and indexes retention and "who asked" add (SQLite migration `0016_retention`,
 * PostgreSQL `0008_retention`), the same on both engines but for the integer type of times.
 */

/** The statements of the migration, for an engine whose 64-bit integer type is `integer`. */
export function retentionStatements(integer: 'INTEGER' | 'BIGINT'): readonly string[] {
  return [
    // Days kept after the export ended; null: kept until deleted (and every older export).
    `ALTER TABLE exports ADD COLUMN retention_days ${integer}`,
    // Set by an admin, or by the sweep once the export ended; null until then.
    `ALTER TABLE exports ADD COLUMN expires_time ${integer}`,
    // null, 'expiring' (a sweep is deleting its files) or 'expired' (they are gone).
    'ALTER TABLE exports ADD COLUMN expiry_state TEXT',
    `ALTER TABLE exports ADD COLUMN expired_time ${integer}`,
    // When a sweep last took the export to delete its files: another takes it over only once
    // this is older than the claim's lease (a sweep that crashed).
    `ALTER TABLE exports ADD COLUMN expiry_claim_time ${integer}`,
    // 'admin' or 'integration', its id and name at the time, and the integration's token.
    'ALTER TABLE exports ADD COLUMN created_by_type TEXT',
    `ALTER TABLE exports ADD COLUMN created_by_id ${integer}`,
    'ALTER TABLE exports ADD COLUMN created_by_name TEXT',
    `ALTER TABLE exports ADD COLUMN created_by_token_id ${integer}`,
    'ALTER TABLE exports ADD COLUMN reason TEXT',
    `ALTER TABLE dyi_files ADD COLUMN expired_time ${integer}`,
    // Exports whose expiry the sweep has yet to fix (few: those that ended since its last run).
    `CREATE INDEX exports_awaiting_expiry ON exports (id)
       WHERE expires_time IS NULL AND retention_days IS NOT NULL AND expiry_state IS NULL`,
    `CREATE INDEX exports_by_expiry ON exports (expires_time)
       WHERE expires_time IS NOT NULL AND (expiry_state IS NULL OR expiry_state = 'expiring')`,
  ];
}
