/**
 * @module
 * The media files of an import: `checkMediaFiles` makes sure each media line's `file` can be
 * opened inside its media folder (`openMediaSource`: the folder of its NDJSON file, or
 * `--media-root`), and `storeMedia` hashes each file and puts its bytes in the BlobStore under
 * `blobKeyForMedia`, keeping a blob already there, then turns the lines into records. The keys
 * of blobs it added are pushed to `added`, so that the caller can delete them again if the
 * import fails later.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, stat } from 'node:fs/promises';
import path from 'node:path';
import { type ContentRecord, type MediaRecord, ValidationError } from '../domain/index.js';
import { blobKeyForMedia } from '../ports/blob-store.js';
import { describeValue } from './describe-value.js';
import { type MediaFolder, openMediaSource } from './media-source.js';
import type { ImportOptions } from './ndjson-importer.js';
import type { ProblemList } from './problem-list.js';
import { isMedia, type SourcedLine, type SourcedMediaLine, where } from './sourced-line.js';

/** The folder a media line's `file` is relative to and must stay inside. */
function folderOf(
  sourced: SourcedMediaLine,
  options: Pick<ImportOptions, 'mediaRoot'>,
): MediaFolder {
  return options.mediaRoot === undefined
    ? { path: path.dirname(sourced.file), named: `the folder of ${sourced.file}` }
    : { path: options.mediaRoot, named: `--media-root ${options.mediaRoot}` };
}

export async function checkMediaFiles(
  lines: readonly SourcedLine[],
  options: Pick<ImportOptions, 'mediaRoot'>,
  problems: ProblemList,
): Promise<void> {
  const root = options.mediaRoot;
  if (root !== undefined && !(await stat(root).catch(() => undefined))?.isDirectory()) {
    problems.add(
      `--media-root ${root}`,
      '',
      'is not a folder; name the folder media paths start from',
    );
    return;
  }
  for (const sourced of lines.filter(isMedia)) {
    const source = await openMediaSource(folderOf(sourced, options), sourced.line.file);
    if (source.ok) await source.handle.close();
    else problems.add(where(sourced), 'file', source.problem);
  }
}

/** Stores each media file's bytes and turns the lines into records, in file order. */
export async function storeMedia(
  lines: readonly SourcedLine[],
  options: ImportOptions,
  added: string[],
): Promise<{ records: ContentRecord[]; bytes: number }> {
  const records: ContentRecord[] = [];
  let bytes = 0;
  let stored = 0;
  for (const sourced of lines) {
    const { line } = sourced;
    if (line.type !== 'media') {
      records.push(line);
      continue;
    }
    const record = await storeMediaFile({ ...sourced, line }, options, added);
    bytes += record.size;
    records.push(record);
    options.onProgress?.({ phase: 'media', done: (stored += 1) });
  }
  return { records, bytes };
}

/**
 * Once the records are written: touches each media blob they name, and puts back one that a
 * clean-up removed while the import ran (it was no record's then), from the same file.
 */
export async function keepMediaStored(
  lines: readonly SourcedLine[],
  records: readonly ContentRecord[],
  options: ImportOptions,
): Promise<void> {
  const checked = new Set<string>();
  // An index loop: an import makes one pass, mostly unoptimized, where `entries()` makes a pair
  // per record, and most records are not media.
  for (let index = 0; index < records.length; index += 1) {
    const record = records[index] as ContentRecord;
    const sourced = lines[index];
    if (record.type !== 'media' || sourced === undefined || !isMedia(sourced)) continue;
    if (checked.has(record.blob_key)) continue;
    checked.add(record.blob_key);
    if (await options.blobs.touch(record.blob_key)) continue;
    const again = await storeMediaFile(sourced, options, []);
    if (again.blob_key !== record.blob_key) {
      throw new ValidationError(
        'file',
        `${where(sourced)}: file: ${describeValue(sourced.line.file)} changed while it was being imported; its record is written but its bytes are not: import it again.`,
      );
    }
  }
}

async function storeMediaFile(
  sourced: SourcedMediaLine,
  options: ImportOptions,
  added: string[],
): Promise<MediaRecord> {
  // Checked again on the file actually read: the folder may have changed since the check.
  const source = await openMediaSource(folderOf(sourced, options), sourced.line.file);
  if (!source.ok) {
    throw new ValidationError(
      'file',
      `Nothing was imported: ${where(sourced)}: file: ${source.problem}`,
    );
  }
  try {
    return await storeOpenedFile(sourced, source.handle, options, added);
  } finally {
    await source.handle.close();
  }
}

async function storeOpenedFile(
  sourced: SourcedMediaLine,
  handle: FileHandle,
  options: ImportOptions,
  added: string[],
): Promise<MediaRecord> {
  const { signal } = options;
  // Both reads go through the one descriptor that was checked, each from the first byte.
  const read = () => handle.createReadStream({ start: 0, autoClose: false, signal });
  // The key is the hash, so the bytes are read twice: once to name them, once to store them.
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of read() as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  const sha256 = hash.digest('hex');
  const key = blobKeyForMedia(options.communityId, sha256);
  // Touched, not only looked at: a clean-up keeps a blob used since it began (`touch`).
  if (!(await options.blobs.touch(key))) {
    added.push(key);
    const put = await options.blobs.put(key, read(), { signal });
    if (put.sha256 !== sha256) {
      throw new ValidationError(
        'file',
        `Nothing was imported: ${where(sourced)}: file: ${describeValue(sourced.line.file)} changed while it was being imported; import again once it no longer changes.`,
      );
    }
  }
  const { type, id, owner, name, content_type, created_time } = sourced.line;
  return { type, id, owner, name, content_type, size, sha256, blob_key: key, created_time };
}
