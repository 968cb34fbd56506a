/**
 * @module
 * Making sure a directory the user named (`--data-dir`, `dyi download --out`) can be used
 * before anything is written in it, so that the answer names that directory and says why,
 * instead of a library's "unable to open database file" or a raw EEXIST from deep inside.
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';

/**
 * Creates `dir` (and its parents) if needed and checks that this process may write in it.
 * Returns undefined when it can be used, else why not, as a phrase to follow "cannot be used:".
 */
export async function whyNotWritable(dir: string): Promise<string | undefined> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    return reasonOf(error);
  }
}

/** Why, in words, for the errors a user can do something about. */
const REASONS: Readonly<Record<string, string>> = {
  EEXIST: 'it is a file, not a directory',
  ENOTDIR: 'a part of its path is a file, not a directory',
  EACCES: 'permission denied (this user may not create or write files there)',
  EPERM: 'permission denied (this user may not create or write files there)',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
};

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return REASONS[code] ?? (error instanceof Error ? error.message : String(error));
}
