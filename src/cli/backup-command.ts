/**
 * @module
 * `dyi backup` and `dyi restore`: a consistent backup of a running embedded deployment
 * (`deployment-backup.ts`), and its restore into a new data dir, verified by SHA-256
 * (`deployment-restore.ts`). A scale-out deployment is backed up with PostgreSQL's and the
 * object store's own tools (docs/operations.md): both commands refuse one.
 * Progress goes to stderr; what was written, and that it was verified, to stdout.
 */
import { Command } from 'commander';
import { type Config, loadConfig } from '../config.js';
import { ConfigurationError } from '../domain/index.js';
import type { BackupManifest } from '../services/backup-manifest.js';
import { addDataDirOption, type DataDirOptions } from './cli-context.js';
import { phaseProgress } from './phase-progress.js';
import { EXIT_FAILURE } from './report-error.js';

interface BackupOptions extends DataDirOptions {
  readonly out: string;
}

interface RestoreOptions {
  readonly from: string;
  readonly dataDir: string;
}

export function backupCommand(): Command {
  return addDataDirOption(
    new Command('backup').description(
      "back up an embedded deployment (the data dir's SQLite database and the files it refers to) while it runs, with a manifest of SHA-256s",
    ),
  )
    .requiredOption('--out <dir>', 'a new or empty directory to write the backup to')
    .addHelpText(
      'after',
      '\nExports and downloads go on meanwhile. A scale-out deployment (PostgreSQL, S3) is\n' +
        'backed up with their own tools, and refused here: see docs/operations.md.',
    )
    .action(async (options: BackupOptions) => {
      const config = embeddedConfig(options, 'dyi backup');
      if (config.blobStore.kind !== 'local-disk') throw scaleOutRefusal('dyi backup');
      const { backupDeployment, BackupIncompleteError } =
        await import('../services/deployment-backup.js');
      const progress = await phaseProgress();
      try {
        const manifest = await backupDeployment({
          dataDir: config.dataDir,
          blobRoot: config.blobStore.root,
          out: options.out,
          onProgress: (step) => {
            if (step.kind === 'blobs') {
              progress.update('copying files', step.done, step.total, megabytes(step.bytes));
            }
          },
        });
        progress.stop();
        process.stdout.write(backupSummary(manifest, options.out));
      } catch (error) {
        progress.stop();
        if (!(error instanceof BackupIncompleteError)) throw error;
        process.stderr.write(`dyi: ${error.message}\n`);
        process.exitCode = EXIT_FAILURE;
      }
    });
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description(
      'restore a backup `dyi backup` wrote into a new data dir, and verify every file by SHA-256',
    )
    .requiredOption('--from <dir>', 'the backup directory (the one holding manifest.json)')
    .requiredOption(
      '--data-dir <dir>',
      'a new or empty directory to restore into; then run dyi serve --data-dir on it',
    )
    .addHelpText(
      'after',
      '\nEvery file is checked against manifest.json before it is copied and again once it\n' +
        'is restored. Exits 2 when the target is not empty, 1 when a file is missing or its\n' +
        'SHA-256 differs (the message names it). Details: docs/operations.md.',
    )
    .action(async (options: RestoreOptions) => {
      const { restoreDeployment, RestoreNotVerifiedError } =
        await import('../services/deployment-restore.js');
      const progress = await phaseProgress();
      try {
        const manifest = await restoreDeployment({
          from: options.from,
          dataDir: options.dataDir,
          onProgress: (step) => progress.update(step.stage, step.done, step.total),
        });
        progress.stop();
        process.stdout.write(restoreSummary(manifest, options.from, options.dataDir));
      } catch (error) {
        progress.stop();
        if (!(error instanceof RestoreNotVerifiedError)) throw error;
        process.stderr.write(`dyi: ${error.message}\n`);
        process.exitCode = EXIT_FAILURE;
      }
    });
}

function embeddedConfig(options: DataDirOptions, command: string): Config {
  const config = loadConfig(process.env, {
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    ...(options.databaseUrl !== undefined && { databaseUrl: options.databaseUrl }),
  });
  if (config.databaseUrl !== undefined) throw scaleOutRefusal(command);
  return config;
}

function scaleOutRefusal(command: string): ConfigurationError {
  return new ConfigurationError(
    `${command} backs up an embedded deployment (SQLite and files in the data dir); this configuration is scaled out (DYI_DATABASE_URL or DYI_BLOB_STORE=s3://). Back PostgreSQL up with its own tools (pg_dump, pg_basebackup, point-in-time recovery) and keep the bucket versioned: see "Backup and restore" in docs/operations.md.`,
  );
}

function backupSummary(manifest: BackupManifest, out: string): string {
  const { counts } = manifest;
  return [
    `Backed up ${manifest.source} to ${out} (schema ${manifest.schemaVersion}):`,
    `  ${counts.communities} communities, ${counts.exports} exports, ${counts.files} export files, ${counts.media} media records`,
    `  ${counts.blobs} blobs (${megabytes(counts.blobBytes)}) and the database, ${manifest.files.length} files in all, each with its SHA-256 in manifest.json`,
    `Restore with: dyi restore --from ${out} --data-dir NEW_DIR`,
    '',
  ].join('\n');
}

function restoreSummary(manifest: BackupManifest, from: string, dataDir: string): string {
  return [
    `Restored ${from} (taken ${manifest.createdTime} of ${manifest.source}) into ${dataDir}.`,
    `Verified: ${manifest.files.length} files, each by SHA-256 against the manifest.`,
    `Start it with: dyi serve --data-dir ${dataDir}`,
    '',
  ].join('\n');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
