/**
 * @module
 * The manifest of a backup (`manifest.json` at its top): what `dyi backup` wrote and
 * `dyi restore` checks. Every file of the backup is listed with its size and SHA-256 (the
 * database snapshot and each blob, by their paths relative to the backup), beside counts a
 * person can compare with the deployment they remember.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../domain/index.js';

export const MANIFEST_NAME = 'manifest.json';
export const BACKUP_FORMAT = 'dyi-export-backup';
export const BACKUP_FORMAT_VERSION = 1;
/** The database snapshot's name, in the backup and in a data dir alike. */
export const DATABASE_NAME = 'dyi.sqlite';

const entrySchema = z.object({
  path: z.string().min(1),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_FORMAT_VERSION),
  createdTime: z.string(),
  source: z.string(),
  schemaVersion: z.string(),
  counts: z.object({
    communities: z.number().int(),
    exports: z.number().int(),
    files: z.number().int(),
    media: z.number().int(),
    blobs: z.number().int(),
    blobBytes: z.number().int(),
  }),
  files: z.array(entrySchema),
});

export type BackupManifest = z.infer<typeof manifestSchema>;
export type BackupEntry = z.infer<typeof entrySchema>;

/** Reads and checks the manifest of the backup in `dir`. */
export async function readManifest(dir: string): Promise<BackupManifest> {
  const file = path.join(dir, MANIFEST_NAME);
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new ValidationError(
      'from',
      `${dir} is not a dyi backup (no readable ${MANIFEST_NAME}: ${String(error)}): name a directory \`dyi backup --out\` wrote.`,
    );
  });
  const parsed = manifestSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw new ValidationError(
      'from',
      `${file} is not a manifest of a dyi backup (format ${BACKUP_FORMAT} version ${BACKUP_FORMAT_VERSION}): ${parsed.error.issues[0]?.message ?? 'unreadable'}.`,
    );
  }
  const unsafe = parsed.data.files.find((entry) => !isInside(entry.path));
  if (unsafe) {
    throw new ValidationError('from', `${file} names a file outside the backup: ${unsafe.path}.`);
  }
  return parsed.data;
}

/** SHA-256 and size of a file's bytes. */
export async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, sha256: hash.digest('hex') };
}

/**
 * The entries whose file under `dir` is missing or differs from the manifest, each as a
 * sentence; empty when every file matches. `onFile` is told of each file checked.
 */
export async function mismatches(
  dir: string,
  entries: readonly BackupEntry[],
  onFile: (entry: BackupEntry) => void = () => undefined,
): Promise<string[]> {
  const problems: string[] = [];
  for (const entry of entries) {
    const found = await hashFile(path.join(dir, entry.path)).catch(() => undefined);
    if (found === undefined) problems.push(`${entry.path} is missing`);
    else if (found.sha256 !== entry.sha256 || found.size !== entry.size) {
      problems.push(
        `${entry.path} has ${found.size} bytes with SHA-256 ${found.sha256}, the manifest ${entry.size} bytes with ${entry.sha256}`,
      );
    }
    onFile(entry);
  }
  return problems;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A relative path with no `..` or absolute part: it stays inside the directory it is joined to. */
function isInside(relative: string): boolean {
  return (
    !path.isAbsolute(relative) &&
    !relative.split(/[\\/]/).some((part) => part === '..' || part === '')
  );
}
