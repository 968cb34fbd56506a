/**
 * @module
 * The downloader's memory between runs: `DIR/.dyi-download-state.json`, which records every
 * finished file (export, job, file id, path relative to DIR, size, sha256, ETag) and, for files
 * still being fetched, the ETag their `.part` bytes came with (what `If-Range` needs to resume
 * safely). It never holds the token or a download URL. Writes are atomic (a temporary file
 * renamed over the old one), one line of JSON, and deferred: changes are written at most every
 * SAVE_DELAY_MS, less often when writing takes long (a run of thousands of files has a state
 * file of hundreds of KB), and at the end of a run, since rewriting the whole file for each of
 * thousands of small files cost more than fetching them. Losing the last changes to a kill is
 * harmless: a missing or unreadable record makes files already on disk be checked by hash and
 * adopted, and a `.part` without its ETag is still resumed when the server gives the file's
 * SHA-256.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const STATE_FILE_NAME = '.dyi-download-state.json';

/** The shortest wait before changes are written, in milliseconds. */
const SAVE_DELAY_MS = 250;
/** The wait before a deferred write is at least this many times what the last write took. */
const SAVE_SPACING = 20;

export interface FinishedFile {
  readonly exportId: string;
  readonly jobId: string;
  readonly fileId: string;
  /** Relative to the output directory, with `/` separators. */
  readonly path: string;
  readonly size: number;
  /** Lower-case hex SHA-256 of the bytes on disk. */
  readonly sha256: string;
  readonly etag?: string;
}

/** A `.part` file's validator, kept so that a later run may resume it. */
export interface PartialFile {
  readonly path: string;
  readonly etag: string;
}

interface StateDocument {
  version: 1;
  files: Record<string, FinishedFile>;
  partials: Record<string, PartialFile>;
}

export class DownloadState {
  readonly file: string;
  readonly #document: StateDocument;
  #dirty = false;
  /** A save was asked for (by the timer or a caller) and has not started writing yet. */
  #saveAsked = false;
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastWriteMs = 0;
  #writes = 0;

  private constructor(file: string, document: StateDocument) {
    this.file = file;
    this.#document = document;
  }

  static async open(outDir: string): Promise<DownloadState> {
    const file = path.join(outDir, STATE_FILE_NAME);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    return new DownloadState(file, parseDocument(text));
  }

  /** How many times this run has written the file so far. */
  get writes(): number {
    return this.#writes;
  }

  finished(fileId: string): FinishedFile | undefined {
    return this.#document.files[fileId];
  }

  partial(fileId: string): PartialFile | undefined {
    return this.#document.partials[fileId];
  }

  markFinished(entry: FinishedFile): void {
    this.#document.files[entry.fileId] = { ...entry };
    delete this.#document.partials[entry.fileId];
    this.#schedule();
  }

  markPartial(fileId: string, partial: PartialFile): void {
    this.#document.partials[fileId] = { ...partial };
    this.#schedule();
  }

  /** Forgets a file whose bytes on disk no longer match what was recorded. */
  forget(fileId: string): void {
    delete this.#document.files[fileId];
    delete this.#document.partials[fileId];
    this.#schedule();
  }

  /** Resolves once the file on disk holds every change made before the call. */
  save(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#dirty = true;
    this.#saveAsked = true;
    this.#writing ??= this.#drain();
    return this.#writing;
  }

  /**
   * Writes the changes later, so that saving takes at most about 1/SAVE_SPACING of the run; a
   * failed deferred write shows at `save()`. Changes made while a write is in flight wait for
   * the timer too: they do not start the next write as soon as that one ends, which in a run
   * of thousands of small files rewrote the file back to back (174 times in 7 s instead of at
   * most 28).
   */
  #schedule(): void {
    this.#dirty = true;
    this.#timer ??= setTimeout(
      () => {
        this.#timer = undefined;
        this.save().catch(() => (this.#dirty = true));
      },
      Math.max(SAVE_DELAY_MS, SAVE_SPACING * this.#lastWriteMs),
    ).unref();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#saveAsked) {
        this.#saveAsked = false;
        if (!this.#dirty) continue;
        this.#dirty = false;
        const started = performance.now();
        const temporary = `${this.file}.${process.pid}.tmp`;
        await writeFile(temporary, `${JSON.stringify(this.#document)}\n`);
        await rename(temporary, this.file);
        this.#lastWriteMs = performance.now() - started;
        this.#writes++;
      }
    } finally {
      this.#writing = undefined;
    }
  }
}

function parseDocument(text: string | undefined): StateDocument {
  const empty: StateDocument = { version: 1, files: {}, partials: {} };
  if (text === undefined) return empty;
  try {
    const parsed = JSON.parse(text) as Partial<StateDocument>;
    if (parsed.version !== 1) return empty;
    return { version: 1, files: { ...parsed.files }, partials: { ...parsed.partials } };
  } catch {
    return empty;
  }
}
