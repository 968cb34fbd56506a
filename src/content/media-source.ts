/**
 * @module
 * Opening the file a media line names, so that an import can never read outside its media
 * folder: the folder of the NDJSON file that names it, or the `--media-root` given instead.
 *
 * A path is checked after every symbolic link on it has been followed, and the check is made
 * on the file actually opened, not on its name: on Linux the opened descriptor's own path
 * (`/proc/self/fd/N`) is compared with the folder, so a link swapped in between a check and
 * the open cannot lead the import out (a check of `realpath()` followed by `open()` could be
 * raced). Where `/proc` is missing, `realpath()` of the name is compared instead, right after
 * the open. The file is opened non-blocking, so that a named pipe cannot hang the import.
 */
import { constants } from 'node:fs';
import { type FileHandle, open, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { describeValue } from './describe-value.js';

/** A media file opened for reading, or why it cannot be imported. */
export type MediaSource =
  | { readonly ok: true; readonly handle: FileHandle; readonly size: number }
  | { readonly ok: false; readonly problem: string };

/** The folder media paths start from and must stay inside, and how messages name it. */
export interface MediaFolder {
  readonly path: string;
  /** E.g. "the folder of content.ndjson" or "--media-root photos". */
  readonly named: string;
}

/** Opens `relative` (a media line's `file`) inside `folder`; the caller closes the handle. */
export async function openMediaSource(folder: MediaFolder, relative: string): Promise<MediaSource> {
  const shown = describeValue(relative);
  const root = await realpath(folder.path).catch(() => path.resolve(folder.path));
  const name = path.resolve(root, relative);
  let handle: FileHandle;
  try {
    handle = await open(name, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? `${shown} does not exist; paths are relative to ${folder.named}`
        : `${shown} cannot be read (${code ?? String(error)})`;
    return { ok: false, problem };
  }
  try {
    const opened = await pathOfOpened(handle, name);
    if (!isInside(root, opened)) {
      await handle.close();
      return {
        ok: false,
        problem: `${shown} leads to ${opened}, outside ${folder.named}; a media file must be inside the folder of its NDJSON file (or of --media-root), also after following symbolic links`,
      };
    }
    const found = await handle.stat();
    if (!found.isFile()) {
      await handle.close();
      return { ok: false, problem: `${shown} is not a regular file` };
    }
    return { ok: true, handle, size: found.size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Where the opened file really is: its descriptor's path on Linux, else its name's realpath. */
async function pathOfOpened(handle: FileHandle, name: string): Promise<string> {
  const fromDescriptor = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
  if (fromDescriptor !== undefined && path.isAbsolute(fromDescriptor)) return fromDescriptor;
  return realpath(name);
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  const leaves = relative === '..' || relative.startsWith(`..${path.sep}`);
  return relative !== '' && !leaves && !path.isAbsolute(relative);
}
