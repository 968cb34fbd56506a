/**
 * @module
 * All settings of dyi-export in one place: parsed once from the environment (and CLI flags,
 * which win), validated with zod, frozen, and passed down. Nothing else reads `process.env`.
 * Every setting has a default and a unit, listed in `DEFAULTS` and in `docs/configuration.md`.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { parseBlobStoreUrl } from './adapters/s3/blob-store-url.js';
import { DEFAULT_DATA_DIR } from './client-settings.js';
import { ConfigurationError } from './domain/index.js';

export const DEFAULTS = {
  /** TCP port of `dyi serve`. */
  port: 8080,
  /** Interface the server binds to. */
  host: '127.0.0.1',
  /** Directory holding the SQLite database and the blob directory. */
  dataDir: DEFAULT_DATA_DIR,
  /** Lifetime of a signed download URL, in seconds. */
  downloadUrlTtlSeconds: 3600,
  /** Graph calls one token may make per rate-limit window; 0 turns the limit off. */
  rateLimitCalls: 6000,
  /** Length of the rate-limit window, in seconds. */
  rateLimitWindowSeconds: 60,
  /** Graph calls one community (all its tokens) may make per window (Graph code 613 above it). */
  communityRateLimitCalls: 30000,
  /** Exports one community may create per rate-limit window (Graph code 613 above it). */
  createExportLimit: 30,
  /** Items per page when `limit` is not given. */
  defaultPageSize: 25,
  /** Largest `limit` honoured; larger values are capped. */
  maxPageSize: 100,
  /**
   * Objects (nodes and list items) one Graph request may resolve, counted while resolving;
   * past it the request is answered with code 1 before more is built.
   */
  graphMaxObjects: 10_000,
  /**
   * Objects a Graph request may ask for at worst (every list full to its limit, multiplied
   * down the nested `fields`), computed before any work; above it the request is refused
   * at once with code 1.
   */
  graphMaxEstimatedObjects: 100_000,
  /** Levels of nested objects and lists below the requested node, e.g. `a{b{c}}` is 2. */
  graphMaxDepth: 6,
  /** Bytes of JSON one Graph answer (or one whole batch) may hold, in bytes. */
  graphMaxResponseBytes: 8 * 1024 * 1024,
  /**
   * Objects resolved that count as one call in the usage headers and rate limits: a request
   * costs ceil(objects / this) calls, at least one.
   */
  graphObjectsPerCall: 100,
  /**
   * Characters (about bytes) of Graph answers kept to answer the same read again while they
   * cannot differ: same token and URL, same second, nothing stored changed since
   * (`src/server/answer-memo.ts`). 0 keeps none.
   */
  graphAnswerMemoBytes: 4 * 1024 * 1024,
  /** Graph version echoed in `facebook-api-version` when the path has none. */
  graphVersion: 'v22.0',
  /** Log level of the server (pino levels). */
  logLevel: 'info',
  /**
   * How the server logs: `json` (one JSON object a line), `text` (short lines for a person:
   * warnings and errors, and requests at level debug or trace), or `auto`: text when standard
   * output is a terminal, else JSON.
   */
  logFormat: 'auto',
  /** Largest zip part of a DYI job, in bytes; every part is a valid zip on its own. */
  maxPartBytes: 1024 * 1024 * 1024,
  /** Largest total output of one DYI job, in bytes; above it the job aborts ARCHIVE_TOO_BIG. */
  maxJobBytes: 64 * 1024 * 1024 * 1024,
  /** Export worker threads of `dyi serve`; 0 means one per CPU core. */
  workers: 0,
  databasePoolSize: 10,
  /** Runs of a DYI job that may fail (disk full, database locked...) before it ends FAILED. */
  jobAttempts: 3,
  /** Wait before the first rerun of a failed job, in milliseconds; each next one is 4 times longer. */
  jobRetryDelayMs: 1000,
  /**
   * How long a worker's claim of a job lasts without a renewal, in milliseconds (renewed every
   * quarter of it): a job whose worker died runs again elsewhere this long after.
   */
  jobLeaseMs: 10_000,
  /** How long the admin panel waits before answering a wrong password, in milliseconds. */
  signInFailureDelayMs: 1000,
  /** Wrong passwords one client address may give for one account before it is locked out of it. */
  signInAccountFailures: 5,
  /** Wrong passwords one client address may give for any emails before it is locked out. */
  signInAddressFailures: 20,
  /** How long the first sign-in lock lasts, in seconds; each further wrong password doubles it. */
  signInLockSeconds: 30,
  /** The longest sign-in lock, in seconds. */
  signInMaxLockSeconds: 3600,
  /** A count of wrong passwords with none added for this long starts again from zero, seconds. */
  signInForgetSeconds: 24 * 3600,
  /**
   * Proxies whose `X-Forwarded-For` names the client (comma-separated addresses or CIDR blocks,
   * or `loopback`, `linklocal`, `uniquelocal`); empty: the client is the TCP peer.
   */
  trustProxy: '',
  /** How long an admin panel session lasts after sign-in, in seconds. */
  adminSessionSeconds: 12 * 3600,
  /** AWS region of the S3 blob store (any value for stores that ignore it). */
  s3Region: 'us-east-1',
  /** Address S3 buckets as `endpoint/bucket` rather than `bucket.endpoint` (Swift, MinIO). */
  s3ForcePathStyle: false,
  /**
   * What a file's `download_url` points at: `api`, this server's signed URL (it streams the
   * bytes from the blob store), or `presigned`, a presigned GET of the S3 object itself.
   */
  downloadUrls: 'api',
  /** Time between two clean-ups of the blob store by `dyi serve` and `dyi worker`, in seconds. */
  cleanupIntervalSeconds: 3600,
  /** How long a media blob no record names is kept after it was stored or used, in seconds. */
  orphanMediaGraceSeconds: 3600,
  /**
   * Send webhooks to private, loopback, link-local and other non-public addresses too (a
   * receiver on this machine or the local network); off, such URLs are refused (SSRF).
   */
  webhookAllowPrivate: false,
  /** How long one webhook request (handshake or event) may take, in milliseconds. */
  webhookTimeoutMs: 10_000,
  /** First retry delay of a failed delivery, in milliseconds (doubling, with full jitter). */
  webhookRetryBaseMs: 10_000,
  /** Longest delay between two attempts of a delivery, in milliseconds. */
  webhookRetryMaxDelayMs: 3_600_000,
  /** How long a delivery is retried before it ends failed, in seconds (at least 24 hours). */
  webhookRetrySeconds: 25 * 3600,
  /** Deliveries one process sends at once. */
  webhookConcurrency: 4,
  /** How often an idle deliverer looks for due deliveries, in milliseconds. */
  webhookPollMs: 1000,
  /**
   * How long an export's files are kept after its last job ended, in days; then the retention
   * sweep deletes them and the export stays listed as expired. 0 keeps them until deleted.
   * An export may ask for its own (`retention_days`, 1 to `retentionMaxDays`).
   */
  retentionDays: 30,
  /**
   * The longest an export's files may be kept, in days: the most `retention_days` may ask for,
   * and how far from now an admin may move an export's `expires_time`.
   */
  retentionMaxDays: 365,
  /** Time between two retention sweeps by `dyi serve` and `dyi worker`, in seconds. */
  retentionSweepSeconds: 300,
  /**
   * Free space the data directory's file system must keep for `/readyz` to pass, in bytes
   * (export jobs need room for their archive parts; SQLite for its journal).
   */
  readyMinFreeBytes: 256 * 1024 * 1024,
  /** `/readyz` says why a check failed (messages may name paths); off: only `ok` or `fail`. */
  healthDetail: false,
  /** Interface the metrics port (`DYI_METRICS_PORT`) binds to. */
  metricsHost: '127.0.0.1',
} as const;

/** One entry of `DYI_TRUST_PROXY`: an address, a CIDR block, or a name proxy-addr knows. */
function isProxyEntry(entry: string): boolean {
  const trimmed = entry.trim();
  if (['loopback', 'linklocal', 'uniquelocal'].includes(trimmed)) return true;
  const [address = '', bits, ...more] = trimmed.split('/');
  return more.length === 0 && isIP(address) !== 0 && (bits === undefined || /^\d{1,3}$/.test(bits));
}

/** A yes/no setting: `true`, `false`, `1`, `0`, `yes` or `no`. */
const flag = z.preprocess(
  (value) => (typeof value === 'boolean' ? String(value) : value),
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], {
      error: 'expected true or false (or 1, 0, yes, no)',
    })
    .transform((value) => ['true', '1', 'yes'].includes(value)),
);

const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535),
  host: z.string().min(1),
  dataDir: z.string().min(1),
  publicUrl: z.url().optional(),
  downloadUrlTtlSeconds: z.coerce.number().int().min(1),
  rateLimitCalls: z.coerce.number().int().min(0),
  rateLimitWindowSeconds: z.coerce.number().int().min(1),
  communityRateLimitCalls: z.coerce.number().int().min(0),
  createExportLimit: z.coerce.number().int().min(0),
  defaultPageSize: z.coerce.number().int().min(1),
  maxPageSize: z.coerce.number().int().min(1),
  graphMaxObjects: z.coerce.number().int().min(1),
  graphMaxEstimatedObjects: z.coerce.number().int().min(1),
  graphMaxDepth: z.coerce.number().int().min(1).max(10),
  graphMaxResponseBytes: z.coerce.number().int().min(1024),
  graphObjectsPerCall: z.coerce.number().int().min(1),
  graphAnswerMemoBytes: z.coerce.number().int().min(0),
  graphVersion: z.string().regex(/^v\d+\.\d+$/),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  logFormat: z.enum(['auto', 'json', 'text']),
  maxPartBytes: z.coerce
    .number()
    .int()
    .min(64 * 1024),
  maxJobBytes: z.coerce.number().int().min(1),
  workers: z.coerce.number().int().min(0).max(256),
  jobAttempts: z.coerce.number().int().min(1).max(100),
  jobRetryDelayMs: z.coerce.number().int().min(0).max(3_600_000),
  jobLeaseMs: z.coerce.number().int().min(1000).max(3_600_000),
  signInFailureDelayMs: z.coerce.number().int().min(0).max(60_000),
  signInAccountFailures: z.coerce.number().int().min(1).max(1000),
  signInAddressFailures: z.coerce.number().int().min(1).max(100_000),
  signInLockSeconds: z.coerce.number().int().min(1),
  signInMaxLockSeconds: z.coerce.number().int().min(1),
  signInForgetSeconds: z.coerce.number().int().min(60),
  trustProxy: z
    .string()
    .refine((value) => value.trim() === '' || value.split(',').every(isProxyEntry), {
      message:
        'expected addresses or CIDR blocks (or loopback, linklocal, uniquelocal), comma-separated',
    }),
  adminSessionSeconds: z.coerce.number().int().min(60),
  cleanupIntervalSeconds: z.coerce.number().int().min(1),
  orphanMediaGraceSeconds: z.coerce.number().int().min(0),
  webhookAllowPrivate: flag,
  webhookTimeoutMs: z.coerce.number().int().min(100).max(600_000),
  webhookRetryBaseMs: z.coerce.number().int().min(10).max(3_600_000),
  webhookRetryMaxDelayMs: z.coerce.number().int().min(10).max(86_400_000),
  webhookRetrySeconds: z.coerce.number().int().min(1),
  webhookConcurrency: z.coerce.number().int().min(1).max(64),
  webhookPollMs: z.coerce.number().int().min(10).max(60_000),
  retentionDays: z.coerce.number().int().min(0).max(36_500),
  retentionMaxDays: z.coerce.number().int().min(1).max(36_500),
  retentionSweepSeconds: z.coerce.number().int().min(1),
  readyMinFreeBytes: z.coerce.number().int().min(0),
  healthDetail: flag,
  metricsPort: z.coerce.number().int().min(0).max(65535).optional(),
  metricsHost: z.string().min(1),
  metricsToken: z
    .string()
    .min(16, { message: 'expected a secret of at least 16 characters' })
    .regex(/^[\x21-\x7e]+$/, { message: 'expected printable ASCII without spaces' })
    .optional(),
  databaseUrl: z
    .string()
    .regex(/^postgres(?:ql)?:\/\/[^\s]+$/, {
      message: 'expected a PostgreSQL URL: postgres://user:password@host:5432/database',
    })
    .refine((value) => URL.canParse(value), {
      message: 'expected a PostgreSQL URL: postgres://user:password@host:5432/database',
    })
    .optional(),
  // At least 2: a transaction may read outside itself while it holds a connection.
  databasePoolSize: z.coerce.number().int().min(2).max(1000),
  blobStore: z.string().optional(),
  s3Endpoint: z.url({ message: 'expected a URL such as http://127.0.0.1:8080' }).optional(),
  s3Region: z.string().min(1),
  s3ForcePathStyle: flag,
  s3AccessKeyId: z.string().min(1).optional(),
  s3SecretAccessKey: z.string().min(1).optional(),
  downloadUrls: z.enum(['api', 'presigned']),
  faults: z.string().optional(),
  faultsSeed: z.coerce.number().int().min(0).max(0xffff_ffff).optional(),
});

/** Where the bytes of files and media live: the data directory, or an S3 bucket. */
export type BlobStoreLocation =
  | { readonly kind: 'local-disk'; readonly root: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** Key prefix: '' for the bucket's root, else segments each followed by `/`. */
      readonly prefix: string;
      readonly endpoint: string | undefined;
      readonly region: string;
      readonly forcePathStyle: boolean;
      /** Absent: the AWS SDK's default chain (instance role, shared files). */
      readonly credentials:
        { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
    };

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Absolute path. */
  readonly dataDir: string;
  /** Origin that clients reach the server at; used in `paging` and download URLs. */
  readonly publicUrl: string;
  readonly downloadUrlTtlSeconds: number;
  readonly rateLimitCalls: number;
  readonly rateLimitWindowSeconds: number;
  readonly communityRateLimitCalls: number;
  readonly createExportLimit: number;
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  readonly graphMaxObjects: number;
  readonly graphMaxEstimatedObjects: number;
  readonly graphMaxDepth: number;
  readonly graphMaxResponseBytes: number;
  readonly graphObjectsPerCall: number;
  readonly graphAnswerMemoBytes: number;
  readonly graphVersion: string;
  readonly logLevel: string;
  readonly logFormat: 'auto' | 'json' | 'text';
  readonly maxPartBytes: number;
  readonly maxJobBytes: number;
  /** Worker threads; 0 = one per CPU core. */
  readonly workers: number;
  readonly jobAttempts: number;
  readonly jobRetryDelayMs: number;
  readonly jobLeaseMs: number;
  readonly signInFailureDelayMs: number;
  readonly signInAccountFailures: number;
  readonly signInAddressFailures: number;
  readonly signInLockSeconds: number;
  readonly signInMaxLockSeconds: number;
  readonly signInForgetSeconds: number;
  /** Trusted proxies, as Fastify's `trustProxy` takes them; '' for none. */
  readonly trustProxy: string;
  readonly adminSessionSeconds: number;
  readonly cleanupIntervalSeconds: number;
  readonly orphanMediaGraceSeconds: number;
  readonly webhookAllowPrivate: boolean;
  readonly webhookTimeoutMs: number;
  readonly webhookRetryBaseMs: number;
  readonly webhookRetryMaxDelayMs: number;
  readonly webhookRetrySeconds: number;
  readonly webhookConcurrency: number;
  readonly webhookPollMs: number;
  /** Days an export's files are kept after it ended; 0 = until deleted. */
  readonly retentionDays: number;
  /** Most days an export may be kept, and how far ahead `expires_time` may be moved. */
  readonly retentionMaxDays: number;
  readonly retentionSweepSeconds: number;
  /** Bytes `/readyz` wants free in the data dir's file system. */
  readonly readyMinFreeBytes: number;
  /** Whether `/readyz` says why a check failed. */
  readonly healthDetail: boolean;
  /**
   * Port of a separate listener serving `/metrics` (and `/healthz`, `/readyz`) to anyone who
   * reaches it; undefined (the default): none. `dyi worker` serves it too.
   */
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
  /**
   * A bearer secret: set, `/metrics` on the API's own port answers requests that present it
   * (`Authorization: Bearer …`); undefined (the default): `/metrics` there is not served.
   */
  readonly metricsToken: string | undefined;
  /** PostgreSQL holding metadata, content and the queue; undefined: SQLite in the data dir. */
  readonly databaseUrl: string | undefined;
  /**
   * PostgreSQL connections the metadata, content and usage counters of one process (or export
   * thread) hold at most, together; the job queue and the change listener add up to 5.
   */
  readonly databasePoolSize: number;
  readonly blobStore: BlobStoreLocation;
  readonly downloadUrls: 'api' | 'presigned';
  /**
   * Fault profile of `dyi serve` (docs/fault-mode.md): a built-in name, `key=rate` settings or
   * a JSON file; undefined (the default): no fault mode. No other command reads it.
   */
  readonly faults: string | undefined;
  /** Seed of fault mode's dice; undefined: a random one, printed in the banner. */
  readonly faultsSeed: number | undefined;
}

/** Environment variables and the setting each one sets. */
export const ENVIRONMENT: Readonly<Record<string, keyof z.input<typeof schema>>> = {
  PORT: 'port',
  DYI_HOST: 'host',
  DYI_DATA_DIR: 'dataDir',
  DYI_PUBLIC_URL: 'publicUrl',
  DYI_DOWNLOAD_URL_TTL_SECONDS: 'downloadUrlTtlSeconds',
  DYI_RATE_LIMIT_CALLS: 'rateLimitCalls',
  DYI_RATE_LIMIT_WINDOW_SECONDS: 'rateLimitWindowSeconds',
  DYI_COMMUNITY_RATE_LIMIT_CALLS: 'communityRateLimitCalls',
  DYI_CREATE_EXPORT_LIMIT: 'createExportLimit',
  DYI_GRAPH_MAX_OBJECTS: 'graphMaxObjects',
  DYI_GRAPH_MAX_ESTIMATED_OBJECTS: 'graphMaxEstimatedObjects',
  DYI_GRAPH_MAX_DEPTH: 'graphMaxDepth',
  DYI_GRAPH_MAX_RESPONSE_BYTES: 'graphMaxResponseBytes',
  DYI_GRAPH_OBJECTS_PER_CALL: 'graphObjectsPerCall',
  DYI_GRAPH_ANSWER_MEMO_BYTES: 'graphAnswerMemoBytes',
  DYI_LOG_LEVEL: 'logLevel',
  DYI_LOG_FORMAT: 'logFormat',
  DYI_MAX_PART_BYTES: 'maxPartBytes',
  DYI_MAX_JOB_BYTES: 'maxJobBytes',
  DYI_WORKERS: 'workers',
  DYI_JOB_ATTEMPTS: 'jobAttempts',
  DYI_JOB_RETRY_DELAY_MS: 'jobRetryDelayMs',
  DYI_JOB_LEASE_MS: 'jobLeaseMs',
  DYI_SIGN_IN_FAILURE_DELAY_MS: 'signInFailureDelayMs',
  DYI_SIGN_IN_ACCOUNT_FAILURES: 'signInAccountFailures',
  DYI_SIGN_IN_ADDRESS_FAILURES: 'signInAddressFailures',
  DYI_SIGN_IN_LOCK_SECONDS: 'signInLockSeconds',
  DYI_SIGN_IN_MAX_LOCK_SECONDS: 'signInMaxLockSeconds',
  DYI_SIGN_IN_FORGET_SECONDS: 'signInForgetSeconds',
  DYI_TRUST_PROXY: 'trustProxy',
  DYI_ADMIN_SESSION_SECONDS: 'adminSessionSeconds',
  DYI_CLEANUP_INTERVAL_SECONDS: 'cleanupIntervalSeconds',
  DYI_ORPHAN_MEDIA_GRACE_SECONDS: 'orphanMediaGraceSeconds',
  DYI_WEBHOOK_ALLOW_PRIVATE: 'webhookAllowPrivate',
  DYI_WEBHOOK_TIMEOUT_MS: 'webhookTimeoutMs',
  DYI_WEBHOOK_RETRY_BASE_MS: 'webhookRetryBaseMs',
  DYI_WEBHOOK_RETRY_MAX_DELAY_MS: 'webhookRetryMaxDelayMs',
  DYI_WEBHOOK_RETRY_SECONDS: 'webhookRetrySeconds',
  DYI_WEBHOOK_CONCURRENCY: 'webhookConcurrency',
  DYI_WEBHOOK_POLL_MS: 'webhookPollMs',
  DYI_RETENTION_DAYS: 'retentionDays',
  DYI_RETENTION_MAX_DAYS: 'retentionMaxDays',
  DYI_RETENTION_SWEEP_SECONDS: 'retentionSweepSeconds',
  DYI_READY_MIN_FREE_BYTES: 'readyMinFreeBytes',
  DYI_HEALTH_DETAIL: 'healthDetail',
  DYI_METRICS_PORT: 'metricsPort',
  DYI_METRICS_HOST: 'metricsHost',
  DYI_METRICS_TOKEN: 'metricsToken',
  DYI_DATABASE_URL: 'databaseUrl',
  DYI_DATABASE_POOL_SIZE: 'databasePoolSize',
  DYI_BLOB_STORE: 'blobStore',
  DYI_S3_ENDPOINT: 's3Endpoint',
  DYI_S3_REGION: 's3Region',
  DYI_S3_FORCE_PATH_STYLE: 's3ForcePathStyle',
  AWS_ACCESS_KEY_ID: 's3AccessKeyId',
  AWS_SECRET_ACCESS_KEY: 's3SecretAccessKey',
  DYI_DOWNLOAD_URLS: 'downloadUrls',
  DYI_FAULTS: 'faults',
  DYI_FAULTS_SEED: 'faultsSeed',
};

export type ConfigOverrides = Partial<Record<keyof z.input<typeof schema>, string | number>>;

/**
 * Builds the configuration from defaults, then `env`, then `overrides` (CLI flags).
 * Throws a ConfigurationError naming each bad setting and what it allows.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ConfigOverrides = {},
): Config {
  const raw: Record<string, unknown> = { ...DEFAULTS };
  for (const [variable, key] of Object.entries(ENVIRONMENT)) {
    const value = env[variable];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConfigurationError(`Invalid configuration: ${problems}`);
  }
  const { s3Endpoint, s3Region, s3ForcePathStyle, s3AccessKeyId, s3SecretAccessKey, ...settings } =
    parsed.data;
  const publicUrl = (settings.publicUrl ?? `http://localhost:${settings.port}`).replace(/\/+$/, '');
  const dataDir = path.resolve(settings.dataDir);
  const blobStore = blobStoreLocation(settings.blobStore, dataDir, {
    endpoint: s3Endpoint,
    region: s3Region,
    forcePathStyle: s3ForcePathStyle,
    accessKeyId: s3AccessKeyId,
    secretAccessKey: s3SecretAccessKey,
  });
  if (settings.retentionDays > settings.retentionMaxDays) {
    throw new ConfigurationError(
      `Invalid configuration: retentionDays: DYI_RETENTION_DAYS (${settings.retentionDays}) is more than DYI_RETENTION_MAX_DAYS (${settings.retentionMaxDays}); lower it, raise the maximum, or set 0 to keep exports until they are deleted.`,
    );
  }
  if (settings.downloadUrls === 'presigned' && blobStore.kind !== 's3') {
    throw new ConfigurationError(
      'Invalid configuration: downloadUrls: presigned download URLs need an S3 blob store; set DYI_BLOB_STORE=s3://bucket/prefix, or DYI_DOWNLOAD_URLS=api (the default).',
    );
  }
  return Object.freeze({
    ...settings,
    databaseUrl: settings.databaseUrl,
    faults: settings.faults,
    faultsSeed: settings.faultsSeed,
    metricsPort: settings.metricsPort,
    metricsToken: settings.metricsToken,
    dataDir,
    publicUrl,
    blobStore,
  });
}

interface S3Settings {
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly forcePathStyle: boolean;
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
}

function blobStoreLocation(
  url: string | undefined,
  dataDir: string,
  s3: S3Settings,
): BlobStoreLocation {
  if (url === undefined) {
    return Object.freeze({ kind: 'local-disk', root: path.join(dataDir, 'blobs') });
  }
  const { bucket, prefix } = parseBlobStoreUrl(url);
  if ((s3.accessKeyId === undefined) !== (s3.secretAccessKey === undefined)) {
    throw new ConfigurationError(
      'Invalid configuration: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together; set both, or neither to use the AWS default credentials (instance role, shared files).',
    );
  }
  return Object.freeze({
    kind: 's3',
    bucket,
    prefix,
    endpoint: s3.endpoint?.replace(/\/+$/, ''),
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials:
      s3.accessKeyId !== undefined && s3.secretAccessKey !== undefined
        ? Object.freeze({ accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey })
        : undefined,
  });
}

export { type ClientSettings, clientSettings } from './client-settings.js';
