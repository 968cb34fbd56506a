/**
 * @module
 * The media files of an import: `checkMediaFiles` makes sure each media line's `file` exists
 * (relative to the folder of its NDJSON file), and `storeMedia` hashes each file and puts its
 * bytes in the BlobStore under `blobKeyForMedia`, keeping a blob already there, then turns the
 * lines into records. The keys of blobs it added are pushed to `added`, so that the caller can
 * delete them again if the import fails later.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { type ContentRecord, type MediaRecord, ValidationError } from '../domain/index.js';
import { blobKeyForMedia } from '../ports/blob-store.js';
import { describeValue } from './describe-value.js';
import type { ImportOptions } from './ndjson-importer.js';
import type { ProblemList } from './problem-list.js';
import { isMedia, type SourcedLine, type SourcedMediaLine, where } from './sourced-line.js';

/** Where a media line's file is: relative to the folder of its NDJSON file. */
function sourceOf(sourced: SourcedMediaLine): string {
  return path.resolve(path.dirname(sourced.file), sourced.line.file);
}

export async function checkMediaFiles(
  lines: readonly SourcedLine[],
  problems: ProblemList,
): Promise<void> {
  for (const sourced of lines.filter(isMedia)) {
    const found = await stat(sourceOf(sourced)).catch(() => undefined);
    if (found?.isFile()) continue;
    problems.add(
      where(sourced),
      'file',
      found === undefined
        ? `${describeValue(sourced.line.file)} does not exist; paths are relative to the folder of ${sourced.file}`
        : `${describeValue(sourced.line.file)} is not a regular file`,
    );
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

async function storeMediaFile(
  sourced: SourcedMediaLine,
  options: ImportOptions,
  added: string[],
): Promise<MediaRecord> {
  const source = sourceOf(sourced);
  const { signal } = options;
  // The key is the hash, so the bytes are read twice: once to name them, once to store them.
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(source, { signal }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.byteLength;
  }
  const sha256 = hash.digest('hex');
  const key = blobKeyForMedia(options.communityId, sha256);
  if ((await options.blobs.stat(key)) === undefined) {
    added.push(key);
    const put = await options.blobs.put(key, createReadStream(source), { signal });
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
