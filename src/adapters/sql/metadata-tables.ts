/**
 * @module
 * Row types of the metadata tables as Kysely sees them, the same on SQLite and PostgreSQL:
 * ids are integers (the domain turns them into numeric strings), times are Unix seconds, flags
 * are 0 or 1 and lists are JSON text, so that one set of row mappers (`metadata-rows.ts`)
 * serves both engines and rows copy from one to the other unchanged. Comments naming a
 * migration refer to the SQLite migrations; PostgreSQL has every column from its first.
 */
import type { Generated } from 'kysely';

export interface ObjectsTable {
  id: Generated<number>;
  kind: string;
  community_id: number | null;
}

export interface CommunitiesTable {
  id: number;
  name: string;
  create_time: number;
}

export interface MembersTable {
  id: number;
  community_id: number;
  name: string;
  email: string | null;
  status: string;
  /** `memberSearchKey(name, email)` (domain): what the panel's searches match. */
  search_key: string;
  // Also `source_id TEXT`: the member's content id, read and written only by the content
  // store's own statements, so the repositories' row type leaves it out.
}

export interface IntegrationsTable {
  id: number;
  community_id: number;
  name: string;
  app_secret: string;
  require_appsecret_proof: number;
  create_time: number;
}

export interface AccessTokensTable {
  id: number;
  integration_id: number;
  community_id: number;
  token_hash: string;
  hint: string;
  permissions: string;
  create_time: number;
  revoke_time: number | null;
  last_use_time: number | null;
}

export interface ExportsTable {
  id: number;
  community_id: number;
  create_time: number;
  data_types: string;
  dyi_format: string;
  media_quality: string;
  start_time: number;
  end_time: number;
  idempotency_key: string | null;
  cancel_requested: number;
  /** Migration 0012 (PostgreSQL 0004): 1 to ship original images with their metadata. */
  keep_original_media: number;
  /** Migration 0012 (PostgreSQL 0004): 1 to leave other people's media out of user jobs. */
  withhold_others_media: number;
  /** Migration 0013 (PostgreSQL 0005): the admin's name for the export; null for none. */
  name: string | null;
  /** Migration 0013 (PostgreSQL 0005): 'all' or 'chosen' members; null for older exports. */
  member_scope: string | null;
  /** Migration 0016 (PostgreSQL 0008): days kept after it ended; null: until deleted. */
  retention_days: number | null;
  /** Migration 0016: when its files are deleted; null until an admin or the sweep sets it. */
  expires_time: number | null;
  /** Migration 0016: null, 'expiring' or 'expired'. */
  expiry_state: string | null;
  /** Migration 0016: when a sweep began to delete its files. */
  expired_time: number | null;
  /** Migration 0016: when a sweep last took it (a claim; see the retention service). */
  expiry_claim_time: number | null;
  /** Migration 0016: 'admin' or 'integration'; null for older exports. */
  created_by_type: string | null;
  created_by_id: number | null;
  created_by_name: string | null;
  created_by_token_id: number | null;
  /** Migration 0016: why it was made; null when not given. */
  reason: string | null;
}

export interface DyiJobsTable {
  id: number;
  export_id: number;
  community_id: number;
  job_type: string;
  user_id: number | null;
  data_types: string;
  state: string;
  abort_reason: string | null;
  state_message: string | null;
  progress: number;
  /** Migration 0006. */
  left_out_count: number;
  create_time: number;
  update_time: number;
  /** The run that owns the job (SQLite migration 0011, PostgreSQL 0003); null before its first. */
  run_id: string | null;
  /**
   * The queue claim of that run (SQLite migration 0018, PostgreSQL 0010): a run of an older
   * claim may no longer start the job. Null: no run from the queue has started it since.
   */
  run_claim: number | null;
}

export interface DyiFilesTable {
  id: number;
  job_id: number;
  community_id: number;
  name: string;
  size: number;
  sha256: string;
  content_type: string;
  part_number: number;
  blob_key: string;
  create_time: number;
  /** Migration 0006. */
  left_out_count: number;
  /** Migration 0016 (PostgreSQL 0008): when its export expired; null while kept. */
  expired_time: number | null;
}

/** Kept by triggers (migration 0002); never written by the code. */
export interface ExportJobCountsTable {
  export_id: number;
  pending: number;
  in_progress: number;
  completed: number;
  aborted: number;
  failed: number;
  running_progress: number;
  /** Migration 0006. */
  left_out: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

/** Admin panel accounts (migration 0005). */
export interface AdminsTable {
  id: Generated<number>;
  community_id: number;
  email: string;
  password_hash: string;
  create_time: number;
}

/** Wrong passwords of the admin panel (migration 0006); see SignInCounterRepository. */
export interface SignInCountersTable {
  /** Derived from the email by the admin service; '' for an address's counter. */
  account: string;
  address: string;
  failures: number;
  /** Unix milliseconds. */
  last_failure: number;
}

export interface AdminSessionsTable {
  id_hash: string;
  admin_id: number;
  csrf_token: string;
  create_time: number;
  expire_time: number;
}

export interface ImportRunsTable {
  id: Generated<number>;
  community_id: number;
  source: string;
  start_time: number;
  end_time: number;
  succeeded: number;
  /** JSON object: content kind → records written. */
  records: string;
  error: string | null;
}

/**
 * Secrets waiting for their one-time page (SQLite migration 0010, PostgreSQL 0002): short-lived,
 * encrypted under keys kept only in the page's URL; see `PendingRevealRepository`.
 */
export interface PendingRevealsTable {
  id: string;
  owner_hash: string;
  /** Text the store does not read into (`server/admin/one-time-reveals.ts` makes it). */
  ciphertext: string;
  /** Unix milliseconds. */
  expire_time_ms: number;
}

/** The metadata tables, by name; each engine's database type adds what it has besides. */
export interface MetadataTables {
  objects: ObjectsTable;
  communities: CommunitiesTable;
  members: MembersTable;
  integrations: IntegrationsTable;
  access_tokens: AccessTokensTable;
  exports: ExportsTable;
  dyi_jobs: DyiJobsTable;
  dyi_files: DyiFilesTable;
  export_job_counts: ExportJobCountsTable;
  settings: SettingsTable;
  admins: AdminsTable;
  admin_sessions: AdminSessionsTable;
  sign_in_counters: SignInCountersTable;
  import_runs: ImportRunsTable;
  pending_reveals: PendingRevealsTable;
  audit_records: AuditRecordsTable;
}

/** One record of the audit trail's hash chain (see `domain/audit.ts`); ids kept as text. */
export interface AuditRecordsTable {
  /** The record's position in the chain, 1, 2, 3… */
  id: number;
  time: number;
  act: string;
  actor_type: string;
  admin_id: string | null;
  admin_email: string | null;
  integration_id: string | null;
  token_id: string | null;
  client_address: string | null;
  user_agent: string | null;
  community_id: string | null;
  object_type: string | null;
  object_id: string | null;
  details: string;
  prev_hash: string;
  hash: string;
}
