/**
 * @module
 * Rows of the metadata tables turned into domain records, for both engines (their rows are
 * alike, see `metadata-tables.ts`; the reads that give them are in `metadata-reads.ts`).
 */
import type {
  AbortReason,
  AccessTokenRecord,
  Admin,
  Community,
  DataType,
  DyiFile,
  DyiJob,
  ExportCreator,
  ExportJob,
  ExportJobCounts,
  ImportRun,
  Integration,
  JobState,
  Member,
  MemberStatus,
  Permission,
} from '../../domain/index.js';
import type {
  AdminCredential,
  AdminSessionRecord,
  TokenCredential,
} from '../../ports/metadata-store.js';
import type {
  AccessTokensTable,
  AdminSessionsTable,
  AdminsTable,
  CommunitiesTable,
  DyiFilesTable,
  DyiJobsTable,
  ExportJobCountsTable,
  ExportsTable,
  ImportRunsTable,
  IntegrationsTable,
  MembersTable,
} from './metadata-tables.js';

export function toCommunity(row: CommunitiesTable): Community {
  return { id: String(row.id), name: row.name, createTime: row.create_time };
}

export function toMember(row: MembersTable): Member {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    name: row.name,
    email: row.email,
    status: row.status as MemberStatus,
  };
}

export function toIntegration(row: IntegrationsTable): Integration {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    name: row.name,
    appSecret: row.app_secret,
    requireAppsecretProof: row.require_appsecret_proof === 1,
    createTime: row.create_time,
  };
}

export function toToken(row: AccessTokensTable): AccessTokenRecord {
  return {
    id: String(row.id),
    integrationId: String(row.integration_id),
    communityId: String(row.community_id),
    hint: row.hint,
    permissions: row.permissions.split(',').filter(Boolean) as Permission[],
    createTime: row.create_time,
    revokeTime: row.revoke_time,
    lastUseTime: row.last_use_time,
  };
}

/** A row of `tokenReads.credentialByHash`. */
export interface CredentialRow extends AccessTokensTable {
  i_name: string;
  i_app_secret: string;
  i_require_appsecret_proof: number;
  i_create_time: number;
}

export function toCredential(row: CredentialRow): TokenCredential {
  return {
    ...toToken(row),
    tokenHash: row.token_hash,
    integration: toIntegration({
      id: row.integration_id,
      community_id: row.community_id,
      name: row.i_name,
      app_secret: row.i_app_secret,
      require_appsecret_proof: row.i_require_appsecret_proof,
      create_time: row.i_create_time,
    }),
  };
}

export function toExport(row: ExportsTable): ExportJob {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    createTime: row.create_time,
    dataTypes: JSON.parse(row.data_types) as DataType[],
    dyiFormat: row.dyi_format as ExportJob['dyiFormat'],
    mediaQuality: row.media_quality as ExportJob['mediaQuality'],
    startTime: row.start_time,
    endTime: row.end_time,
    idempotencyKey: row.idempotency_key,
    cancelRequested: row.cancel_requested === 1,
    keepOriginalMedia: row.keep_original_media === 1,
    withholdOthersMedia: row.withhold_others_media === 1,
    name: row.name,
    memberScope:
      row.member_scope === 'all' || row.member_scope === 'chosen' ? row.member_scope : null,
    retentionDays: row.retention_days,
    expiresTime: row.expires_time,
    expiryState:
      row.expiry_state === 'expiring' || row.expiry_state === 'expired' ? row.expiry_state : null,
    expiredTime: row.expired_time,
    createdBy: creatorOf(row),
    reason: row.reason,
  };
}

function creatorOf(row: ExportsTable): ExportCreator | null {
  const type = row.created_by_type;
  if ((type !== 'admin' && type !== 'integration') || row.created_by_id === null) return null;
  return {
    type,
    id: String(row.created_by_id),
    name: row.created_by_name ?? '',
    tokenId: row.created_by_token_id === null ? null : String(row.created_by_token_id),
  };
}

/** The counts of an export's jobs; no row (no such export) counts nothing. */
export function toJobCounts(
  row: Omit<ExportJobCountsTable, 'export_id'> | undefined,
): ExportJobCounts {
  const counts = row ?? {
    pending: 0,
    in_progress: 0,
    completed: 0,
    aborted: 0,
    failed: 0,
    running_progress: 0,
    left_out: 0,
  };
  return {
    total: counts.pending + counts.in_progress + counts.completed + counts.aborted + counts.failed,
    pending: counts.pending,
    inProgress: counts.in_progress,
    completed: counts.completed,
    aborted: counts.aborted,
    failed: counts.failed,
    // Sums of fractions drift by a few ulps over many updates.
    runningProgress: Math.max(0, counts.running_progress),
    leftOut: counts.left_out,
  };
}

export function toJob(row: DyiJobsTable): DyiJob {
  return {
    id: String(row.id),
    exportId: String(row.export_id),
    communityId: String(row.community_id),
    jobType: row.job_type as DyiJob['jobType'],
    userId: row.user_id === null ? null : String(row.user_id),
    dataTypes: JSON.parse(row.data_types) as DataType[],
    state: row.state as JobState,
    abortReason: row.abort_reason as AbortReason | null,
    stateMessage: row.state_message,
    progress: row.progress,
    leftOutCount: row.left_out_count,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

export function toFile(row: DyiFilesTable): DyiFile {
  return {
    id: String(row.id),
    jobId: String(row.job_id),
    communityId: String(row.community_id),
    name: row.name,
    size: row.size,
    sha256: row.sha256,
    contentType: row.content_type,
    partNumber: row.part_number,
    leftOutCount: row.left_out_count,
    blobKey: row.blob_key,
    createTime: row.create_time,
    expiredTime: row.expired_time ?? null,
  };
}

/** An `admins` row as read (its id generated on insert, a number once there). */
export type AdminRow = {
  [K in keyof AdminsTable]: K extends 'id' ? number : AdminsTable[K];
};

export function toAdmin(row: AdminRow): Admin {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    email: row.email,
    createTime: row.create_time,
  };
}

export function toAdminCredential(row: AdminRow): AdminCredential {
  return { ...toAdmin(row), passwordHash: row.password_hash };
}

export function toSession(row: AdminSessionsTable): AdminSessionRecord {
  return {
    idHash: row.id_hash,
    adminId: String(row.admin_id),
    csrfToken: row.csrf_token,
    createTime: row.create_time,
    expireTime: row.expire_time,
  };
}

/** An `import_runs` row as read (its id generated on insert, a number once there). */
export type ImportRunRow = Omit<ImportRunsTable, 'id'> & { id: number };

export function toImportRun(row: ImportRunRow): ImportRun {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    source: row.source,
    startTime: row.start_time,
    endTime: row.end_time,
    succeeded: row.succeeded === 1,
    records: JSON.parse(row.records) as Record<string, number>,
    error: row.error,
  };
}
