/**
 * @module
 * A file of zeros kept beside the database, `dyi.sqlite-reserve` (RESERVE_BYTES), so that an
 * export can be deleted on a full disk. Deleting rows is a write: SQLite appends the changed
 * pages to its WAL first, and on a disk with no byte left that fails with SQLITE_FULL, so an
 * operator could not free space through the API. Removing the reserve gives the delete the
 * room it needs; the reserve is made again as soon as there is room (the delete itself frees
 * the export's files right after).
 */
import { rm, stat, writeFile } from 'node:fs/promises';

/**
 * Bytes kept in reserve: a delete of an export with a few thousand jobs writes a few hundred
 * 4 KiB pages to the WAL; a tenth of a 64 MB disk at most.
 */
export const RESERVE_BYTES = 4 * 1024 * 1024;

export class SpaceReserve {
  readonly #path: string;
  readonly #bytes: number;

  constructor(path: string, bytes = RESERVE_BYTES) {
    this.#path = path;
    this.#bytes = bytes;
  }

  /** Makes the reserve if it is missing and there is room; without room, leaves it absent. */
  async ensure(): Promise<void> {
    const found = await stat(this.#path).catch(() => undefined);
    if (found && found.size >= this.#bytes) return;
    try {
      await writeFile(this.#path, Buffer.alloc(this.#bytes));
    } catch (error) {
      // A partial reserve would hold space without being whole; no room now, try next time.
      await rm(this.#path, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error;
    }
  }

  /** Frees the reserve's space; false when there was none to free. */
  async release(): Promise<boolean> {
    const found = await stat(this.#path).catch(() => undefined);
    if (!found) return false;
    await rm(this.#path, { force: true });
    return true;
  }
}
