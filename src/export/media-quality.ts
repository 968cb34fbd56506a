/**
 * @module
 * The media-quality step: turns a media record into the archive entry the job's quality asks
 * for. JPEG, PNG and WebP images are scaled down with sharp so that their longest edge is at
 * most `LONGEST_EDGE_PX[quality]`, after turning them upright by their EXIF orientation, and
 * re-encoded in their own format without metadata; the result is one Buffer of exact size
 * (images are bounded). `VERY_HIGH`, GIFs (often animated), animated WebP and every other kind
 * of media (video, PDF, ...) keep their original bytes, streamed.
 *
 * Choices:
 * - An image whose longest edge is already within the limit is copied unchanged, not
 *   re-encoded: re-encoding could only lose quality and often makes a small JPEG larger. Such an
 *   image is not decoded, so a corrupt one is copied as it is (as at `VERY_HIGH`).
 * - An image that cannot be decoded (corrupt, truncated, not what its type says, above sharp's
 *   pixel limit) is left out with a reason instead of failing the job.
 * - An image above `MAX_RESIZE_INPUT_BYTES` is copied unchanged rather than read into memory.
 * - Output is deterministic: fixed encoder settings, no metadata, nothing taken from the clock.
 * - Scaled images are kept per thread by source hash and quality (`RenditionCache`): the same
 *   picture is often in many archives of one export.
 */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import sharp, { type Sharp } from 'sharp';
import type { MediaQuality, MediaRecord } from '../domain/index.js';
import type { LeftOut, MediaEntry } from './archive-entry.js';
import { mediaPath } from './archive-paths.js';
import { RenditionCache } from './rendition-cache.js';

/** Longest edge of a resized image, in pixels, per quality below `VERY_HIGH`. */
export const LONGEST_EDGE_PX: Readonly<Record<Exclude<MediaQuality, 'VERY_HIGH'>, number>> = {
  VERY_LOW: 480,
  LOW: 720,
  MEDIUM: 1080,
  HIGH: 2048,
};

/** Largest image read into memory to be resized, in bytes; larger ones are copied. */
export const MAX_RESIZE_INPUT_BYTES = 100 * 1024 * 1024;

/** The entry to write, or why the media is left out of the archive. */
export type PreparedMedia = { readonly entry: MediaEntry } | { readonly leftOut: LeftOut };

/** Scaled images of this thread, by source content and quality. */
const renditions = new RenditionCache();

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
};

export async function prepareMedia(
  media: MediaRecord,
  quality: MediaQuality,
  openOriginal: () => Promise<Readable>,
): Promise<PreparedMedia> {
  const path = mediaPath(media);
  const encode = ENCODERS[media.content_type];
  if (quality === 'VERY_HIGH' || encode === undefined || media.size > MAX_RESIZE_INPUT_BYTES) {
    return { entry: { kind: 'media', path, size: media.size, open: openOriginal } };
  }
  const edge = LONGEST_EDGE_PX[quality];
  // The record's sha256 is the hash we computed when the bytes were stored: a safe key.
  const key = /^[0-9a-f]{64}$/.test(media.sha256)
    ? `${media.sha256}:${media.content_type}:${quality}`
    : undefined;
  const kept = key === undefined ? undefined : renditions.get(key);
  if (kept) return { entry: inMemory(path, kept) };
  const original = await buffer(await openOriginal());
  if (original.length !== media.size) {
    throw new Error(
      `Media ${media.id} has ${original.length} bytes in the blob store, not the ${media.size} of its record`,
    );
  }
  try {
    const { width, height, pages = 1 } = await sharp(original, INPUT).metadata();
    if (Math.max(width, height) <= edge || pages > 1) {
      if (key !== undefined) renditions.set(key, original);
      return { entry: inMemory(path, original) };
    }
    const resized = await encode(
      sharp(original, INPUT)
        .autoOrient()
        .resize({ width: edge, height: edge, fit: 'inside', withoutEnlargement: true }),
    ).toBuffer();
    if (key !== undefined) renditions.set(key, resized);
    return { entry: inMemory(path, resized) };
  } catch (error) {
    // libvips repeats its decoder's complaints over several lines; the first says it.
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.trim();
    return {
      leftOut: {
        item: path,
        reason: `the image could not be decoded to scale it to ${edge} px for ${quality} quality (${message})`,
      },
    };
  }
}

function inMemory(path: string, bytes: Buffer): MediaEntry {
  return {
    kind: 'media',
    path,
    size: bytes.length,
    open: () => Promise.resolve(Readable.from([bytes], { objectMode: false })),
  };
}
