/**
 * @module
 * All settings of dyi-export in one place: parsed once from the environment (and CLI flags,
 * which win), validated with zod, frozen, and passed down. Nothing else reads `process.env`.
 * Every setting has a default and a unit, listed in `DEFAULTS` and in `docs/configuration.md`.
 */
import path from 'node:path';
import { z } from 'zod';
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
  /** Graph version echoed in `facebook-api-version` when the path has none. */
  graphVersion: 'v22.0',
  /** Log level of the server (pino levels). */
  logLevel: 'info',
  /** Largest zip part of a DYI job, in bytes; every part is a valid zip on its own. */
  maxPartBytes: 1024 * 1024 * 1024,
  /** Largest total output of one DYI job, in bytes; above it the job aborts ARCHIVE_TOO_BIG. */
  maxJobBytes: 64 * 1024 * 1024 * 1024,
  /** Export worker threads of `dyi serve`; 0 means one per CPU core. */
  workers: 0,
  /** How long the admin panel waits before answering a wrong password, in milliseconds. */
  signInFailureDelayMs: 1000,
  /** How long an admin panel session lasts after sign-in, in seconds. */
  adminSessionSeconds: 12 * 3600,
} as const;

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
  graphVersion: z.string().regex(/^v\d+\.\d+$/),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  maxPartBytes: z.coerce
    .number()
    .int()
    .min(64 * 1024),
  maxJobBytes: z.coerce.number().int().min(1),
  workers: z.coerce.number().int().min(0).max(256),
  signInFailureDelayMs: z.coerce.number().int().min(0).max(60_000),
  adminSessionSeconds: z.coerce.number().int().min(60),
});

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
  readonly graphVersion: string;
  readonly logLevel: string;
  readonly maxPartBytes: number;
  readonly maxJobBytes: number;
  /** Worker threads; 0 = one per CPU core. */
  readonly workers: number;
  readonly signInFailureDelayMs: number;
  readonly adminSessionSeconds: number;
}

/** Environment variables and the setting each one sets. */
const ENVIRONMENT: Record<string, keyof z.input<typeof schema>> = {
  PORT: 'port',
  DYI_HOST: 'host',
  DYI_DATA_DIR: 'dataDir',
  DYI_PUBLIC_URL: 'publicUrl',
  DYI_DOWNLOAD_URL_TTL_SECONDS: 'downloadUrlTtlSeconds',
  DYI_RATE_LIMIT_CALLS: 'rateLimitCalls',
  DYI_RATE_LIMIT_WINDOW_SECONDS: 'rateLimitWindowSeconds',
  DYI_COMMUNITY_RATE_LIMIT_CALLS: 'communityRateLimitCalls',
  DYI_CREATE_EXPORT_LIMIT: 'createExportLimit',
  DYI_LOG_LEVEL: 'logLevel',
  DYI_MAX_PART_BYTES: 'maxPartBytes',
  DYI_MAX_JOB_BYTES: 'maxJobBytes',
  DYI_WORKERS: 'workers',
  DYI_SIGN_IN_FAILURE_DELAY_MS: 'signInFailureDelayMs',
  DYI_ADMIN_SESSION_SECONDS: 'adminSessionSeconds',
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
  const settings = parsed.data;
  const publicUrl = (settings.publicUrl ?? `http://localhost:${settings.port}`).replace(/\/+$/, '');
  return Object.freeze({
    ...settings,
    dataDir: path.resolve(settings.dataDir),
    publicUrl,
  });
}

export { type ClientSettings, clientSettings } from './client-settings.js';
