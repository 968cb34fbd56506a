/**
 * @module
 * The import benches' reference: the rows an import wrote, inserted again with plain
 * better-sqlite3 prepared INSERTs in one transaction, into a database made by our own
 * migrations (so the same tables, columns and indexes) with the pragmas our store uses.
 */
import Database from 'better-sqlite3';

/** The pragmas `SqliteContentStore` opens its connection with. */
export const STORE_PRAGMAS = [
  'journal_mode = WAL',
  'synchronous = NORMAL',
  'busy_timeout = 5000',
  'foreign_keys = ON',
  'wal_autocheckpoint = 16384',
];

/** An import's rows as read back, each without its community id. */
export interface ImportedRows {
  /** kind, id, owner, parent, created_time, data */
  readonly records: readonly (readonly unknown[])[];
  /** kind, id, member, created_time */
  readonly involves: readonly (readonly unknown[])[];
  /** name, email, status, source_id of members that came from the import */
  readonly members: readonly (readonly unknown[])[];
}

/** The rows in the database file `from`, as an import into its one community wrote them. */
export function readImportedRows(from: string): ImportedRows {
  const source = new Database(from, { readonly: true });
  try {
    const select = (sql: string): unknown[][] => source.prepare(sql).raw().all() as unknown[][];
    const communities = select('SELECT DISTINCT community_id FROM content_records');
    if (communities.length > 1) throw new Error(`${from} holds more than one community's content`);
    return {
      records: select('SELECT kind, id, owner, parent, created_time, data FROM content_records'),
      involves: select('SELECT kind, id, member, created_time FROM content_involves'),
      members: select(
        'SELECT name, email, status, source_id FROM members WHERE source_id IS NOT NULL',
      ),
    };
  } finally {
    source.close();
  }
}

/**
 * Inserts `rows` for `community` into the database file `into` (made by our migrations, the
 * community already created), one prepared INSERT per row in one transaction. Returns the time
 * by `now` from opening the connection to the commit: closing, which checkpoints the WAL, is
 * timed on neither side of the benches.
 */
export function insertPlainly(
  into: string,
  community: number,
  rows: ImportedRows,
  now: () => number,
): number {
  const started = now();
  const db = new Database(into);
  try {
    for (const pragma of STORE_PRAGMAS) db.pragma(pragma);
    const record = db.prepare('INSERT INTO content_records VALUES (?, ?, ?, ?, ?, ?, ?)');
    const involve = db.prepare('INSERT INTO content_involves VALUES (?, ?, ?, ?, ?)');
    const object = db.prepare("INSERT INTO objects (kind, community_id) VALUES ('member', ?)");
    const member = db.prepare(
      'INSERT INTO members (id, community_id, name, email, status, source_id) VALUES (?, ?, ?, ?, ?, ?)',
    );
    db.transaction(() => {
      for (const row of rows.records) record.run(community, ...row);
      for (const row of rows.involves) involve.run(community, ...row);
      for (const row of rows.members)
        member.run(object.run(community).lastInsertRowid, community, ...row);
    }).immediate();
    return now() - started;
  } finally {
    db.close();
  }
}
