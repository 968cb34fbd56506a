/**
 * @module
 * `dyi restore`: a backup `dyi backup` wrote, put into a new data dir and verified. The
 * backup is checked against its manifest first (a damaged backup writes nothing); then every
 * file is copied, and read back from the new data dir and compared with the manifest's
 * SHA-256. The target must be new or empty: restoring over a deployment would mix two.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type BackupEntry,
  type BackupManifest,
  mismatches,
  readManifest,
} from './backup-manifest.js';
import { prepareEmptyDirectory } from './deployment-backup.js';

export interface RestoreOptions {
  readonly from: string;
  readonly dataDir: string;
  readonly onProgress?: (progress: RestoreProgress) => void;
}

export interface RestoreProgress {
  readonly stage: 'checking the backup' | 'copying' | 'verifying the restore';
  readonly done: number;
  readonly total: number;
}

export async function restoreDeployment(options: RestoreOptions): Promise<BackupManifest> {
  const manifest = await readManifest(options.from);
  const progress = options.onProgress ?? (() => undefined);
  const total = manifest.files.length;
  await prepareEmptyDirectory(options.dataDir, 'data-dir', 'the restored deployment');
  const stepper = (stage: RestoreProgress['stage']) => {
    let done = 0;
    progress({ stage, done, total });
    return () => progress({ stage, done: ++done, total });
  };
  const damaged = await mismatches(options.from, manifest.files, stepper('checking the backup'));
  if (damaged.length > 0) throw new RestoreNotVerifiedError('the backup is damaged', damaged);
  const copied = stepper('copying');
  for (const entry of manifest.files) {
    await copyEntry(options.from, options.dataDir, entry);
    copied();
  }
  const differing = await mismatches(
    options.dataDir,
    manifest.files,
    stepper('verifying the restore'),
  );
  if (differing.length > 0) {
    throw new RestoreNotVerifiedError('the restored files differ from the backup', differing);
  }
  return manifest;
}

async function copyEntry(from: string, to: string, entry: BackupEntry): Promise<void> {
  const target = path.join(to, entry.path);
  await mkdir(path.dirname(target), { recursive: true });
  await copyFile(path.join(from, entry.path), target);
}

/** Files missing or not matching the manifest's SHA-256: each named. */
export class RestoreNotVerifiedError extends Error {
  constructor(
    what: string,
    readonly problems: readonly string[],
  ) {
    const shown = problems.slice(0, 10).join('; ');
    const more = problems.length > 10 ? ` and ${problems.length - 10} more` : '';
    super(`The restore is not verified: ${what}: ${shown}${more}.`);
  }
}
