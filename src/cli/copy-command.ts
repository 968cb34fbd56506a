/**
 * @module
 * `dyi copy`: moves the embedded deployment of a data dir to PostgreSQL (and its blobs to S3
 * with --to-blobs), verified, re-runnable after an interruption (`deployment-copy.ts`).
 * Progress goes to stderr (a redrawn line on a terminal, a line now and then otherwise); what
 * was copied, and that it was verified, to stdout.
 */
import { Command } from 'commander';
import { describeDatabaseUrl } from '../adapters/postgres/postgres-database.js';
import { type BlobStoreLocation, DEFAULTS, loadConfig } from '../config.js';
import {
  type CopyProgress,
  CopyNotVerifiedError,
  copyDeployment,
  type DeploymentCopyReport,
} from '../services/deployment-copy.js';
import { EXIT_FAILURE } from './report-error.js';

interface CopyOptions {
  readonly dataDir?: string;
  readonly to: string;
  readonly toBlobs?: string;
}

/** Least time between two progress lines when stderr is no terminal. */
const LOG_INTERVAL_MS = 2000;

export function copyCommand(): Command {
  return new Command('copy')
    .description(
      "copy an embedded deployment (the data dir's SQLite and blobs) to PostgreSQL and S3, verified; run it again after an interruption",
    )
    .option(
      '--data-dir <dir>',
      `the embedded deployment to copy (env DYI_DATA_DIR; default: ${DEFAULTS.dataDir}); stop its dyi serve and workers first`,
    )
    .requiredOption(
      '--to <url>',
      'the PostgreSQL database to copy into: postgres://user:pass@host:5432/db (empty, or holding an earlier copy of this data dir)',
    )
    .option(
      '--to-blobs <url>',
      'copy the blobs too, into s3://bucket/prefix (S3 settings: DYI_S3_ENDPOINT, DYI_S3_REGION, DYI_S3_FORCE_PATH_STYLE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); without it the blobs stay where they are',
    )
    .action(async (options: CopyOptions) => {
      const overrides = { ...(options.dataDir !== undefined && { dataDir: options.dataDir }) };
      const source = loadConfig(process.env, overrides);
      const target = loadConfig(process.env, {
        ...overrides,
        databaseUrl: options.to,
        ...(options.toBlobs !== undefined && { blobStore: options.toBlobs }),
      });
      const targetBlobs = options.toBlobs === undefined ? undefined : target.blobStore;
      try {
        const report = await copyDeployment({
          dataDir: source.dataDir,
          databaseUrl: options.to,
          sourceBlobs: source.blobStore,
          targetBlobs,
          onProgress: progressPrinter(process.stderr),
        });
        process.stdout.write(
          summary(report, source.dataDir, options.to, source.blobStore, targetBlobs),
        );
      } catch (error) {
        if (!(error instanceof CopyNotVerifiedError)) throw error;
        process.stderr.write(`dyi: ${error.message}\n`);
        process.exitCode = EXIT_FAILURE;
      }
    });
}

function progressPrinter(stream: NodeJS.WriteStream): (progress: CopyProgress) => void {
  let lastLine = '';
  let lastTime = 0;
  let lastTenth = -1;
  return (progress) => {
    const line =
      progress.kind === 'rows'
        ? `copying rows: ${progress.table} ${progress.rows}`
        : `copying blobs: ${progress.done}/${progress.total} (${megabytes(progress.bytes)})`;
    if (stream.isTTY) {
      stream.write(`\r${line.padEnd(lastLine.length)}`);
      lastLine = line;
      if (progress.kind === 'blobs' && progress.done === progress.total) stream.write('\n');
      return;
    }
    // Off a terminal: a line per tenth of the blobs, otherwise every few seconds.
    const tenth =
      progress.kind === 'blobs' ? Math.floor((progress.done * 10) / progress.total) : -1;
    const now = Date.now();
    if (tenth === lastTenth && now - lastTime < LOG_INTERVAL_MS) return;
    lastTenth = tenth;
    lastTime = now;
    stream.write(`${line}\n`);
  };
}

function summary(
  report: DeploymentCopyReport,
  dataDir: string,
  databaseUrl: string,
  sourceBlobs: BlobStoreLocation,
  targetBlobs: BlobStoreLocation | undefined,
): string {
  const lines = [`Copied ${dataDir} to ${describeDatabaseUrl(databaseUrl)}:`];
  for (const table of report.tables) {
    const already = table.rows - table.written;
    lines.push(
      `  ${table.table}: ${table.rows} row${table.rows === 1 ? '' : 's'}, ${table.written} copied${already > 0 ? `, ${already} already there` : ''}`,
    );
  }
  const { blobs } = report;
  if (blobs && targetBlobs) {
    lines.push(
      `  blobs to ${describeBlobs(targetBlobs)}: ${blobs.blobs} (${megabytes(blobs.bytes)}), ${blobs.copied} copied (${megabytes(blobs.copiedBytes)})${blobs.present > 0 ? `, ${blobs.present} already there` : ''}`,
      `Verified: the row count of every table, the job counts of every export, ${blobs.blobs} blobs by SHA-256 and ${report.files} files' SHA-256.`,
    );
  } else {
    lines.push(
      `  blobs: not copied; they stay in ${describeBlobs(sourceBlobs)}.`,
      `Verified: the row count of every table, the job counts of every export, and the blob of each of ${report.files} files (by size).`,
      sourceBlobs.kind === 'local-disk'
        ? `Note: run every process on the PostgreSQL database with --data-dir ${dataDir} (so on this machine), or copy the blobs to S3 with --to-blobs s3://bucket/prefix.`
        : 'Note: run every process on the PostgreSQL database with the same DYI_BLOB_STORE.',
    );
  }
  return `${lines.join('\n')}\n`;
}

function describeBlobs(location: BlobStoreLocation): string {
  return location.kind === 'local-disk'
    ? location.root
    : `s3://${location.bucket}/${location.prefix.replace(/\/$/, '')}`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
