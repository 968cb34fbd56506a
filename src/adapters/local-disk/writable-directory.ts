/**
 * @module
 * Making sure a directory the user named (`--data-dir`, `dyi download --out`) can be used
 * before anything is written in it, so that the answer names that directory and says why,
 * instead of a library's "unable to open database file" or a raw EEXIST from deep inside.
 */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

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
    // A recursive mkdir under a read-only file system says ENOENT; the first existing
    // ancestor, asked directly, says why (EROFS, EACCES).
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      const blocked = await whyAncestorNotWritable(dir);
      if (blocked !== undefined) return blocked;
    }
    return reasonOf(error);
  }
}

/** Why the nearest existing ancestor of `dir` takes no writes; undefined when it does. */
export async function whyAncestorNotWritable(dir: string): Promise<string | undefined> {
  let ancestor = path.dirname(path.resolve(dir));
  for (;;) {
    const exists = await stat(ancestor).then(
      () => true,
      () => false,
    );
    if (exists) {
      return access(ancestor, constants.W_OK).then(() => undefined, reasonOf);
    }
    const parent = path.dirname(ancestor);
    if (parent === ancestor) return undefined;
    ancestor = parent;
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

/** Why, in words, an fs call failed (`EROFS`: "the file system is read-only"). */
export function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return REASONS[code] ?? (error instanceof Error ? error.message : String(error));
}
