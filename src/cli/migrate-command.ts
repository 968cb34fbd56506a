/**
 * @module
 * `dyi migrate`: brings the schema of the configured stores up to date (the SQLite file of the
 * data dir, or PostgreSQL with pg-boss's schema beside ours) and says which version it is at.
 * Every process migrates at start too; running this first, once per upgrade, keeps a fleet of
 * API and worker processes from starting on a half-migrated database. A database written by a
 * newer dyi-export is refused, by this command and by every process.
 */
import { Command } from 'commander';
import { whereDataLives } from './serve-banner.js';
import { addDataDirOption, type DataDirOptions, withRuntime } from './cli-context.js';

export function migrateCommand(): Command {
  return addDataDirOption(
    new Command('migrate').description(
      'apply the schema migrations to the database and print its schema version',
    ),
  ).action(async (options: DataDirOptions) => {
    await withRuntime(options, async (runtime) => {
      const version = await runtime.metadata.schemaVersion();
      process.stdout.write(
        `Schema up to date at ${version} (${whereDataLives(runtime.config)}).\n`,
      );
    });
  });
}
