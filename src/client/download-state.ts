/**
 * @module
 * The downloader's memory between runs: `DIR/.dyi-download-state.json`, which records every
 * finished file (export, job, file id, path relative to DIR, size, sha256, ETag) and, for files
 * still being fetched, the ETag their `.part` bytes came with (what `If-Range` needs to resume
 * safely). It never holds the token or a download URL. Writes are atomic (a temporary file
 * renamed over the old one) and coalesced: many files finishing together cause a few writes,
 * not one each. A missing or unreadable file is an empty state: files already on disk are then
 * checked by hash and adopted rather than fetched again.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const STATE_FILE_NAME = '.dyi-download-state.json';

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
  #writing: Promise<void> | undefined;

  private constructor(file: string, document: StateDocument) {
    this.file = file;
    this.#document = document;
  }

  static async open(outDir: string): Promise<DownloadState> {
    const file = path.join(outDir, STATE_FILE_NAME);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    return new DownloadState(file, parseDocument(text));
  }

  finished(fileId: string): FinishedFile | undefined {
    return this.#document.files[fileId];
  }

  partial(fileId: string): PartialFile | undefined {
    return this.#document.partials[fileId];
  }

  markFinished(entry: FinishedFile): Promise<void> {
    this.#document.files[entry.fileId] = { ...entry };
    delete this.#document.partials[entry.fileId];
    return this.save();
  }

  markPartial(fileId: string, partial: PartialFile): Promise<void> {
    this.#document.partials[fileId] = { ...partial };
    return this.save();
  }

  /** Forgets a file whose bytes on disk no longer match what was recorded. */
  forget(fileId: string): Promise<void> {
    delete this.#document.files[fileId];
    delete this.#document.partials[fileId];
    return this.save();
  }

  /** Resolves once the file on disk holds every change made before the call. */
  save(): Promise<void> {
    this.#dirty = true;
    this.#writing ??= this.#drain();
    return this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        const temporary = `${this.file}.${process.pid}.tmp`;
        await writeFile(temporary, `${JSON.stringify(this.#document, null, 1)}\n`);
        await rename(temporary, this.file);
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
