/**
 * @module
 * The records the services work with. Times are Unix seconds (UTC); ids are numeric strings,
 * unique across every object type so that `GET /{id}` can find an object's type from its id.
 */
import type {
  AbortReason,
  DataType,
  DyiFormat,
  JobState,
  JobType,
  MediaQuality,
  MemberStatus,
  Permission,
} from './enums.js';

export type Id = string;
/** Unix time in whole seconds, UTC. */
export type UnixSeconds = number;

export interface Community {
  readonly id: Id;
  readonly name: string;
  readonly createTime: UnixSeconds;
}

export interface Member {
  readonly id: Id;
  readonly communityId: Id;
  readonly name: string;
  readonly email: string | null;
  readonly status: MemberStatus;
}

export interface Integration {
  readonly id: Id;
  readonly communityId: Id;
  readonly name: string;
  readonly appSecret: string;
  readonly requireAppsecretProof: boolean;
  readonly createTime: UnixSeconds;
}

export interface AccessTokenRecord {
  readonly id: Id;
  readonly integrationId: Id;
  readonly communityId: Id;
  /** The last four characters, so that people can tell their tokens apart. */
  readonly hint: string;
  readonly permissions: readonly Permission[];
  readonly createTime: UnixSeconds;
  readonly revokeTime: UnixSeconds | null;
  /** When it last authenticated a call (to the minute), or null if never. */
  readonly lastUseTime: UnixSeconds | null;
}

/** Who is calling: resolved from a valid access token. */
export interface Principal {
  readonly tokenId: Id;
  readonly integrationId: Id;
  readonly communityId: Id;
  readonly permissions: readonly Permission[];
}

/** The parameters an export is created with. */
export interface ExportParameters {
  readonly dataTypes: readonly DataType[];
  readonly dyiFormat: DyiFormat;
  readonly mediaQuality: MediaQuality;
  readonly startTime: UnixSeconds;
  readonly endTime: UnixSeconds;
  /**
   * Ship images as they were uploaded, metadata (EXIF, GPS) included; only with `VERY_HIGH`.
   * Off by default: every image leaves without its metadata.
   */
  readonly keepOriginalMedia: boolean;
  /** Leave the media other people posted out of each member's archive, marked as withheld. */
  readonly withholdOthersMedia: boolean;
}

/** Whether an export was for every active member or for chosen ones. */
export type MemberScope = 'all' | 'chosen';

/** Who created an export: an admin in the panel, or an integration with one of its tokens. */
export interface ExportCreator {
  readonly type: 'admin' | 'integration';
  /** The admin's or the integration's id. */
  readonly id: Id;
  /** The admin's email or the integration's name, as they were when the export was created. */
  readonly name: string;
  /** The access token an integration used; null for an admin. */
  readonly tokenId: Id | null;
}

/**
 * Where an export is in its retention: `expiring` from the moment a sweep took it (its files
 * may be half deleted, none can be downloaded) until `expired`, when its files are gone.
 */
export type ExpiryState = 'expiring' | 'expired';

/** An export job (`work_dyi_job` on the wire). */
export interface ExportJob extends ExportParameters {
  readonly id: Id;
  /** What the admin called it ("Q1 legal hold"); null when it was given no name. */
  readonly name: string | null;
  /**
   * Whose data it holds: `all` (every member active when it was created) or `chosen` (the
   * `user_ids` it was given); null for exports made before this was kept.
   */
  readonly memberScope: MemberScope | null;
  readonly communityId: Id;
  readonly createTime: UnixSeconds;
  readonly cancelRequested: boolean;
  readonly idempotencyKey: string | null;
  /**
   * Days its files are kept after its last job ended; null: until it is deleted. Null too for
   * exports made before retention existed, which are therefore never expired.
   */
  readonly retentionDays: number | null;
  /**
   * When its files are deleted: set by an admin, or fixed by the retention sweep once the
   * export ended (its end plus `retentionDays`); null while neither happened.
   */
  readonly expiresTime: UnixSeconds | null;
  /** Null while its files are kept. */
  readonly expiryState: ExpiryState | null;
  /** When a sweep began to delete its files; null before. */
  readonly expiredTime: UnixSeconds | null;
  /** Who created it; null for exports made before this was kept. */
  readonly createdBy: ExportCreator | null;
  /** Why it was made ("ticket LEGAL-123"); null when not given. */
  readonly reason: string | null;
}

/** Counts of an export's jobs, derived from the jobs themselves. */
export interface ExportJobCounts {
  readonly total: number;
  readonly pending: number;
  readonly inProgress: number;
  readonly completed: number;
  readonly aborted: number;
  readonly failed: number;
  /** Sum of the progress (0 to 1) of the jobs in progress. */
  readonly runningProgress: number;
  /** Sum of the jobs' `leftOutCount`: what the export's archives had to leave out. */
  readonly leftOut: number;
}

/** A company or user DYI job. */
export interface DyiJob {
  readonly id: Id;
  readonly exportId: Id;
  readonly communityId: Id;
  readonly jobType: JobType;
  /** The member whose data a user job exports; null for the company job. */
  readonly userId: Id | null;
  readonly dataTypes: readonly DataType[];
  readonly state: JobState;
  readonly abortReason: AbortReason | null;
  /** Words for people: why the job aborted or failed. */
  readonly stateMessage: string | null;
  /** Fraction done, 0 to 1. */
  readonly progress: number;
  /**
   * How many things (files, images) a COMPLETED job had to leave out of its archive, each listed
   * with its reason in a part's manifest; 0 until the job completes.
   */
  readonly leftOutCount: number;
  readonly createTime: UnixSeconds;
  readonly updateTime: UnixSeconds;
}

/** One downloadable file of a DYI job. */
export interface DyiFile {
  readonly id: Id;
  readonly jobId: Id;
  readonly communityId: Id;
  readonly name: string;
  readonly size: number;
  /** Lower-case hex SHA-256 of the bytes. */
  readonly sha256: string;
  readonly contentType: string;
  readonly partNumber: number;
  /** How many things left out of the job this part's manifest lists. */
  readonly leftOutCount: number;
  readonly blobKey: string;
  readonly createTime: UnixSeconds;
  /** When its export expired and its bytes began to be deleted; null while it is kept. */
  readonly expiredTime: UnixSeconds | null;
}

/** A person who signs in to the admin panel to run one community's exports. */
export interface Admin {
  readonly id: Id;
  readonly communityId: Id;
  /** Lower case; unique across the server, since it is what signs in. */
  readonly email: string;
  readonly createTime: UnixSeconds;
}

/** One run of `dyi import` (or of the seed), kept so that admins can see what came in. */
export interface ImportRun {
  readonly id: Id;
  readonly communityId: Id;
  /** What was imported, for people: file names, or "synthetic seed". */
  readonly source: string;
  readonly startTime: UnixSeconds;
  readonly endTime: UnixSeconds;
  readonly succeeded: boolean;
  /** Records written per content kind (empty when the run failed: nothing was kept). */
  readonly records: Readonly<Record<string, number>>;
  /** Why the run failed, in the words the importer printed; null when it succeeded. */
  readonly error: string | null;
}

/** The kinds of object an id can name. */
export type ObjectKind =
  'community' | 'integration' | 'access_token' | 'member' | 'work_dyi_job' | 'dyi_job' | 'dyi_file';
