/**
 * @module
 * What every command shares: the `--data-dir` option, loading the configuration, and running
 * an action with an open runtime that is closed whatever happens.
 */
import type { Command } from 'commander';
import { type ConfigOverrides, DEFAULTS, loadConfig } from '../config.js';
import { ValidationError } from '../domain/index.js';
import type { Runtime } from '../runtime.js';

export interface DataDirOptions {
  readonly dataDir?: string;
}

export function addDataDirOption(command: Command): Command {
  return command.option(
    '--data-dir <dir>',
    `directory of the database and files (env DYI_DATA_DIR, default ${DEFAULTS.dataDir})`,
  );
}

export async function withRuntime<T>(
  options: DataDirOptions,
  action: (runtime: Runtime) => Promise<T>,
  overrides: ConfigOverrides = {},
): Promise<T> {
  const config = loadConfig(process.env, {
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
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
  if (given !== undefined) return (await runtime.communities.get(given)).id;
  const all = await runtime.communities.list();
  const [only] = all;
  if (all.length === 1 && only) return only.id;
  throw new ValidationError(
    'community',
    all.length === 0
      ? 'There is no community yet: create one with `dyi community create --name NAME`.'
      : `There are ${all.length} communities; choose one with --community ID (${all.map((c) => `${c.id} ${c.name}`).join(', ')}).`,
  );
}
