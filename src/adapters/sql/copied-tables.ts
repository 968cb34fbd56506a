/**
 * @module
 * The tables `dyi copy` moves from an embedded deployment's SQLite file to PostgreSQL, in an
 * order that inserts every referenced row before the rows that reference it, each with the
 * primary key it is read by (in keyset chunks). Both schemas name tables and columns alike
 * (`metadata-tables.ts`), so a row copies as it is read.
 *
 * Not copied, and why:
 * - `export_job_counts`: derived. PostgreSQL's triggers make an export's row when the export is
 *   inserted and add every inserted job to it, counting only the rows an insert really wrote
 *   (a re-run's `ON CONFLICT DO NOTHING` skips add nothing). Copying the table as well would
 *   need the triggers off (`session_replication_role`, a superuser's setting); instead the
 *   copy compares the counts PostgreSQL derived with SQLite's.
 * - `job_tasks`: SQLite's embedded queue. On PostgreSQL the queue is pg-boss, and every worker
 *   pool enqueues the unfinished jobs (`jobs.unfinishedIds()`) when it starts.
 * - `usage_windows`: rate-limit windows, which an embedded deployment keeps in memory only.
 * - `pending_reveals`: secrets waiting minutes at most for the page a form redirects to; their
 *   keys live only in those redirect URLs, so a copied row could never be opened.
 * - `kysely_migration`, `kysely_migration_lock`, `sqlite_sequence`: each engine's own
 *   bookkeeping; opening the PostgreSQL store runs its migrations, and identity sequences are
 *   moved past the copied ids instead.
 */

export interface CopiedTable {
  readonly name: string;
  /** The primary key's columns, in the order rows are read. */
  readonly key: readonly string[];
}

export const COPIED_TABLES: readonly CopiedTable[] = [
  { name: 'objects', key: ['id'] },
  { name: 'communities', key: ['id'] },
  { name: 'members', key: ['id'] },
  { name: 'integrations', key: ['id'] },
  { name: 'access_tokens', key: ['id'] },
  { name: 'exports', key: ['id'] },
  { name: 'dyi_jobs', key: ['id'] },
  { name: 'dyi_files', key: ['id'] },
  { name: 'settings', key: ['key'] },
  { name: 'admins', key: ['id'] },
  { name: 'admin_sessions', key: ['id_hash'] },
  { name: 'sign_in_counters', key: ['account', 'address'] },
  { name: 'import_runs', key: ['id'] },
  { name: 'content_records', key: ['community_id', 'kind', 'id'] },
  { name: 'content_involves', key: ['community_id', 'kind', 'id', 'member'] },
];

/** Tables whose ids PostgreSQL hands out from an identity sequence. */
export const IDENTITY_TABLES: readonly string[] = ['objects', 'admins', 'import_runs'];
