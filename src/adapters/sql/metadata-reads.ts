/**
 * @module
 * The metadata reads both engines run as written: fixed SQL texts with `?` placeholders
 * (SQLite binds them; the PostgreSQL adapter numbers them), grouped by table, each giving rows
 * that `metadata-rows.ts` maps. Keyset lists give the base their pages continue
 * (`keyset-sql.ts`). What differs per engine (writes, member search, lookups of many ids)
 * stays in the engine's own files.
 */

export const objectReads = {
  byId: 'SELECT kind, community_id FROM objects WHERE id = ?',
} as const;

export const communityReads = {
  byId: 'SELECT * FROM communities WHERE id = ?',
  all: 'SELECT * FROM communities ORDER BY id',
} as const;

export const memberReads = {
  byId: 'SELECT * FROM members WHERE id = ?',
  activeIds: "SELECT id FROM members WHERE community_id = ? AND status = 'active' ORDER BY id",
  byEmail: 'SELECT * FROM members WHERE community_id = ? AND lower(email) = lower(?) ORDER BY id',
  countByStatus: 'SELECT status, count(*) AS n FROM members WHERE community_id = ? GROUP BY status',
  /**
   * Members whose search key holds the folded text (a LIKE pattern, `\\` its escape): the index
   * (community_id, search_key, id) gives them in order, so a search stops at its limit.
   */
  search: `SELECT * FROM members WHERE community_id = ? AND search_key LIKE ? ESCAPE '\\'
           ORDER BY search_key, id LIMIT ?`,
  countSearch: `SELECT count(*) AS n FROM members
                WHERE community_id = ? AND search_key LIKE ? ESCAPE '\\'`,
} as const;

export const integrationReads = {
  byId: 'SELECT * FROM integrations WHERE id = ?',
  ofCommunity: 'SELECT * FROM integrations WHERE community_id = ? ORDER BY id',
} as const;

export const tokenReads = {
  byId: 'SELECT * FROM access_tokens WHERE id = ?',
  ofIntegration: 'SELECT * FROM access_tokens WHERE integration_id = ? ORDER BY id',
  /** A token joined with its integration's columns, renamed where the two would clash. */
  credentialByHash: `
    SELECT t.*, i.name AS i_name, i.app_secret AS i_app_secret,
           i.require_appsecret_proof AS i_require_appsecret_proof, i.create_time AS i_create_time
    FROM access_tokens t JOIN integrations i ON i.id = t.integration_id
    WHERE t.token_hash = ?`,
} as const;

export const exportReads = {
  byId: 'SELECT * FROM exports WHERE id = ?',
  byIdempotencyKey: 'SELECT * FROM exports WHERE community_id = ? AND idempotency_key = ?',
  /** Keyset base. */
  ofCommunity: 'SELECT * FROM exports WHERE community_id = ?',
  countOfCommunity: 'SELECT count(*) AS n FROM exports WHERE community_id = ?',
  jobCounts: 'SELECT * FROM export_job_counts WHERE export_id = ?',
  /** Over the indexes dyi_jobs_by_export and dyi_files_by_job. */
  lastJobUpdate: 'SELECT MAX(update_time) AS last_update FROM dyi_jobs WHERE export_id = ?',
  firstAbortReason:
    "SELECT abort_reason FROM dyi_jobs WHERE export_id = ? AND state = 'ABORTED' ORDER BY id LIMIT 1",
} as const;

export const jobReads = {
  byId: 'SELECT * FROM dyi_jobs WHERE id = ?',
  companyJob: "SELECT * FROM dyi_jobs WHERE export_id = ? AND job_type = 'COMPANY'",
  /**
   * The export's user jobs, from FROM on (a list selects `*`, a count counts); `AND state = ?`
   * narrows them to one state. Keyset base.
   */
  userJobsFrom: "FROM dyi_jobs WHERE export_id = ? AND job_type = 'USER'",
  /**
   * The same of members whose search key holds the folded text (a LIKE pattern), columns
   * `j.*`; `AND j.state = ?` narrows them to one state. Read in job id order, each job's member
   * looked up by its key, so a page stops once it has its jobs.
   */
  userJobsOfMembersFrom: `FROM dyi_jobs j JOIN members m ON m.id = j.user_id
                          WHERE j.export_id = ? AND j.job_type = 'USER'
                            AND m.search_key LIKE ? ESCAPE '\\'`,
  idsOfExport: 'SELECT id FROM dyi_jobs WHERE export_id = ? ORDER BY id',
  unfinishedIds: "SELECT id FROM dyi_jobs WHERE state IN ('PENDING', 'IN_PROGRESS') ORDER BY id",
  unfinishedCounts:
    "SELECT state, count(*) AS n FROM dyi_jobs WHERE state IN ('PENDING', 'IN_PROGRESS') GROUP BY state",
} as const;

export const fileReads = {
  byId: 'SELECT * FROM dyi_files WHERE id = ?',
  /** Keyset base. */
  ofJob: 'SELECT * FROM dyi_files WHERE job_id = ?',
  countOfJob: 'SELECT count(*) AS n FROM dyi_files WHERE job_id = ?',
  /** Keyset base: the files of an export's completed jobs, each with its job's member. */
  ofExport:
    'SELECT * FROM (SELECT f.*, j.user_id AS job_user_id FROM dyi_files f' +
    " JOIN dyi_jobs j ON j.id = f.job_id WHERE j.export_id = ? AND j.state = 'COMPLETED')" +
    ' AS export_files WHERE 1 = 1',
  totalsOfExport:
    'SELECT count(*) AS files, CAST(coalesce(sum(f.size), 0) AS BIGINT) AS bytes' +
    " FROM dyi_files f JOIN dyi_jobs j ON j.id = f.job_id WHERE j.export_id = ? AND j.state = 'COMPLETED'",
} as const;

export const settingReads = {
  value: 'SELECT value FROM settings WHERE key = ?',
} as const;

export const adminReads = {
  byEmail: 'SELECT * FROM admins WHERE email = ?',
  byId: 'SELECT * FROM admins WHERE id = ?',
  ofCommunity: 'SELECT * FROM admins WHERE community_id = ? ORDER BY id',
} as const;

export const sessionReads = {
  live: 'SELECT * FROM admin_sessions WHERE id_hash = ? AND expire_time > ?',
} as const;

export const importRunReads = {
  latest: 'SELECT * FROM import_runs WHERE community_id = ? ORDER BY id DESC LIMIT ?',
} as const;
