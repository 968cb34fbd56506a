/**
 * @module
 * What every command shares: the `--data-dir` option, loading the configuration, and running
 * an action with an open runtime that is closed whatever happens.
 */
import type { Command } from 'commander';
import { type ConfigOverrides, DEFAULTS, loadConfig } from '../config.js';
import { type Community, ValidationError } from '../domain/index.js';
import type { Runtime } from '../runtime.js';

export interface DataDirOptions {
  readonly dataDir?: string;
  readonly databaseUrl?: string;
}

/** The options naming where data lives: the data dir, and PostgreSQL when scaled out. */
export function addDataDirOption(command: Command): Command {
  return command
    .option(
      '--data-dir <dir>',
      `directory of the database and files (env DYI_DATA_DIR; default: ${DEFAULTS.dataDir})`,
    )
    .option(
      '--database-url <url>',
      "PostgreSQL instead of the data dir's SQLite: postgres://user:pass@host:5432/db (env DYI_DATABASE_URL)",
    );
}

export async function withRuntime<T>(
  options: DataDirOptions,
  action: (runtime: Runtime) => Promise<T>,
  overrides: ConfigOverrides = {},
): Promise<T> {
  const config = loadConfig(process.env, {
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    ...(options.databaseUrl !== undefined && { databaseUrl: options.databaseUrl }),
    ...overrides,
  });
  // Loaded here, not at the top: commands that need no data directory start faster.
  const { openRuntime } = await import('../runtime.js');
  const runtime = await openRuntime(config);
  try {
    return await action(runtime);
  } finally {
    await runtime.close();
  }
}

/** The community a command acts on: the one given, or the only one there is. */
export async function resolveCommunityId(
  runtime: Runtime,
  given: string | undefined,
): Promise<string> {
  const all = await runtime.communities.list();
  if (given !== undefined) {
    const found = all.find((c) => c.id === given.trim());
    if (found) return found.id;
    throw noSuchCommunity(given, all, runtime.config.dataDir);
  }
  const [only] = all;
  if (all.length === 1 && only) return only.id;
  throw new ValidationError(
    'community',
    all.length === 0
      ? 'There is no community yet: create one with `dyi community create --name NAME`.'
      : `There are ${all.length} communities; choose one with --community ID (${listed(all)}).`,
  );
}

/** Communities named in a message: the first LISTED_COMMUNITIES, id and name. */
const LISTED_COMMUNITIES = 10;

function listed(communities: readonly Community[]): string {
  const shown = communities.slice(0, LISTED_COMMUNITIES).map((c) => `${c.id} ${c.name}`);
  const more = communities.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more (\`dyi community list\`)` : ''}`;
}

/** `--community` names none of this data dir's communities: says which there are. */
function noSuchCommunity(
  given: string,
  all: readonly Community[],
  dataDir: string,
): ValidationError {
  return new ValidationError(
    'community',
    all.length === 0
      ? `No community ${given} in this data dir (${dataDir}): it has none yet; create one with \`dyi community create --name NAME\`.`
      : `No community ${given} in this data dir (${dataDir}); communities: ${listed(all)}.`,
  );
}
