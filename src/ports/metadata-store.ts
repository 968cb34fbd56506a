/**
 * @module
 * The metadata of dyi-export (communities, members, integrations, tokens, exports, jobs and
 * file records) behind one port, split into small repositories. Every method is atomic on its
 * own; methods that write several rows (an export with its jobs, a cancel) do so in one
 * transaction. Adapters: SQLite (embedded) and PostgreSQL (scale-out); both run the same contract
 * suite (`src/ports/metadata-store.contract.ts`).
 */
import type {
  AbortReason,
  AccessTokenRecord,
  Admin,
  AuditAct,
  AuditActorType,
  AuditEntry,
  AuditRecord,
  Community,
  DataType,
  DyiFile,
  DyiJob,
  ExportJob,
  ExportCreator,
  ExportJobCounts,
  ExportParameters,
  MemberScope,
  Id,
  ImportRun,
  Integration,
  JobState,
  JobType,
  Member,
  MemberStatus,
  ObjectKind,
  Permission,
  SignInLockPolicy,
  UnixSeconds,
} from '../domain/index.js';
import type { MaybePromise } from './maybe-promise.js';
import type { Page, PageRequest } from './paging.js';
import type {
  WebhookDeliveryRepository,
  WebhookSubscriptionRepository,
} from './webhook-repositories.js';

export interface MetadataStore {
  /** Opens connections and migrates the schema; refuses a database newer than the code. */
  init(): Promise<void>;
  close(): Promise<void>;
  /**
   * A mark that changes whenever data committed by anyone (this process or another) may have
   * changed since it was last read. Equal marks mean nothing changed in between, so results
   * read under the first are still true; a store that cannot tell returns a new mark each time.
   * This process's writes move it at once; another process's commits may take a moment (the
   * SQLite store: at most a millisecond). Synchronous, since every request asks: a store must
   * keep it in memory (the SQLite store reads `data_version`; a server store would count the
   * change notices it listens to).
   */
  changeMark(): number;
  /**
   * Whether this store's reads may already come from a cache kept by `changeMark` (the SQLite
   * store's read connection), so that anything kept by the same mark is no older than a read
   * would be. False for a store that reads through on every call (PostgreSQL): there a commit
   * of another process shows in the very next read, which a cache kept by the mark, moved by
   * change notices that arrive a moment later, would not promise. The Graph answer memo
   * (`src/server/answer-memo.ts`) runs only where this is true.
   */
  readonly cachesReadsByChangeMark: boolean;
  /** The name of the latest schema migration applied to the database (`dyi migrate` shows it). */
  schemaVersion(): Promise<string>;
  /**
   * Reads the schema version the way a process starting now would (the SQLite store opens its
   * file again, read-only; the PostgreSQL store makes a round trip), next to the latest
   * migration this code knows: readiness checks (`/readyz`) compare the two. Throws when the
   * database cannot be reached or read.
   */
  probeSchema(): Promise<SchemaProbe>;
  /**
   * The kind of object an id names and the community it belongs to. This read and the few
   * others typed `MaybePromise` (the ones every Graph read makes) may answer without a promise
   * when the store has the answer at hand; a failed read is a rejected promise, as before.
   */
  findObject(id: Id): MaybePromise<{ kind: ObjectKind; communityId: Id } | undefined>;
  readonly communities: CommunityRepository;
  readonly members: MemberRepository;
  readonly integrations: IntegrationRepository;
  readonly tokens: TokenRepository;
  readonly exports: ExportRepository;
  readonly jobs: JobRepository;
  readonly files: FileRepository;
  readonly settings: SettingsRepository;
  readonly admins: AdminRepository;
  readonly adminSessions: AdminSessionRepository;
  readonly signInCounters: SignInCounterRepository;
  readonly imports: ImportRunRepository;
  readonly pendingReveals: PendingRevealRepository;
  readonly webhookSubscriptions: WebhookSubscriptionRepository;
  readonly webhookDeliveries: WebhookDeliveryRepository;
  readonly audit: AuditRepository;
  readonly retention: RetentionRepository;
}

/** What `probeSchema` found: equal names mean the schema matches the code. */
export interface SchemaProbe {
  /** The latest migration applied to the database. */
  readonly applied: string;
  /** The latest migration this code knows. */
  readonly expected: string;
}

export interface CommunityRepository {
  create(input: { name: string; createTime: UnixSeconds }): Promise<Community>;
  get(id: Id): Promise<Community | undefined>;
  list(): Promise<readonly Community[]>;
}

export interface NewMember {
  readonly name: string;
  readonly email: string | null;
  readonly status: MemberStatus;
}

export interface MemberRepository {
  create(communityId: Id, member: NewMember): Promise<Member>;
  get(id: Id): Promise<Member | undefined>;
  /** Members of the community with these ids (unknown ids are left out). */
  getMany(communityId: Id, ids: readonly Id[]): Promise<readonly Member[]>;
  /** Ids of the community's active members, in id order. */
  listActiveIds(communityId: Id): Promise<readonly Id[]>;
  setStatus(id: Id, status: MemberStatus): Promise<void>;
  /**
   * Members of the community with this email, any status, in id order; case is folded as the
   * database's `lower()` folds it (ASCII letters at least).
   */
  findByEmail(communityId: Id, email: string): Promise<readonly Member[]>;
  /**
   * Members of the community (any status) whose name or email contains `text`, compared as
   * `foldForSearch` (domain) folds both: whatever the accents and case ("zoe" finds "Zoë"),
   * `%` and `_` as plain text. In the order of their folded names (then id), at most `limit`;
   * none for a text that folds to nothing.
   */
  search(communityId: Id, text: string, limit: number): Promise<readonly Member[]>;
  /** How many members `search` finds with no limit. */
  countSearch(communityId: Id, text: string): Promise<number>;
  /** Members of the community in each status. */
  countByStatus(communityId: Id): Promise<Record<MemberStatus, number>>;
}

export interface IntegrationRepository {
  /**
   * Every write below that takes `audit` appends it to the audit trail in the write's own
   * transaction (with the id a create made as its object id): both happen, or neither.
   */
  create(input: Omit<Integration, 'id'>, audit?: AuditEntry): Promise<Integration>;
  get(id: Id): Promise<Integration | undefined>;
  list(communityId: Id): Promise<readonly Integration[]>;
  setRequireAppsecretProof(id: Id, required: boolean, audit?: AuditEntry): Promise<void>;
  /** Gives the integration a new name; false when there is no such integration. */
  rename(id: Id, name: string, audit?: AuditEntry): Promise<boolean>;
  /**
   * Deletes the integration with all its tokens, in one transaction: its tokens are unknown
   * from then on, so every call with them is refused. Answers how many of them were active
   * (not revoked), or undefined when there is no such integration.
   */
  delete(id: Id, audit?: AuditEntry): Promise<number | undefined>;
}

export interface NewAccessToken {
  readonly integrationId: Id;
  readonly communityId: Id;
  /** SHA-256 of the token, hex; the token itself is never stored. */
  readonly tokenHash: string;
  readonly hint: string;
  readonly permissions: readonly Permission[];
  readonly createTime: UnixSeconds;
}

export interface TokenCredential extends AccessTokenRecord {
  readonly tokenHash: string;
  readonly integration: Integration;
}

export interface TokenRepository {
  create(token: NewAccessToken, audit?: AuditEntry): Promise<AccessTokenRecord>;
  /**
   * The token whose hash this is, revoked or not, with its stored hash and its integration:
   * everything authentication needs, in one read.
   */
  findByHash(tokenHash: string): Promise<TokenCredential | undefined>;
  get(id: Id): Promise<AccessTokenRecord | undefined>;
  list(integrationId: Id): Promise<readonly AccessTokenRecord[]>;
  /** Marks the token revoked; true when it was active until now. */
  revoke(id: Id, time: UnixSeconds, audit?: AuditEntry): Promise<boolean>;
  /** Records that the token authenticated a call at `time`; an earlier time never overwrites a later one. */
  recordUse(id: Id, time: UnixSeconds): Promise<void>;
}

export interface NewExport extends ExportParameters {
  readonly communityId: Id;
  /** The export's name, checked by the service; absent or null for none. */
  readonly name?: string | null;
  /** Every active member or chosen ones; absent or null when not known. */
  readonly memberScope?: MemberScope | null;
  readonly createTime: UnixSeconds;
  readonly idempotencyKey: string | null;
  /** Days its files are kept after it ended; absent or null: until it is deleted. */
  readonly retentionDays?: number | null;
  /** Who created it; absent or null when not known. */
  readonly createdBy?: ExportCreator | null;
  /** Why it was made, checked by the service; absent or null for none. */
  readonly reason?: string | null;
}

export interface PlannedJob {
  readonly jobType: JobType;
  readonly userId: Id | null;
  readonly dataTypes: readonly DataType[];
}

export interface ExportRepository {
  /** Creates the export and all its jobs (all PENDING) in one transaction. */
  create(input: NewExport, jobs: readonly PlannedJob[], audit?: AuditEntry): Promise<ExportJob>;
  get(id: Id): MaybePromise<ExportJob | undefined>;
  findByIdempotencyKey(communityId: Id, key: string): Promise<ExportJob | undefined>;
  /** The community's exports, newest first. */
  list(communityId: Id, page: PageRequest): Promise<Page<ExportJob>>;
  count(communityId: Id): Promise<number>;
  countJobs(exportId: Id): MaybePromise<ExportJobCounts>;
  /** The last change of any of the export's jobs (its end, once ended); null without jobs. */
  lastJobUpdate(exportId: Id): MaybePromise<UnixSeconds | null>;
  /** The reason of the first aborted job (by id), or null when none aborted. */
  firstAbortReason(exportId: Id): MaybePromise<AbortReason | null>;
  /**
   * Marks the export cancelled and ends every unfinished job ABORTED with CANCELLED_BY_USER,
   * in one transaction. Finished jobs keep their state and files. Returns the aborted jobs' ids.
   */
  cancel(id: Id, time: UnixSeconds, audit?: AuditEntry): Promise<readonly Id[]>;
  /** Deletes the export, its jobs and file records in one transaction; returns the files' blob keys. */
  delete(id: Id, audit?: AuditEntry): Promise<readonly string[]>;
}

export interface JobStateChange {
  readonly state: JobState;
  readonly abortReason?: AbortReason | null;
  readonly stateMessage?: string | null;
  readonly progress?: number;
  /** Set when a job completes: how many things its archive had to leave out. */
  readonly leftOutCount?: number;
  /** Set when a run starts: the job belongs to this run from now on (see `ownRun` below). */
  readonly startsRun?: string;
  /**
   * The queue claim the change is made for (see job-queue.ts): it is refused when a run of a
   * later claim has started the job (a worker that paused past its lease, between its claim and
   * its start or its verdict). With `startsRun`, also when a run of this claim has started it,
   * and recorded as the job's claim; a run started without one records none, and then any
   * claim may start the job again.
   */
  readonly claim?: number;
  readonly time: UnixSeconds;
}

/** Which user jobs of an export to list or count; every condition given must hold. */
export interface UserJobFilter {
  readonly state?: JobState | undefined;
  /** Jobs of the members `MemberRepository.search` finds with this text. */
  readonly member?: string | undefined;
}

export interface UserJobCount {
  /** The export's user jobs that match the filter. */
  readonly matching: number;
  /** Of those, the ones before the position asked about (in id order): where a page starts. */
  readonly before: number;
}

export interface JobRepository {
  get(id: Id): MaybePromise<DyiJob | undefined>;
  companyJob(exportId: Id): MaybePromise<DyiJob>;
  /**
   * The export's user jobs in id order, only those matching the filter when given. A member
   * filter that folds to nothing matches every job, as no filter does.
   */
  listUserJobs(exportId: Id, page: PageRequest, filter?: UserJobFilter): Promise<Page<DyiJob>>;
  /**
   * How many user jobs of the export match the filter, and how many of those have an id below
   * `position` (0 without one): "page 3 of 13" without reading the pages before.
   */
  countUserJobs(exportId: Id, filter?: UserJobFilter, position?: Id): Promise<UserJobCount>;
  /**
   * Moves a job to a new state only if it is in one of `from` (and, given `ownRun`, still
   * belongs to that run); returns whether it moved. This compare-and-set is what keeps a cancel
   * and a finishing worker, or two runs of one job, from both winning.
   */
  transition(
    id: Id,
    from: readonly JobState[],
    change: JobStateChange,
    ownRun?: string,
  ): Promise<boolean>;
  /** Sets the progress; given `ownRun`, only while the job belongs to that run. */
  setProgress(id: Id, progress: number, time: UnixSeconds, ownRun?: string): Promise<void>;
  /** Ids of the export's jobs (the company job first), in id order. */
  idsOfExport(exportId: Id): Promise<readonly Id[]>;
  /** Ids of every job not yet in a final state (PENDING or IN_PROGRESS), in id order. */
  unfinishedIds(): Promise<readonly Id[]>;
  /** How many jobs are PENDING and IN_PROGRESS now: the queue's depth (`/metrics`). */
  countUnfinished(): Promise<{ readonly PENDING: number; readonly IN_PROGRESS: number }>;
}

export type NewFile = Omit<DyiFile, 'id' | 'expiredTime'>;

/** A file of an export with the member its job exports (null: the company job). */
export interface ExportFileRecord extends DyiFile {
  readonly userId: Id | null;
}

/** How many files, and their bytes in all. */
export interface FileTotals {
  readonly files: number;
  readonly bytes: number;
}

export interface FileRepository {
  /** Allocates the id a file will have, so its blob key can be made before its row exists. */
  allocateId(communityId: Id): Promise<Id>;
  /**
   * An id below every id `allocateId` hands out after this resolves, in any process: where a
   * run starts, so that its clean-up can tell earlier runs' files from later ones'.
   */
  idFloor(communityId: Id): Promise<Id>;
  /**
   * Records a file whose blob is completely stored, under an id from `allocateId`. Given
   * `ownRun`, only while its job is IN_PROGRESS and belongs to that run, atomically with
   * that check: otherwise RunSupersededError, and nothing is recorded.
   */
  create(id: Id, file: NewFile, ownRun?: string): Promise<DyiFile>;
  get(id: Id): MaybePromise<DyiFile | undefined>;
  /** The job's files in id order (the `files` edge: `MaybePromise`, as `findObject`). */
  listByJob(jobId: Id, page: PageRequest): MaybePromise<Page<DyiFile>>;
  countByJob(jobId: Id): Promise<number>;
  /**
   * The files of the export's COMPLETED jobs, in id order. A job still running is left out:
   * a rerun of it may yet replace the files it has recorded so far.
   */
  listByExport(exportId: Id, page: PageRequest): Promise<Page<ExportFileRecord>>;
  /** How many files `listByExport` lists in all, and their bytes. */
  totalsOfExport(exportId: Id): Promise<FileTotals>;
  /**
   * Deletes the job's file records; returns their blob keys, for the caller to delete. Given
   * `ownRun`, only while the job belongs to that run (otherwise deletes nothing): a run that
   * was taken over must not delete the files of the run that took over.
   */
  deleteByJob(jobId: Id, ownRun?: string): Promise<readonly string[]>;
}

/** Small server-wide values that every process sharing the database must agree on. */
export interface SettingsRepository {
  /** The value under `key`, created with `create()` on first use (atomic across processes). */
  getOrCreate(key: string, create: () => string): Promise<string>;
  set(key: string, value: string): Promise<void>;
}

/** An admin with the scrypt hash of their password (see `services/password-hash.ts`). */
export interface AdminCredential extends Admin {
  readonly passwordHash: string;
}

export interface AdminRepository {
  /** Creates an admin; a ConflictError when the email is taken. */
  create(input: Omit<AdminCredential, 'id'>, audit?: AuditEntry): Promise<Admin>;
  findByEmail(email: string): Promise<AdminCredential | undefined>;
  get(id: Id): Promise<Admin | undefined>;
  list(communityId: Id): Promise<readonly Admin[]>;
  setPasswordHash(id: Id, passwordHash: string, audit?: AuditEntry): Promise<void>;
}

/**
 * One counter of the panel's wrong passwords: those of one account (an email, known or not)
 * from one client address, or, with `account` empty, those of one address for any email.
 */
export interface SignInCounterKey {
  /** What the service derives from the email (it never stores the email itself); '' = any. */
  readonly account: string;
  readonly address: string;
}

export interface SignInCounterRule extends SignInCounterKey {
  /** Wrong passwords this counter takes before it locks (see `domain/sign-in-lock.ts`). */
  readonly freeFailures: number;
}

/** Counters of wrong passwords, shared by every process that signs admins in. */
export interface SignInCounterRepository {
  /**
   * Counts a sign-in attempt before its password is checked, on every counter of `rules`, in
   * one atomic step: when one of them locks at `nowMs` (`lockedForMs`), nothing is counted and
   * the answer is that rule with the time left, the longest if several lock; otherwise each
   * counter counts one more wrong password at `nowMs` and the answer is undefined. Counters
   * quiet for `policy.forgetAfterMs` start again from zero (a store may delete them).
   */
  reserve(
    rules: readonly SignInCounterRule[],
    policy: SignInLockPolicy,
    nowMs: number,
  ): Promise<{ rule: SignInCounterRule; waitMs: number } | undefined>;
  /**
   * The reserved attempt signed in: each of `forget` is deleted, and each of `refund` takes
   * back the one failure `reserve` counted (never going below zero).
   */
  settle(forget: readonly SignInCounterKey[], refund: readonly SignInCounterKey[]): Promise<void>;
  /** Deletes every counter of `account`, from any address (a new password unlocks it). */
  forgetAccount(account: string): Promise<void>;
}

export interface AdminSessionRecord {
  /** SHA-256 of the session cookie's value, hex; the value itself is never stored. */
  readonly idHash: string;
  readonly adminId: Id;
  /** The token every form of this session must send back (CSRF protection). */
  readonly csrfToken: string;
  readonly createTime: UnixSeconds;
  readonly expireTime: UnixSeconds;
}

export interface AdminSessionRepository {
  create(session: AdminSessionRecord, audit?: AuditEntry): Promise<void>;
  /** The session with this hash if it has not expired at `now`. */
  find(idHash: string, now: UnixSeconds): Promise<AdminSessionRecord | undefined>;
  delete(idHash: string): Promise<void>;
  /** Deletes every session of the admin (a new password signs them out everywhere). */
  deleteByAdmin(adminId: Id): Promise<void>;
  /** Deletes every session that expired before `now`; returns how many. */
  deleteExpired(now: UnixSeconds): Promise<number>;
}

/**
 * A secret waiting for the one page that shows it (see `server/admin/one-time-reveals.ts`),
 * stored only encrypted, under a key the store never sees.
 */
export interface PendingReveal {
  /** Random, unguessable. */
  readonly id: string;
  /** Who may take it: a hash of its session's CSRF token. */
  readonly ownerHash: string;
  /** The encrypted secret, opaque to the store. */
  readonly ciphertext: string;
  /** Unix milliseconds from which it can no longer be taken. */
  readonly expireTimeMs: number;
}

/** Secrets waiting for their page, shared by every process on the database. */
export interface PendingRevealRepository {
  /**
   * Stores the reveal; then, so that no owner keeps more than `maxPerOwner` waiting, deletes
   * that owner's earliest-expiring ones beyond it (a flood loses only its own).
   */
  put(reveal: PendingReveal, maxPerOwner: number): Promise<void>;
  /**
   * Deletes the reveal `id` if `ownerHash` owns it and it has not expired at `nowMs`, and
   * answers its ciphertext; undefined otherwise (and for everyone after). Atomic: of several
   * takes at once, in any processes, at most one gets it.
   */
  take(id: string, ownerHash: string, nowMs: number): Promise<string | undefined>;
  /** Deletes every reveal expired at `nowMs`; returns how many. */
  deleteExpired(nowMs: number): Promise<number>;
}

export interface ImportRunRepository {
  record(run: Omit<ImportRun, 'id'>): Promise<ImportRun>;
  /** The community's latest runs, newest first. */
  latest(communityId: Id, limit: number): Promise<readonly ImportRun[]>;
}

/** Which audit records to list; every condition given must hold. */
export interface AuditFilter {
  /** Records of this community only; absent: every community's and those of none. */
  readonly communityId?: Id | undefined;
  /** Records at or after this time. */
  readonly since?: UnixSeconds | undefined;
  /** Records before this time. */
  readonly until?: UnixSeconds | undefined;
  readonly act?: AuditAct | undefined;
  readonly actorType?: AuditActorType | undefined;
  /** Records whose admin id or email, integration id or token id is this. */
  readonly actor?: string | undefined;
}

/**
 * The audit trail: one hash chain of records (see `domain/audit.ts`), appended to and read,
 * never changed. Appends are serialised across processes (PostgreSQL: a table lock in the
 * append's transaction; SQLite: the write transaction), so the chain never forks. The write
 * repositories also take an `audit` entry and append it in their own transaction.
 */
export interface AuditRepository {
  /** Appends one record in its own transaction; answers it as stored. */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** Matching records, newest first (by `seq`), paged by `seq` as an id. */
  list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>>;
  /** How many records `list` finds in all. */
  count(filter: AuditFilter): Promise<number>;
  /** Up to `limit` records after `afterSeq` (0: from the first), in chain order. */
  scan(afterSeq: number, limit: number): Promise<readonly AuditRecord[]>;
}

/**
 * What the retention sweep (`services/retention-service.ts`) asks of the store. An export
 * expires in three steps, each safe to repeat and to run in several processes at once:
 * `claim` (one process takes it; it is `expiring`, its files marked and refused from then on),
 * the blobs deleted, `finish` (`expired`). A sweep that died between them leaves the export
 * `expiring`, and another takes it over once the claim's lease has passed.
 */
export interface RetentionRepository {
  /**
   * Fixes `expiresTime` of every export that has a retention and no expiry yet and whose jobs
   * have all ended: the end of its last job plus its retention. Returns how many it fixed.
   */
  fixEndedExpiries(): Promise<number>;
  /**
   * Ids of exports to expire at `now`, at most `limit`, oldest expiry first: those whose
   * `expiresTime` passed and that are not expired, and those left `expiring` by a sweep whose
   * claim is older than `leaseSeconds`.
   */
  due(now: UnixSeconds, leaseSeconds: number, limit: number): Promise<readonly Id[]>;
  /**
   * Takes the export to delete its files, in one transaction, if it is still due: kept, with
   * its expiry passed and no job unfinished (a running job may still write blobs), or
   * `expiring` with a claim older than `leaseSeconds`. The first time, it becomes `expiring`
   * with `expiredTime` = now and every file of it is marked expired. False when another
   * process has it, a job still runs, or it was extended or deleted meanwhile.
   */
  claim(id: Id, now: UnixSeconds, leaseSeconds: number): Promise<boolean>;
  /**
   * `expiring` → `expired`, once its blobs are gone, appending `audit` in the same transaction
   * when it does; false when it was not expiring (another process finished it).
   */
  finish(id: Id, audit?: AuditEntry): Promise<boolean>;
  /**
   * Sets the export's `expiresTime` (an admin extending or shortening it) while it is kept;
   * false when it is expiring or expired already, or does not exist.
   */
  setExpiresTime(id: Id, time: UnixSeconds): Promise<boolean>;
}
