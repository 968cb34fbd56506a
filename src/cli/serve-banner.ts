/**
 * @module
 * What `dyi serve` prints once it serves: where, and the next steps, written for this setup so
 * that each command works when pasted: `npx dyi` inside a checkout (where `dyi` is not on the
 * PATH), `--data-dir` when the data dir is not the default one, `--community` when there is
 * more than one, and no "create an account" when the community has an admin.
 */
import path from 'node:path';
import { describeDatabaseUrl } from '../adapters/postgres/postgres-database.js';
import { type Config, DEFAULTS } from '../config.js';
import type { Community } from '../domain/index.js';
import type { Runtime } from '../runtime.js';
import type { FaultModeOptions } from '../server/faults/fault-mode.js';
import { describeFaultProfile } from '../server/faults/fault-profile.js';
import type { DemoAccess } from '../services/demo-community.js';

/** The banner, ending with an empty line; `workers` is undefined when this process runs none. */
export async function serveBanner(
  runtime: Runtime,
  demo: DemoAccess | undefined,
  workers: number | undefined,
  faults?: FaultModeOptions,
): Promise<string> {
  const { publicUrl } = runtime.config;
  const lines = [
    `dyi-export is serving the Graph API at ${publicUrl} (${whereDataLives(runtime.config)})`,
    ...(faults ? faultLines(faults) : []),
    workers === undefined
      ? 'Export workers: none in this process (--no-workers).'
      : `Export workers: ${workers} thread${workers === 1 ? '' : 's'}.`,
    ...(demo ? demoLines(runtime, demo) : await setupHints(runtime)),
  ];
  return `${lines.join('\n')}\n\n`;
}

/** Fault mode's warning: it is on, with which rates, and how to repeat the run. */
function faultLines({ profile, seed }: FaultModeOptions): string[] {
  return [
    `FAULT MODE IS ON (profile ${profile.name}): Graph calls and downloads fail on purpose, for testing clients.`,
    `  ${describeFaultProfile(profile)}`,
    `  Seed ${seed} (DYI_FAULTS_SEED=${seed} repeats these faults); the admin panel is not faulted. See docs/fault-mode.md.`,
  ];
}

/** Where the data lives, passwords left out: the data dir, or PostgreSQL and S3. */
export function whereDataLives(config: Config): string {
  const { databaseUrl, blobStore, dataDir } = config;
  const database = databaseUrl === undefined ? undefined : describeDatabaseUrl(databaseUrl);
  const files =
    blobStore.kind === 's3' ? `s3://${blobStore.bucket}/${blobStore.prefix}` : blobStore.root;
  if (database === undefined && blobStore.kind === 'local-disk') return `data in ${dataDir}`;
  return `data in ${database === undefined ? dataDir : `PostgreSQL ${database}`}, files in ${files}`;
}

function demoLines(runtime: Runtime, demo: DemoAccess): string[] {
  const { publicUrl } = runtime.config;
  return [
    `${demo.created ? 'Created the demo' : 'Demo'} community "${demo.community.name}" (id ${demo.community.id}), with a completed export of all its data.`,
    'Access token for it (read and manage exports; shown once; the next start revokes it):',
    `  ${demo.token}`,
    'Try:',
    `  curl '${publicUrl}/community/work_dyi_jobs?fields=id,is_completed,company_job&access_token=${demo.token}'`,
    `Admin panel: ${publicUrl}/admin`,
    `  sign in as ${demo.admin.email} with the password ${demo.admin.password} (new at every start)`,
    `Tokens: ${hintCommand(runtime, ['token', 'list'])}`,
  ];
}

/** A word as the shell reads it back: bare when it is safe, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * How to run `dyi` here: `npx dyi` when the running CLI lies below the current directory (a
 * checkout, or a project that installed it), where `dyi` is not on the PATH; else `dyi`.
 */
export function dyiCommand(entry = process.argv[1] ?? '', cwd = process.cwd()): string {
  const below = path.relative(cwd, path.resolve(entry));
  return below !== '' && !below.startsWith('..') && !path.isAbsolute(below) ? 'npx dyi' : 'dyi';
}

/** A pasteable `dyi` command line: `args`, then `--data-dir` unless the data dir is the default. */
export function hintCommand(runtime: Runtime, args: readonly string[]): string {
  const { dataDir } = runtime.config;
  const isDefaultDir = dataDir === path.resolve(DEFAULTS.dataDir);
  return [dyiCommand(), ...args, ...(isDefaultDir ? [] : ['--data-dir', dataDir])]
    .map((word, i) => (i === 0 ? word : shellWord(word)))
    .join(' ');
}

/** The lines that tell a server with no demo what to do next. */
export async function setupHints(runtime: Runtime): Promise<string[]> {
  const { publicUrl } = runtime.config;
  const communities = await runtime.communities.list();
  const [first] = communities;
  if (!first) {
    return [
      `No community yet; create one with: ${hintCommand(runtime, ['community', 'create', '--name', 'My community'])}`,
      `Then create a token with: ${tokenHint(runtime, [])}`,
      `Admin panel: ${publicUrl}/admin; create an account with: ${adminHint(runtime, [])}`,
    ];
  }
  const choice = communities.length > 1 ? ['--community', first.id] : [];
  const lines = [
    `Create a token${forWhich(runtime, communities)} with: ${tokenHint(runtime, choice)}`,
  ];
  const hasAdmin = (await runtime.metadata.admins.list(first.id)).length > 0;
  lines.push(
    hasAdmin
      ? `Admin panel: ${publicUrl}/admin (accounts: ${hintCommand(runtime, ['admin', 'list', ...choice])})`
      : `Admin panel: ${publicUrl}/admin; create an account with: ${adminHint(runtime, choice)}`,
  );
  return lines;
}

/** ` for community 1 "Acme" (all 2: dyi community list)` when there are several. */
function forWhich(runtime: Runtime, communities: readonly Community[]): string {
  const [first] = communities;
  if (!first || communities.length === 1) return '';
  const list = hintCommand(runtime, ['community', 'list']);
  return ` for community ${first.id} "${first.name}" (all ${communities.length}: ${list})`;
}

function tokenHint(runtime: Runtime, choice: readonly string[]): string {
  return hintCommand(runtime, [
    'token',
    'create',
    '--permission',
    'read_company_data_exports,manage_company_data_exports',
    ...choice,
  ]);
}

function adminHint(runtime: Runtime, choice: readonly string[]): string {
  return hintCommand(runtime, ['admin', 'create', '--email', 'you@example.com', ...choice]);
}
