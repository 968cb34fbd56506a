/**
 * @module
 * The media-quality step: turns a media record into the archive entry the job's quality asks
 * for. Every image (JPEG, PNG, WebP, GIF) leaves without metadata (EXIF, GPS, XMP, IPTC) at
 * every quality. One whose longest edge (one frame's, for an animation) is within
 * `LONGEST_EDGE_PX[quality]` (all of them at `VERY_HIGH`) keeps its own bytes, cleaned block by
 * block (`image-metadata.ts`: same pixels, same format); a larger one is turned upright by its
 * EXIF orientation, scaled with sharp and re-encoded in its own format. The result is one Buffer
 * of exact size. Video, PDF and every other kind of media keep their original bytes, streamed.
 * The one exception is `ORIGINAL` (an export created with `keep_original_media`, which only
 * `VERY_HIGH` allows): then images too are streamed as uploaded, metadata included.
 *
 * Choices:
 * - An image already within the limit is cleaned, not re-encoded: re-encoding could only lose
 *   quality and often makes a small JPEG larger. Orientation: a cleaned JPEG keeps only its
 *   orientation tag; a cleaned PNG, WebP or GIF that is not upright is re-encoded upright.
 * - An image that cannot be read (corrupt, not what its type says, above sharp's pixel limit)
 *   is left out with a reason instead of failing the job or shipping what it may carry.
 * - An image above `MAX_RESIZE_INPUT_BYTES` is left out rather than read into memory.
 * - Output is deterministic: fixed encoder settings, no metadata, nothing taken from the clock.
 * - Scaled images are kept per thread by source hash and quality (`RenditionCache`): the same
 *   picture is often in many archives of one export.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import sharp, { type Metadata, type Sharp } from 'sharp';
import type { ExportParameters, MediaQuality, MediaRecord } from '../domain/index.js';
import type { LeftOut, MediaEntry } from './archive-entry.js';
import { mediaPath } from './archive-paths.js';
import { stripImageMetadata } from './image-metadata.js';
import { RenditionCache } from './rendition-cache.js';

/** Longest edge of a resized image, in pixels, per quality below `VERY_HIGH`. */
export const LONGEST_EDGE_PX: Readonly<Record<Exclude<MediaQuality, 'VERY_HIGH'>, number>> = {
  VERY_LOW: 480,
  LOW: 720,
  MEDIUM: 1080,
  HIGH: 2048,
};

/** Largest image read into memory to be cleaned or resized, in bytes; larger ones are left out. */
export const MAX_RESIZE_INPUT_BYTES = 100 * 1024 * 1024;

/**
 * What the step does to images: a quality, or `ORIGINAL`, the uploaded file with its metadata
 * (an export at `VERY_HIGH` created with `keep_original_media`).
 */
export type MediaTreatment = MediaQuality | 'ORIGINAL';

/** The treatment an export's media get. */
export function mediaTreatmentOf(
  exportJob: Pick<ExportParameters, 'mediaQuality' | 'keepOriginalMedia'>,
): MediaTreatment {
  return exportJob.keepOriginalMedia && exportJob.mediaQuality === 'VERY_HIGH'
    ? 'ORIGINAL'
    : exportJob.mediaQuality;
}

/** The entry to write, or why the media is left out of the archive. */
export type PreparedMedia = { readonly entry: MediaEntry } | { readonly leftOut: LeftOut };

/** Scaled images of this thread, by source content and quality. */
const renditions = new RenditionCache();
/** Images of this thread being read and rendered now, by the same key. */
const scaling = new Map<string, ReturnType<typeof readAndRender>>();

/** This thread's rendition cache lookups so far, found and not (for its metrics). */
export function renditionLookups(): { readonly hits: number; readonly misses: number } {
  return renditions.lookups;
}

/** Fail on truncated data (the copy would be cut off) but not on decoders' minor warnings. */
const INPUT = { failOn: 'truncated' } as const;

/** Re-encoders by content type: fixed settings, so that the same input gives the same bytes. */
const ENCODERS: Readonly<Record<string, (image: Sharp) => Sharp>> = {
  'image/jpeg': (image) =>
    image.jpeg({
      quality: 82,
      progressive: false,
      chromaSubsampling: '4:2:0',
      optimiseCoding: true,
      mozjpeg: false,
    }),
  'image/png': (image) =>
    image.png({ compressionLevel: 6, adaptiveFiltering: false, palette: false }),
  'image/webp': (image) => image.webp({ quality: 80, effort: 4, smartSubsample: false }),
  'image/gif': (image) => image.gif({ effort: 7, dither: 1, interFrameMaxError: 0 }),
};

/**
 * Sets how many threads libvips uses for one image, for the whole process (libvips has one
 * setting, whichever thread sets it). sharp's default is one per core, which suits a process
 * scaling one image at a time; several export threads scaling at once would each ask for every
 * core and fight over them, so the pool gives each its share (`WorkerPool`).
 */
export function limitImageThreads(threads: number): void {
  sharp.concurrency(threads);
}

export async function prepareMedia(
  media: MediaRecord,
  treatment: MediaTreatment,
  openOriginal: () => Promise<Readable>,
): Promise<PreparedMedia> {
  const path = mediaPath(media);
  const encode = ENCODERS[media.content_type];
  if (encode === undefined || treatment === 'ORIGINAL') {
    return { entry: { kind: 'media', path, size: media.size, open: openOriginal } };
  }
  if (media.size > MAX_RESIZE_INPUT_BYTES) {
    return {
      leftOut: {
        item: path,
        reason: `the image is larger than ${MAX_RESIZE_INPUT_BYTES} bytes, too large to remove its metadata (location, camera) safely`,
      },
    };
  }
  // The record's sha256 is the hash we computed when the bytes were stored: a safe key.
  const key = /^[0-9a-f]{64}$/.test(media.sha256)
    ? `${media.sha256}:${media.content_type}:${treatment}`
    : undefined;
  const kept = key === undefined ? undefined : renditions.get(key);
  if (kept) return { entry: inMemory(path, kept) };
  const edge = treatment === 'VERY_HIGH' ? Infinity : LONGEST_EDGE_PX[treatment];
  // A job prepares several media at once: records of the same picture share one scaling.
  let rendering = key === undefined ? undefined : scaling.get(key);
  if (rendering === undefined) {
    rendering = readAndRender(media, openOriginal, edge, encode);
    if (key !== undefined) {
      scaling.set(key, rendering);
      const done = (): void => void scaling.delete(key);
      rendering.then(done, done);
    }
  }
  const rendition = await rendering;
  if (!('error' in rendition)) {
    if (key !== undefined) renditions.set(key, rendition);
    return { entry: inMemory(path, rendition) };
  }
  const { error } = rendition;
  // libvips repeats its decoder's complaints over several lines; the first says it.
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim();
  const goal = edge === Infinity ? 'remove its metadata' : `scale it to ${edge} px`;
  return {
    leftOut: {
      item: path,
      reason: `the image could not be decoded to ${goal} for ${treatment} quality (${message})`,
    },
  };
}

/**
 * The record's bytes from the blob store, rendered, or why they could not be decoded. Reading
 * them is another matter: a blob that cannot be read, or has another size than its record,
 * rejects, and the job fails rather than leave the image out.
 */
async function readAndRender(
  media: MediaRecord,
  openOriginal: () => Promise<Readable>,
  edge: number,
  encode: (image: Sharp) => Sharp,
): Promise<Buffer | { readonly error: unknown }> {
  const original = await readWhole(await openOriginal());
  if (original.length !== media.size) {
    throw new Error(
      `Media ${media.id} has ${original.length} bytes in the blob store, not the ${media.size} of its record`,
    );
  }
  try {
    return await renderImage(original, media.content_type, edge, encode);
  } catch (error) {
    return { error };
  }
}

/**
 * The image without metadata and within `edge` px: its own bytes cleaned when it fits (same
 * pixels, same encoding), else scaled, turned upright and re-encoded. Throws if it cannot be
 * read.
 */
async function renderImage(
  original: Buffer,
  contentType: string,
  edge: number,
  encode: (image: Sharp) => Sharp,
): Promise<Buffer> {
  // Only the header is read here: a truncated image that fits is still copied (cleaned).
  let header: Metadata;
  try {
    header = await sharp(original, { failOn: 'none' }).metadata();
  } catch (error) {
    // At VERY_HIGH every size fits: a JPEG whose header sharp rejects (truncated, say) is still
    // cleaned and copied as its owner sent it, if its structure can be walked.
    const cleaned = edge === Infinity ? stripImageMetadata(original, contentType) : undefined;
    if (cleaned && contentType === 'image/jpeg') return cleaned;
    throw error;
  }
  const { width, height, pageHeight, pages = 1, orientation = 1 } = header;
  // An animation's frames are stacked: the picture is one frame high.
  const frameHeight = pages > 1 && pageHeight !== undefined ? pageHeight : height;
  const fits = Math.max(width, frameHeight) <= edge;
  if (fits) {
    const cleaned = stripImageMetadata(original, contentType);
    // Only JPEG keeps an orientation tag; other formats are turned upright by re-encoding.
    if (cleaned && (orientation === 1 || contentType === 'image/jpeg')) return cleaned;
  }
  let image = sharp(original, { ...INPUT, animated: pages > 1 }).autoOrient();
  if (!fits) {
    image = image.resize({ width: edge, height: edge, fit: 'inside', withoutEnlargement: true });
  }
  return encode(image).toBuffer();
}

/**
 * Every byte of `source` in one Buffer, copied once. Not `buffer()` of `node:stream/consumers`:
 * it gathers the chunks into a Blob and reads that back into a zero-filled ArrayBuffer, two
 * copies and a Blob reader's round trips per image, which profiling showed as about 0.1 s of
 * the export thread's CPU per 150 distinct images (`bench/export-images.ts`).
 */
export async function readWhole(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of source) {
    chunks.push(chunk);
    bytes += chunk.byteLength;
  }
  return Buffer.concat(chunks, bytes);
}

function inMemory(path: string, bytes: Buffer): MediaEntry {
  return {
    kind: 'media',
    path,
    size: bytes.length,
    open: () => Promise.resolve(Readable.from([bytes], { objectMode: false })),
    held: { data: bytes, sha256: sha256Of(bytes) },
  };
}

/**
 * SHA-256 (hex) of a rendition, worked out once per Buffer: a kept rendition is written into
 * many archives, and the writer would hash it again for each. Renditions are never changed
 * once made; the memo goes with the Buffer when the cache drops it.
 */
const renditionHashes = new WeakMap<Buffer, string>();

function sha256Of(bytes: Buffer): string {
  let sha256 = renditionHashes.get(bytes);
  if (sha256 === undefined) {
    sha256 = createHash('sha256').update(bytes).digest('hex');
    renditionHashes.set(bytes, sha256);
  }
  return sha256;
}
