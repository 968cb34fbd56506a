/**
 * @module
 * The Graph node types of the DYI Export API and their fields, as in the spec's tables (plus
 * the fields we add, returned only when asked for). A field is a value, an object (another
 * node, `{id}` unless expanded) or an edge (a paged list). `graph-resolver.ts` walks these.
 */
import type { AuditRecord, DyiFile, DyiJob, ExportJob, Member } from '../domain/index.js';
import type { Community } from '../domain/index.js';
import type { MaybePromise } from '../ports/maybe-promise.js';
import type { Page, PageRequest } from '../ports/paging.js';
import type { SignedDownloadUrl } from '../services/download-url-signer.js';
import type { GraphContext } from './graph-context.js';

export type FieldDefinition<T> =
  | { readonly kind: 'value'; get(node: T, ctx: GraphContext): unknown }
  | {
      readonly kind: 'object';
      readonly type: () => NodeType;
      get(node: T, ctx: GraphContext): MaybePromise<unknown>;
    }
  | {
      readonly kind: 'edge';
      readonly type: () => NodeType;
      list(node: T, page: PageRequest, ctx: GraphContext): MaybePromise<Page<{ id: string }>>;
      count(node: T, ctx: GraphContext): Promise<number>;
    };

export interface NodeType<T = unknown> {
  /** The name Graph errors use, e.g. `WorkDYIJob`. */
  readonly name: string;
  readonly defaultFields: readonly string[];
  readonly fields: Readonly<Record<string, FieldDefinition<T>>>;
  /** The node's id, for paging cursors and links. */
  id(node: T): string;
}

/** The field `name` of a node type; own fields only, so `constructor` is no field. */
export function fieldOf(type: NodeType, name: string): FieldDefinition<unknown> | undefined {
  return Object.hasOwn(type.fields, name) ? type.fields[name] : undefined;
}

/** Erases a node type's own type, so that node types can refer to each other. */
function defineNode<T>(type: NodeType<T>): NodeType {
  return type;
}

/** `pick` of a download URL, synchronously when it is made synchronously (the default). */
function signedThen<R>(
  signed: SignedDownloadUrl | Promise<SignedDownloadUrl>,
  pick: (signed: SignedDownloadUrl) => R,
): R | Promise<R> {
  return signed instanceof Promise ? signed.then(pick) : pick(signed);
}

const value = <T>(get: (node: T, ctx: GraphContext) => unknown): FieldDefinition<T> => ({
  kind: 'value',
  get,
});

function percent(ctx: GraphContext, exportJob: ExportJob): number | Promise<number> {
  return ctx.withStatus(exportJob, (status) => Math.floor(status.progress * 100));
}

export const userNode: NodeType = defineNode<Member>({
  name: 'User',
  defaultFields: ['id', 'name'],
  id: (member) => member.id,
  fields: {
    id: value((m) => m.id),
    name: value((m) => m.name),
    email: value((m) => m.email),
    status: value((m) => m.status),
    import_id: value((m, ctx) => {
      ctx.readsBeyondMark();
      return ctx.runtime.communities.importIdOf(m.communityId, m.id);
    }),
  },
});

export const fileNode: NodeType = defineNode<DyiFile>({
  name: 'WorkDYIFile',
  defaultFields: ['id', 'download_url', 'file_size'],
  id: (file) => file.id,
  fields: {
    id: value((f) => f.id),
    download_url: value((f, ctx) => signedThen(ctx.downloadUrl(f), (signed) => signed.url)),
    file_size: value((f) => f.size),
    name: value((f) => f.name),
    sha256: value((f) => f.sha256),
    content_type: value((f) => f.contentType),
    part_number: value((f) => f.partNumber),
    left_out_count: value((f) => f.leftOutCount),
    expires_time: value((f, ctx) =>
      signedThen(ctx.downloadUrl(f), (signed) => ctx.date(signed.expiresTime)),
    ),
    create_time: value((f, ctx) => ctx.date(f.createTime)),
    is_expired: value((f) => f.expiredTime !== null),
    dyi_job: {
      kind: 'object',
      type: () => jobNode,
      get: (f, ctx) => ctx.runtime.jobs.get(ctx.communityId, f.jobId),
    },
  },
});

const fromExport =
  <K extends keyof ExportJob>(key: K, format?: (v: ExportJob[K], ctx: GraphContext) => unknown) =>
  (job: DyiJob, ctx: GraphContext): unknown =>
    ctx.withExport(job.exportId, (exportJob) =>
      format ? format(exportJob[key], ctx) : exportJob[key],
    );

export const jobNode: NodeType = defineNode<DyiJob>({
  name: 'WorkDYIJobEntry',
  defaultFields: ['id', 'job_state'],
  id: (job) => job.id,
  fields: {
    id: value((j) => j.id),
    abort_reason: value((j) => j.abortReason),
    create_time: value((j, ctx) => ctx.date(j.createTime)),
    data_types: value((j) => j.dataTypes),
    end_time: value(fromExport('endTime', (t, ctx) => ctx.date(t))),
    job_state: value((j) => j.state),
    media_quality: value(fromExport('mediaQuality')),
    start_time: value(fromExport('startTime', (t, ctx) => ctx.date(t))),
    job_type: value((j) => j.jobType),
    left_out_count: value((j) => j.leftOutCount),
    progress: value((j) => (j.state === 'COMPLETED' ? 100 : Math.floor(j.progress * 100))),
    state_message: value((j) => j.stateMessage),
    update_time: value((j, ctx) => ctx.date(j.updateTime)),
    user: {
      kind: 'object',
      type: () => userNode,
      get: async (j, ctx) =>
        j.userId === null ? null : ctx.runtime.communities.getMember(ctx.communityId, j.userId),
    },
    work_dyi_job: {
      kind: 'object',
      type: () => exportNode,
      get: (j, ctx) => ctx.exportJob(j.exportId),
    },
    files: {
      kind: 'edge',
      type: () => fileNode,
      list: (j, page, ctx) => ctx.runtime.jobs.listFiles(j.id, page),
      count: (j, ctx) => ctx.runtime.jobs.countFiles(j.id),
    },
  },
});

/** `created_by`: `{id, name, type}`, and `token_id` for an integration; null when unknown. */
function createdByOf(exportJob: ExportJob): Record<string, string> | null {
  const by = exportJob.createdBy;
  if (by === null) return null;
  return {
    id: by.id,
    name: by.name,
    type: by.type,
    ...(by.tokenId !== null && { token_id: by.tokenId }),
  };
}

export const exportNode: NodeType = defineNode<ExportJob>({
  name: 'WorkDYIJob',
  defaultFields: ['id', 'create_time', 'is_completed'],
  id: (e) => e.id,
  fields: {
    id: value((e) => e.id),
    abort_reason: value((e, ctx) => ctx.withStatus(e, (s) => s.abortReason)),
    company_job: {
      kind: 'object',
      type: () => jobNode,
      get: (e, ctx) => ctx.runtime.exports.companyJob(e.id),
    },
    create_time: value((e, ctx) => ctx.date(e.createTime)),
    data_types: value((e) => e.dataTypes),
    dyi_format: value((e) => e.dyiFormat),
    end_time: value((e, ctx) => ctx.date(e.endTime)),
    is_completed: value((e, ctx) => ctx.withStatus(e, (s) => s.isCompleted)),
    keep_original_media: value((e) => e.keepOriginalMedia),
    media_quality: value((e) => e.mediaQuality),
    name: value((e) => e.name),
    start_time: value((e, ctx) => ctx.date(e.startTime)),
    total_number_of_completed_jobs: value((e, ctx) => ctx.withStatus(e, (s) => s.counts.completed)),
    total_number_of_jobs: value((e, ctx) => ctx.withStatus(e, (s) => s.counts.total)),
    total_number_of_aborted_jobs: value((e, ctx) => ctx.withStatus(e, (s) => s.counts.aborted)),
    total_number_of_failed_jobs: value((e, ctx) => ctx.withStatus(e, (s) => s.counts.failed)),
    progress: value((e, ctx) => percent(ctx, e)),
    is_cancelled: value((e) => e.cancelRequested),
    left_out_count: value((e, ctx) => ctx.withStatus(e, (s) => s.counts.leftOut)),
    withhold_others_media: value((e) => e.withholdOthersMedia),
    expires_time: value((e, ctx) =>
      ctx.withStatus(e, (s) => (s.expiresTime === null ? null : ctx.date(s.expiresTime))),
    ),
    is_expired: value((e) => e.expiryState !== null),
    expired_time: value((e, ctx) => (e.expiredTime === null ? null : ctx.date(e.expiredTime))),
    retention_days: value((e) => e.retentionDays),
    created_by: value((e) => createdByOf(e)),
    reason: value((e) => e.reason),
    user_dyi_jobs: {
      kind: 'edge',
      type: () => jobNode,
      list: (e, page, ctx) => ctx.runtime.jobs.listUserJobs(e.id, page),
      count: async (e, ctx) => (await ctx.exportStatus(e)).counts.total - 1,
    },
  },
});

/** An audit record as a Graph node: its sequence number is its id. */
type AuditNode = AuditRecord & { readonly id: string };
const asAuditNode = (record: AuditRecord): AuditNode => ({ ...record, id: String(record.seq) });

/** One record of the community's audit trail (`/community/audit_log`, docs/audit.md). */
export const auditRecordNode: NodeType = defineNode<AuditNode>({
  name: 'AuditRecord',
  defaultFields: [
    'id',
    'time',
    'act',
    'actor_type',
    'admin_id',
    'admin_email',
    'integration_id',
    'token_id',
    'client_address',
    'user_agent',
    'object_type',
    'object_id',
    'details',
    'prev_hash',
    'hash',
  ],
  id: (r) => r.id,
  fields: {
    id: value((r) => r.id),
    time: value((r, ctx) => ctx.date(r.time)),
    act: value((r) => r.act),
    actor_type: value((r) => r.actorType),
    admin_id: value((r) => r.adminId),
    admin_email: value((r) => r.adminEmail),
    integration_id: value((r) => r.integrationId),
    token_id: value((r) => r.tokenId),
    client_address: value((r) => r.clientAddress),
    user_agent: value((r) => r.userAgent),
    community_id: value((r) => r.communityId),
    object_type: value((r) => r.objectType),
    object_id: value((r) => r.objectId),
    details: value((r) => JSON.parse(r.details) as unknown),
    prev_hash: value((r) => r.prevHash),
    hash: value((r) => r.hash),
  },
});

export const communityNode: NodeType = defineNode<Community>({
  name: 'Community',
  defaultFields: ['id', 'name'],
  id: (c) => c.id,
  fields: {
    id: value((c) => c.id),
    name: value((c) => c.name),
    work_dyi_jobs: {
      kind: 'edge',
      type: () => exportNode,
      list: (c, page, ctx) => ctx.runtime.exports.list(c.id, page),
      count: (c, ctx) => ctx.runtime.exports.count(c.id),
    },
    audit_log: {
      kind: 'edge',
      type: () => auditRecordNode,
      list: async (c, page, ctx) => {
        ctx.readsBeyondMark();
        const found = await ctx.runtime.audit.list(
          { communityId: c.id, ...ctx.options.timeRange },
          page,
        );
        return { ...found, items: found.items.map(asAuditNode) };
      },
      count: (c, ctx) => {
        ctx.readsBeyondMark();
        return ctx.runtime.audit.count({ communityId: c.id, ...ctx.options.timeRange });
      },
    },
  },
});
