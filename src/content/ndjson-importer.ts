/**
 * @module
 * `dyi import`: NDJSON files of community content into the ContentStore, as one transaction.
 *
 * The import runs in phases, and nothing is stored until every check has passed:
 * 1. read (`read-ndjson-files.ts`): each file is streamed line by line; each line is checked
 *    against its kind's schema (`content-schemas.ts`), and ids must be unique per kind across
 *    the whole import;
 * 2. check (`check-references.ts`, `store-media.ts`): every reference (a post's author, a
 *    comment's post, an attachment's media ...) must name a record of this import or one
 *    already stored, and every media `file` must be a file inside its media folder, after
 *    following links (`media-source.ts`);
 * 3. media (`store-media.ts`): each media file is hashed and its bytes put in the BlobStore
 *    under `blobKeyForMedia` (a blob already there is kept, not written again);
 * 4. write: one `ContentStore.write` with every record, in file order; then each media blob
 *    is touched, and put back if a clean-up removed it meanwhile (`blob-cleanup-service.ts`).
 * Problems are collected (`problem-list.ts`), up to MAX_LISTED_PROBLEMS, and thrown as one
 * ValidationError listing them as `file:line: field: what is wrong`. Phases 1 and 2 report
 * together, so that one run shows syntax, schema and reference problems alike: phase 2 checks
 * the lines phase 1 accepted, and a reference to a record whose own line was refused is not
 * reported again (it would only echo that line's problem). If storing media or the
 * write fails, the blobs this import added are deleted again, so a failed import leaves nothing
 * behind.
 *
 * The records are held in memory until the write, because the store takes them as one batch.
 */
import type { ContentKind, ContentRecord, Id } from '../domain/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { ContentStore, WriteSummary } from '../ports/content-store.js';
import { checkReferences } from './check-references.js';
import { ProblemList } from './problem-list.js';
import { readNdjsonFiles } from './read-ndjson-files.js';
import { checkMediaFiles, keepMediaStored, storeMedia } from './store-media.js';

export { MAX_LISTED_PROBLEMS } from './problem-list.js';

export interface ImportProgress {
  readonly phase: 'read' | 'check' | 'media' | 'write';
  /** Lines read, media files stored, or records written so far. */
  readonly done: number;
  /** The file being read (phase `read`). */
  readonly file?: string;
}

export interface ImportOptions {
  readonly content: ContentStore;
  readonly blobs: BlobStore;
  readonly communityId: Id;
  /** NDJSON files, imported together in this order; named in messages as given here. */
  readonly files: readonly string[];
  /**
   * The folder media `file` paths are relative to and must stay inside (links followed);
   * by default the folder of the NDJSON file that names them.
   */
  readonly mediaRoot?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportReport {
  readonly files: number;
  /** Records written per kind (created or replaced). */
  readonly records: Partial<Record<ContentKind, number>>;
  readonly media: {
    readonly count: number;
    /** Bytes of every media file of the import. */
    readonly bytes: number;
    /** Blobs this import stored; the others were already there (same bytes imported before). */
    readonly newBlobs: number;
  };
}

export async function importNdjson(options: ImportOptions): Promise<ImportReport> {
  const problems = new ProblemList();
  const rejected = new Set<string>();
  const { lines, byKind } = await readNdjsonFiles(options, problems, rejected);
  // The valid lines are checked too, so that one run reports every kind of problem; only a
  // full list (reading stopped) ends here, since its rest would be unchecked lines anyway.
  if (!problems.isFull) {
    await checkReferences(lines, byKind, options, problems, rejected);
    await checkMediaFiles(lines, options, problems);
  }
  problems.throwIfAny();

  const added: string[] = [];
  let written: { records: ContentRecord[]; bytes: number; summary: WriteSummary };
  try {
    const { records, bytes } = await storeMedia(lines, options, added);
    options.signal?.throwIfAborted();
    options.onProgress?.({ phase: 'write', done: 0 });
    const summary = await options.content.write(options.communityId, records);
    options.onProgress?.({ phase: 'write', done: records.length });
    written = { records, bytes, summary };
  } catch (error) {
    // Blobs are content-addressed and were checked absent before the put, so no earlier
    // import refers to them.
    await Promise.all(added.map((key) => options.blobs.delete(key).catch(() => undefined)));
    throw error;
  }
  await keepMediaStored(lines, written.records, options);
  return {
    files: options.files.length,
    records: written.summary.written,
    media: {
      count: lines.filter((l) => l.line.type === 'media').length,
      bytes: written.bytes,
      newBlobs: added.length,
    },
  };
}
