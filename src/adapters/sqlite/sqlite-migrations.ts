/**
 * @module
 * Versioned schema migrations of the SQLite metadata store, run in order at start. A migration
 * is never edited once released: a change is a new migration. A database that has run a
 * migration this code does not know was written by a newer dyi-export and is refused.
 */
import { AUDIT_RECORDS_INDEXES, AUDIT_RECORDS_TABLE } from '../sql/audit-records-schema.js';
import Database from 'better-sqlite3';
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { migrationFailure, refuseUnknownMigrations } from '../sql/migration-guard.js';
import { fillMemberSearchKeys } from '../sql/member-search-keys.js';
import { FIRST_OBJECT_ID } from '../sql/object-ids.js';
import { retentionStatements } from '../sql/retention-columns.js';

const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>): Promise<void> {
      const statements = [
        `CREATE TABLE objects (
           id INTEGER PRIMARY KEY AUTOINCREMENT,
           kind TEXT NOT NULL,
           community_id INTEGER)`,
        `INSERT INTO sqlite_sequence (name, seq) VALUES ('objects', ${FIRST_OBJECT_ID - 1})`,
        `CREATE TABLE communities (
           id INTEGER PRIMARY KEY REFERENCES objects(id),
           name TEXT NOT NULL,
           create_time INTEGER NOT NULL)`,
        `CREATE TABLE members (
           id INTEGER PRIMARY KEY REFERENCES objects(id),
           community_id INTEGER NOT NULL REFERENCES communities(id),
           name TEXT NOT NULL,
           email TEXT,
           status TEXT NOT NULL CHECK (status IN ('active', 'deactivated', 'deleted')))`,
        `CREATE INDEX members_by_community_status ON members (community_id, status, id)`,
        `CREATE TABLE integrations (
           id INTEGER PRIMARY KEY REFERENCES objects(id),
           community_id INTEGER NOT NULL REFERENCES communities(id),
           name TEXT NOT NULL,
           app_secret TEXT NOT NULL,
           require_appsecret_proof INTEGER NOT NULL DEFAULT 0,
           create_time INTEGER NOT NULL)`,
        `CREATE INDEX integrations_by_community ON integrations (community_id, id)`,
        `CREATE TABLE access_tokens (
           id INTEGER PRIMARY KEY REFERENCES objects(id),
           integration_id INTEGER NOT NULL REFERENCES integrations(id),
           community_id INTEGER NOT NULL REFERENCES communities(id),
           token_hash TEXT NOT NULL UNIQUE,
           hint TEXT NOT NULL,
           permissions TEXT NOT NULL,
           create_time INTEGER NOT NULL,
           revoke_time INTEGER)`,
        `CREATE INDEX access_tokens_by_integration ON access_tokens (integration_id, id)`,
        `CREATE TABLE exports (
           id INTEGER PRIMARY KEY REFERENCES objects(id),
           community_id INTEGER NOT NULL REFERENCES communities(id),
           create_time INTEGER NOT NULL,
           data_types TEXT NOT NULL,
           dyi_format TEXT NOT NULL,
           media_quality TEXT NOT NULL,
           start_time INTEGER NOT NULL,
           end_time INTEGER NOT NULL,
           idempotency_key TEXT,
           cancel_requested INTEGER NOT NULL DEFAULT 0,
           UNIQUE (community_id, idempotency_key))`,
        `CREATE INDEX exports_by_community ON exports (community_id, id)`,
        `CREATE TABLE dyi_jobs (
           id INTEGER PRIMARY KEY REFERENCES objects(id),
           export_id INTEGER NOT NULL REFERENCES exports(id),
           community_id INTEGER NOT NULL,
           job_type TEXT NOT NULL CHECK (job_type IN ('COMPANY', 'USER')),
           user_id INTEGER,
           data_types TEXT NOT NULL,
           state TEXT NOT NULL,
           abort_reason TEXT,
           state_message TEXT,
           progress REAL NOT NULL DEFAULT 0,
           create_time INTEGER NOT NULL,
           update_time INTEGER NOT NULL)`,
        `CREATE INDEX dyi_jobs_by_export ON dyi_jobs (export_id, job_type, id)`,
        `CREATE INDEX dyi_jobs_by_export_state ON dyi_jobs (export_id, state, id)`,
        `CREATE TABLE dyi_files (
           id INTEGER PRIMARY KEY REFERENCES objects(id),
           job_id INTEGER NOT NULL REFERENCES dyi_jobs(id),
           community_id INTEGER NOT NULL,
           name TEXT NOT NULL,
           size INTEGER NOT NULL,
           sha256 TEXT NOT NULL,
           content_type TEXT NOT NULL,
           part_number INTEGER NOT NULL,
           blob_key TEXT NOT NULL,
           create_time INTEGER NOT NULL)`,
        `CREATE INDEX dyi_files_by_job ON dyi_files (job_id, id)`,
        `CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
      ];
      for (const statement of statements) await sql.raw(statement).execute(db);
    },
  },
};

const COUNTED_STATES = {
  pending: 'PENDING',
  in_progress: 'IN_PROGRESS',
  completed: 'COMPLETED',
  aborted: 'ABORTED',
  failed: 'FAILED',
} as const;

/** What a job adds to (NEW) or takes from (OLD) its export's counters, as SET assignments. */
function counterChange(rows: readonly { row: 'NEW' | 'OLD'; sign: '+' | '-' }[]): string {
  const terms = (value: (row: string) => string): string =>
    rows.map(({ row, sign }) => ` ${sign} ${value(row)}`).join('');
  const counts = Object.entries(COUNTED_STATES).map(
    ([column, state]) => `${column} = ${column}${terms((row) => `(${row}.state = '${state}')`)}`,
  );
  const progress = `running_progress = running_progress${terms(
    (row) => `(CASE WHEN ${row}.state = 'IN_PROGRESS' THEN ${row}.progress ELSE 0 END)`,
  )}`;
  return [...counts, progress].join(', ');
}

migrations['0002_export_job_counts'] = {
  // Reading an export must not cost more for 100,000 jobs than for 10: the counts of its jobs
  // per state are kept by triggers, so every path that changes a job keeps them true.
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      `CREATE TABLE export_job_counts (
         export_id INTEGER PRIMARY KEY REFERENCES exports(id) ON DELETE CASCADE,
         pending INTEGER NOT NULL DEFAULT 0,
         in_progress INTEGER NOT NULL DEFAULT 0,
         completed INTEGER NOT NULL DEFAULT 0,
         aborted INTEGER NOT NULL DEFAULT 0,
         failed INTEGER NOT NULL DEFAULT 0,
         running_progress REAL NOT NULL DEFAULT 0)`,
      `INSERT INTO export_job_counts
         (export_id, pending, in_progress, completed, aborted, failed, running_progress)
       SELECT e.id,
         count(j.id) FILTER (WHERE j.state = 'PENDING'),
         count(j.id) FILTER (WHERE j.state = 'IN_PROGRESS'),
         count(j.id) FILTER (WHERE j.state = 'COMPLETED'),
         count(j.id) FILTER (WHERE j.state = 'ABORTED'),
         count(j.id) FILTER (WHERE j.state = 'FAILED'),
         coalesce(sum(j.progress) FILTER (WHERE j.state = 'IN_PROGRESS'), 0)
       FROM exports e LEFT JOIN dyi_jobs j ON j.export_id = e.id
       GROUP BY e.id`,
      `CREATE TRIGGER export_job_counts_on_export AFTER INSERT ON exports BEGIN
         INSERT INTO export_job_counts (export_id) VALUES (NEW.id);
       END`,
      `CREATE TRIGGER export_job_counts_on_insert AFTER INSERT ON dyi_jobs BEGIN
         UPDATE export_job_counts SET ${counterChange([{ row: 'NEW', sign: '+' }])}
         WHERE export_id = NEW.export_id;
       END`,
      // A job never moves to another export, so one UPDATE takes OLD out and puts NEW in.
      `CREATE TRIGGER export_job_counts_on_update AFTER UPDATE OF state, progress ON dyi_jobs BEGIN
         UPDATE export_job_counts
         SET ${counterChange([
           { row: 'NEW', sign: '+' },
           { row: 'OLD', sign: '-' },
         ])}
         WHERE export_id = NEW.export_id;
       END`,
      `CREATE TRIGGER export_job_counts_on_delete AFTER DELETE ON dyi_jobs BEGIN
         UPDATE export_job_counts SET ${counterChange([{ row: 'OLD', sign: '-' }])}
         WHERE export_id = OLD.export_id;
       END`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

migrations['0003_content'] = {
  // Community content, one generic table for every kind: exports select by kind, owner, parent
  // and time, never by a kind's own fields, so the record itself is kept whole as JSON. STRICT,
  // because a created_time stored as text would sort after every number and drop out of ranges.
  // Every index costs an import dearly (each batch rewrites the index pages it touches), so
  // `content_involves` holds only the members a record involves besides its owner (chat
  // participants, the other side of a connection): the owner index answers for the owner.
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      `CREATE TABLE content_records (
         community_id INTEGER NOT NULL,
         kind TEXT NOT NULL,
         id TEXT NOT NULL,
         owner TEXT,
         parent TEXT,
         created_time INTEGER NOT NULL,
         data TEXT NOT NULL,
         PRIMARY KEY (community_id, kind, id)) STRICT`,
      `CREATE INDEX content_records_by_time
         ON content_records (community_id, kind, created_time, id)`,
      `CREATE INDEX content_records_by_owner
         ON content_records (community_id, kind, owner, created_time, id)`,
      `CREATE INDEX content_records_by_parent
         ON content_records (community_id, kind, parent, created_time, id)
         WHERE parent IS NOT NULL`,
      `CREATE TABLE content_involves (
         community_id INTEGER NOT NULL,
         kind TEXT NOT NULL,
         id TEXT NOT NULL,
         member TEXT NOT NULL,
         created_time INTEGER NOT NULL,
         PRIMARY KEY (community_id, kind, id, member)) STRICT, WITHOUT ROWID`,
      `CREATE INDEX content_involves_by_member
         ON content_involves (community_id, kind, member, created_time, id)`,
      // The content id of a member created by a member record; null for members made otherwise.
      `ALTER TABLE members ADD COLUMN source_id TEXT`,
      `CREATE UNIQUE INDEX members_by_source_id ON members (community_id, source_id)`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

migrations['0004_job_queue'] = {
  // The embedded job queue (SqliteJobQueue): one row per DYI job; times in milliseconds.
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      `CREATE TABLE job_tasks (
         job_id INTEGER PRIMARY KEY,
         state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done')),
         attempts INTEGER NOT NULL DEFAULT 0,
         run_after INTEGER NOT NULL,
         worker TEXT,
         lease_until INTEGER,
         last_error TEXT)`,
      `CREATE INDEX job_tasks_queued ON job_tasks (run_after, job_id) WHERE state = 'queued'`,
      `CREATE INDEX job_tasks_leased ON job_tasks (lease_until) WHERE state = 'running'`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

migrations['0005_admin_panel'] = {
  // The admin panel's accounts and sessions, and the log of imports it shows. Admins are not
  // Graph objects (no `GET /{id}` reaches them), so their ids come from their own sequence.
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      `CREATE TABLE admins (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         community_id INTEGER NOT NULL REFERENCES communities(id),
         email TEXT NOT NULL UNIQUE,
         password_hash TEXT NOT NULL,
         failed_sign_ins INTEGER NOT NULL DEFAULT 0,
         last_failed_sign_in INTEGER,
         create_time INTEGER NOT NULL)`,
      `CREATE TABLE admin_sessions (
         id_hash TEXT PRIMARY KEY,
         admin_id INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
         csrf_token TEXT NOT NULL,
         create_time INTEGER NOT NULL,
         expire_time INTEGER NOT NULL)`,
      `CREATE INDEX admin_sessions_by_expiry ON admin_sessions (expire_time)`,
      `CREATE TABLE import_runs (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         community_id INTEGER NOT NULL REFERENCES communities(id),
         source TEXT NOT NULL,
         start_time INTEGER NOT NULL,
         end_time INTEGER NOT NULL,
         succeeded INTEGER NOT NULL,
         records TEXT NOT NULL,
         error TEXT)`,
      `CREATE INDEX import_runs_by_community ON import_runs (community_id, id)`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

migrations['0006_sign_in_counters'] = {
  // Wrong passwords are counted per (account, client address) and per address, before the
  // password is checked, instead of per admin row: an unknown email gets the same counters as
  // an admin's, and the per-admin columns go. Accounts are keyed by a hash of the email.
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      `CREATE TABLE sign_in_counters (
         account TEXT NOT NULL,
         address TEXT NOT NULL,
         failures INTEGER NOT NULL,
         last_failure INTEGER NOT NULL,
         PRIMARY KEY (account, address)) WITHOUT ROWID`,
      `CREATE INDEX sign_in_counters_by_last_failure ON sign_in_counters (last_failure)`,
      `ALTER TABLE admins DROP COLUMN failed_sign_ins`,
      `ALTER TABLE admins DROP COLUMN last_failed_sign_in`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

migrations['0007_left_out_counts'] = {
  // A job that had to leave content out of its archive says how much, on the job and on each
  // file whose manifest lists it, so that no client mistakes it for a complete archive. The
  // export's sum is kept by triggers beside its job counts (see 0002), so reading it stays O(1).
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      `ALTER TABLE dyi_jobs ADD COLUMN left_out_count INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE dyi_files ADD COLUMN left_out_count INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE export_job_counts ADD COLUMN left_out INTEGER NOT NULL DEFAULT 0`,
      `CREATE TRIGGER export_left_out_on_update AFTER UPDATE OF left_out_count ON dyi_jobs
       WHEN NEW.left_out_count <> OLD.left_out_count BEGIN
         UPDATE export_job_counts SET left_out = left_out + NEW.left_out_count - OLD.left_out_count
         WHERE export_id = NEW.export_id;
       END`,
      `CREATE TRIGGER export_left_out_on_delete AFTER DELETE ON dyi_jobs
       WHEN OLD.left_out_count <> 0 BEGIN
         UPDATE export_job_counts SET left_out = left_out - OLD.left_out_count
         WHERE export_id = OLD.export_id;
       END`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

migrations['0008_job_task_lost_runs'] = {
  // Attempts count failed runs only; runs lost with their worker (lease ran out) are counted
  // apart, so that a job that kills its worker every time still ends.
  async up(db: Kysely<unknown>): Promise<void> {
    await sql
      .raw('ALTER TABLE job_tasks ADD COLUMN lost_runs INTEGER NOT NULL DEFAULT 0')
      .execute(db);
  },
};

migrations['0009_token_last_use'] = {
  // When each token last authenticated a call, for `dyi token list` (null: never, or used only
  // before this migration).
  async up(db: Kysely<unknown>): Promise<void> {
    await sql.raw('ALTER TABLE access_tokens ADD COLUMN last_use_time INTEGER').execute(db);
  },
};

migrations['0010_pending_reveals'] = {
  // Secrets the admin panel shows once, waiting between a form's POST and the page it
  // redirects to, which another process may serve: encrypted, under a key that only the
  // redirect's URL holds (see server/admin/one-time-reveals.ts), and gone once shown.
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      `CREATE TABLE pending_reveals (
         id TEXT PRIMARY KEY,
         owner_hash TEXT NOT NULL,
         ciphertext TEXT NOT NULL,
         expire_time_ms INTEGER NOT NULL)`,
      `CREATE INDEX pending_reveals_by_owner ON pending_reveals (owner_hash, expire_time_ms)`,
      `CREATE INDEX pending_reveals_by_expiry ON pending_reveals (expire_time_ms)`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

migrations['0011_job_runs'] = {
  // The run that owns each job: a worker that lost its lease (a long pause) and still runs is
  // fenced off by it, so that only the run that started the job last records files and a final
  // state (see JobRepository's `ownRun`).
  async up(db: Kysely<unknown>): Promise<void> {
    await sql.raw('ALTER TABLE dyi_jobs ADD COLUMN run_id TEXT').execute(db);
  },
};

migrations['0012_export_media_options'] = {
  // The export's media options (issue 13): ship original images with their metadata (only
  // with VERY_HIGH), and leave other people's media out of each member's archive. Exports made
  // before this migration had neither: 0.
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      'ALTER TABLE exports ADD COLUMN keep_original_media INTEGER NOT NULL DEFAULT 0',
      'ALTER TABLE exports ADD COLUMN withhold_others_media INTEGER NOT NULL DEFAULT 0',
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

migrations['0013_export_names'] = {
  // The name an admin may give an export ("Q1 legal hold", issue 14), and whether it was for
  // every active member or chosen ones; exports made before it have neither (null).
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      'ALTER TABLE exports ADD COLUMN name TEXT',
      'ALTER TABLE exports ADD COLUMN member_scope TEXT',
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

migrations['0014_member_search_keys'] = {
  // The panel finds members, and their jobs, by name or email whatever the accents and case
  // ("zoe" finds "Zoë"): each member keeps its name and email folded (see
  // `sql/member-search-keys.ts`), filled in here for the members already there. Indexed with
  // the community first, so that a search reads the keys alone, in the order it lists them.
  async up(db: Kysely<unknown>): Promise<void> {
    await sql.raw(`ALTER TABLE members ADD COLUMN search_key TEXT NOT NULL DEFAULT ''`).execute(db);
    await fillMemberSearchKeys(db);
    await sql
      .raw('CREATE INDEX members_by_search_key ON members (community_id, search_key, id)')
      .execute(db);
  },
};

migrations['0015_audit_trail'] = {
  // The audit trail (issue 15): one hash chain of records, appended to and never changed (see
  // domain/audit.ts). Ids are kept as text and without foreign keys: a record outlives the
  // export, token or integration it names.
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [AUDIT_RECORDS_TABLE('INTEGER'), ...AUDIT_RECORDS_INDEXES];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

migrations['0016_retention'] = {
  // Retention and who asked (issue 15): how long an export's files are kept, when they expire
  // and where the sweep is in expiring them (see `services/retention-service.ts`), who created
  // the export and why; each file marked when its bytes go. Exports made before have no
  // retention (never expired) and no creator (null). Indexed for the sweep's two questions:
  // which ended exports still lack an expiry, and which expiries passed.
  async up(db: Kysely<unknown>): Promise<void> {
    for (const statement of retentionStatements('INTEGER')) await sql.raw(statement).execute(db);
  },
};

migrations['0017_webhooks'] = {
  // Webhooks (issue 15, docs/webhooks.md): integrations' subscriptions, the events the store
  // records itself, and one delivery per event and subscription with its log. The events are
  // written by triggers in the transaction that ends an export (its last job leaves PENDING
  // and IN_PROGRESS: its counters say so, see 0002) or, for subscriptions that want
  // `job_state`, a job; so no path that ends one (a worker, a cancel) can lose its event to a
  // crash. Only communities with a subscription get events. Times in milliseconds but the
  // events' (seconds, as the jobs' update_time).
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      `CREATE TABLE webhook_subscriptions (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         integration_id INTEGER NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
         community_id INTEGER NOT NULL,
         object TEXT NOT NULL,
         callback_url TEXT NOT NULL,
         fields TEXT NOT NULL,
         verify_token TEXT NOT NULL,
         active INTEGER NOT NULL,
         create_time_ms INTEGER NOT NULL,
         UNIQUE (integration_id, object))`,
      `CREATE INDEX webhook_subscriptions_by_community
         ON webhook_subscriptions (community_id, object)`,
      `CREATE TABLE webhook_events (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         community_id INTEGER NOT NULL,
         export_id INTEGER NOT NULL,
         job_id INTEGER,
         field TEXT NOT NULL,
         time INTEGER NOT NULL)`,
      `CREATE TABLE webhook_deliveries (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         subscription_id INTEGER NOT NULL
           REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
         integration_id INTEGER NOT NULL,
         community_id INTEGER NOT NULL,
         event_key TEXT NOT NULL,
         callback_url TEXT NOT NULL,
         body TEXT NOT NULL,
         state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'delivered', 'failed')),
         attempts INTEGER NOT NULL,
         create_time_ms INTEGER NOT NULL,
         next_attempt_ms INTEGER NOT NULL,
         give_up_after_ms INTEGER NOT NULL,
         lease_owner TEXT,
         lease_until_ms INTEGER,
         last_attempt_ms INTEGER,
         last_status INTEGER,
         last_latency_ms INTEGER,
         last_error TEXT,
         delivered_time_ms INTEGER,
         UNIQUE (subscription_id, event_key))`,
      `CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_ms, id)
         WHERE state = 'pending'`,
      `CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (lease_until_ms)
         WHERE state = 'sending'`,
      `CREATE INDEX webhook_deliveries_by_integration ON webhook_deliveries (integration_id, id)`,
      `CREATE INDEX webhook_deliveries_by_community ON webhook_deliveries (community_id, id)`,
      `CREATE TRIGGER webhook_export_ended AFTER UPDATE ON export_job_counts
       WHEN NEW.pending = 0 AND NEW.in_progress = 0
        AND NEW.completed + NEW.aborted + NEW.failed > OLD.completed + OLD.aborted + OLD.failed
       BEGIN
         INSERT INTO webhook_events (community_id, export_id, job_id, field, time)
         SELECT e.community_id, e.id, NULL, 'is_completed',
                (SELECT max(update_time) FROM dyi_jobs WHERE export_id = e.id)
         FROM exports e
         WHERE e.id = NEW.export_id
           AND EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.community_id = e.community_id);
       END`,
      `CREATE TRIGGER webhook_job_ended AFTER UPDATE OF state ON dyi_jobs
       WHEN NEW.state IN ('COMPLETED', 'ABORTED', 'FAILED')
        AND OLD.state NOT IN ('COMPLETED', 'ABORTED', 'FAILED')
        AND EXISTS (SELECT 1 FROM webhook_subscriptions s
                    WHERE s.community_id = NEW.community_id
                      AND ',' || s.fields || ',' LIKE '%,job_state,%')
       BEGIN
         INSERT INTO webhook_events (community_id, export_id, job_id, field, time)
         VALUES (NEW.community_id, NEW.export_id, NEW.id, 'job_state', NEW.update_time);
       END`,
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

migrations['0018_run_claims'] = {
  // Runs fenced by their queue claim (docs/deployment.md, "Leases"): each claim of a task gets
  // a higher number (`job_tasks.claims`), and a job records the claim of the run that started
  // it (`dyi_jobs.run_claim`), so that a worker paused between its claim and its start cannot
  // take the job back from a run that claimed it later. Null: started before this migration,
  // or by a run outside the queue.
  async up(db: Kysely<unknown>): Promise<void> {
    const statements = [
      'ALTER TABLE job_tasks ADD COLUMN claims INTEGER NOT NULL DEFAULT 0',
      'ALTER TABLE dyi_jobs ADD COLUMN run_claim INTEGER',
    ];
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
};

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

/** The names of the migrations this code knows, in run order (`dyi doctor` compares them). */
export const KNOWN_MIGRATIONS: readonly string[] = Object.keys(migrations);

/** Brings the schema up to date; refuses a database that has migrations this code lacks. */
export async function migrateToLatest(db: Kysely<unknown>, location: string): Promise<void> {
  const migrator = new Migrator({ db, provider });
  // Kysely lists only the migrations it knows; ask the table for the rest.
  const tableExists = await sql<{ n: number }>`
    SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'kysely_migration'`
    .execute(db)
    .then((r) => (r.rows[0]?.n ?? 0) > 0);
  if (tableExists) {
    const rows = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db);
    refuseUnknownMigrations(
      rows.rows.map((r) => r.name),
      Object.keys(migrations),
      location,
      'point --data-dir at another directory',
    );
  }
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) throw migrationFailure(location, error, results);
}

/** The latest migration this code knows: the schema version it expects. */
export const LATEST_MIGRATION: string = Object.keys(migrations).sort().at(-1) ?? '';

/** The name of the latest migration applied to the database: its schema version. */
export async function schemaVersion(db: Kysely<unknown>): Promise<string> {
  const rows = await sql<{ name: string }>`
    SELECT name FROM kysely_migration ORDER BY name DESC LIMIT 1`.execute(db);
  const latest = rows.rows[0]?.name;
  if (latest === undefined) throw new Error('The database has no schema yet; run dyi migrate.');
  return latest;
}

/**
 * The schema version of the database file at `filename`, read through a connection of its own
 * (read-only, never creating the file): what a process starting now would find.
 */
export function probeSchemaVersion(filename: string): string {
  const db = new Database(filename, { readonly: true, fileMustExist: true, timeout: 1000 });
  try {
    const row = db.prepare('SELECT max(name) AS name FROM kysely_migration').get() as
      { name: string | null } | undefined;
    if (row?.name == null) throw new Error('The database has no schema yet; run dyi migrate.');
    return row.name;
  } finally {
    db.close();
  }
}
