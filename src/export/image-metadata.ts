/**
 * @module
 * Removes metadata from an image file without touching its pixels: the container is walked
 * block by block and only the blocks needed to show the picture are kept. This is how an image
 * that is not resized (every image at `VERY_HIGH`, small ones at other qualities) keeps its
 * original pixels and format while losing EXIF (camera, time, GPS), XMP, IPTC, comments and
 * embedded thumbnails or secondary images.
 *
 * Kept per format (a keep-list, so an unknown block is dropped, never shipped):
 * - JPEG: frame, tables, scans, JFIF (APP0), ICC profile (APP2 `ICC_PROFILE`), Adobe (APP14,
 *   it says how to read the colours), and a new EXIF block holding only the orientation when
 *   the original had one other than 1 (so the photo stays upright without re-encoding).
 *   Everything after the end-of-image marker (phones append depth maps and previews with
 *   their own EXIF) is dropped.
 * - PNG: the chunks that define pixels, colour and animation; text, `eXIf` and `tIME` go.
 * - WebP: everything but the `EXIF` and `XMP ` chunks, with the extended header's flags fixed.
 * - GIF: frames and the looping extension; comments and other application blocks (XMP) go.
 *
 * Returns `undefined` when the file is not well formed enough to be sure what is in it; the
 * caller then re-encodes it with sharp or leaves it out.
 */

/** The bytes of `image` without metadata, or `undefined` if its structure is not understood. */
export function stripImageMetadata(image: Buffer, contentType: string): Buffer | undefined {
  switch (contentType) {
    case 'image/jpeg':
      return stripJpeg(image);
    case 'image/png':
      return stripPng(image);
    case 'image/webp':
      return stripWebp(image);
    case 'image/gif':
      return stripGif(image);
    default:
      return undefined;
  }
}

/** The smallest EXIF block that says only how to turn the picture upright. */
export function orientationOnlyExif(orientation: number): Buffer {
  const block = Buffer.alloc(2 + 2 + 6 + 8 + 2 + 12 + 4);
  block.writeUInt16BE(0xffe1, 0);
  block.writeUInt16BE(block.length - 2, 2);
  block.write('Exif\0\0', 4, 'latin1');
  block.write('MM\0\x2a\0\0\0\x08', 10, 'latin1'); // big-endian TIFF header, IFD0 at 8
  block.writeUInt16BE(1, 18); // one entry
  block.writeUInt16BE(0x0112, 20); // Orientation
  block.writeUInt16BE(3, 22); // SHORT
  block.writeUInt32BE(1, 24); // one value
  block.writeUInt16BE(orientation, 28);
  return block; // next-IFD offset stays 0
}

const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
const SOS = 0xda;
const EOI = 0xd9;

function stripJpeg(image: Buffer): Buffer | undefined {
  if (image.length < 4 || image[0] !== 0xff || image[1] !== 0xd8) return undefined;
  const kept: Buffer[] = [image.subarray(0, 2)];
  let orientation = 1;
  let at = 2;
  let exifPlaced = false;
  for (;;) {
    while (image[at] === 0xff && image[at + 1] === 0xff) at++; // fill bytes
    if (at + 2 > image.length || image[at] !== 0xff) return undefined;
    const marker = image[at + 1] ?? 0;
    if (marker === EOI) break;
    if (at + 4 > image.length) return undefined;
    const end = at + 2 + image.readUInt16BE(at + 2);
    if (end > image.length) return undefined;
    const segment = image.subarray(at, end);
    if (marker === APP1 && segment.subarray(4, 10).toString('latin1') === 'Exif\0\0') {
      orientation = exifOrientation(segment.subarray(10)) ?? orientation;
    }
    if (isKeptJpegSegment(marker, segment)) {
      if (marker !== APP0 && !exifPlaced) {
        exifPlaced = true;
        if (orientation !== 1) kept.push(orientationOnlyExif(orientation));
      }
      kept.push(segment);
    }
    at = end;
    if (marker === SOS) {
      at = endOfEntropyData(image, at);
      kept.push(image.subarray(end, at));
      if (at >= image.length) return Buffer.concat(kept); // truncated scan: kept as it is
    }
  }
  kept.push(Buffer.from([0xff, EOI]));
  return Buffer.concat(kept);
}

/** APPn and COM segments carry metadata, except the few that say how to show the pixels. */
function isKeptJpegSegment(marker: number, segment: Buffer): boolean {
  if (marker === 0xfe) return false; // COM
  if (marker < APP0 || marker > 0xef) return true;
  if (marker === APP0 || marker === APP14) return true;
  return marker === APP2 && segment.subarray(4, 16).toString('latin1') === 'ICC_PROFILE\0';
}

/** Position of the first marker after entropy-coded data (stuffed 0xFF00 and RSTn skipped). */
function endOfEntropyData(image: Buffer, from: number): number {
  // indexOf runs natively: a 3 MB photo is scanned in about a millisecond.
  for (let at = image.indexOf(0xff, from); at !== -1 && at + 1 < image.length;) {
    const next = image[at + 1] ?? 0;
    if (next !== 0 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) return at;
    at = image.indexOf(0xff, at + 1);
  }
  return image.length;
}

/** The Orientation tag of an EXIF TIFF block's first IFD, if any. */
function exifOrientation(tiff: Buffer): number | undefined {
  if (tiff.length < 8) return undefined;
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const count = u16(ifd);
  for (let i = 0; i < count && ifd + 2 + i * 12 + 12 <= tiff.length; i++) {
    const entry = ifd + 2 + i * 12;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}

/** PNG chunks that define what the picture looks like (including APNG animation). */
const PNG_KEPT = new Set([
  ...['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'cHRM', 'gAMA', 'iCCP', 'sBIT', 'sRGB', 'cICP'],
  ...['mDCv', 'cLLi', 'bKGD', 'hIST', 'pHYs', 'sPLT', 'acTL', 'fcTL', 'fdAT'],
]);
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function stripPng(image: Buffer): Buffer | undefined {
  if (!image.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  const kept: Buffer[] = [PNG_SIGNATURE];
  for (let at = 8; ;) {
    if (at + 12 > image.length) return undefined;
    const end = at + 12 + image.readUInt32BE(at);
    if (end > image.length) return undefined;
    const type = image.toString('latin1', at + 4, at + 8);
    if (PNG_KEPT.has(type)) kept.push(image.subarray(at, end));
    if (type === 'IEND') return Buffer.concat(kept);
    at = end;
  }
}

const VP8X_XMP = 0x04;
const VP8X_EXIF = 0x08;

function stripWebp(image: Buffer): Buffer | undefined {
  if (image.length < 12 || image.toString('latin1', 0, 4) !== 'RIFF') return undefined;
  if (image.toString('latin1', 8, 12) !== 'WEBP') return undefined;
  const end = 8 + image.readUInt32LE(4);
  if (end > image.length) return undefined;
  const kept: Buffer[] = [];
  for (let at = 12; at < end;) {
    if (at + 8 > end) return undefined;
    const fourcc = image.toString('latin1', at, at + 4);
    const next = at + 8 + image.readUInt32LE(at + 4) + (image.readUInt32LE(at + 4) % 2);
    if (next > end) return undefined;
    if (fourcc === 'VP8X') {
      const chunk = Buffer.from(image.subarray(at, next));
      chunk[8] = (chunk[8] ?? 0) & ~(VP8X_XMP | VP8X_EXIF);
      kept.push(chunk);
    } else if (fourcc !== 'EXIF' && fourcc !== 'XMP ') {
      kept.push(image.subarray(at, next));
    }
    at = next;
  }
  if (kept.length === 0) return undefined;
  const header = Buffer.from(image.subarray(0, 12));
  const body = Buffer.concat(kept);
  header.writeUInt32LE(body.length + 4, 4);
  return Buffer.concat([header, body]);
}

/** Application extensions that only say how to loop an animation. */
const GIF_LOOP_APPS = new Set(['NETSCAPE2.0', 'ANIMEXTS1.0']);

function stripGif(image: Buffer): Buffer | undefined {
  if (image.length < 13 || !/^GIF8[79]a$/.test(image.toString('latin1', 0, 6))) return undefined;
  const flags = image[10] ?? 0;
  let at = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
  const kept: Buffer[] = [image.subarray(0, at)];
  while (at < image.length) {
    const start = at;
    const introducer = image[at];
    if (introducer === 0x3b) return Buffer.concat([...kept, image.subarray(at, at + 1)]);
    if (introducer === 0x2c) {
      const local = image[at + 9] ?? 0;
      at += 10 + (local & 0x80 ? 3 * 2 ** ((local & 7) + 1) : 0) + 1; // + LZW code size
      at = skipSubBlocks(image, at);
      if (at < 0) return undefined;
      kept.push(image.subarray(start, at));
    } else if (introducer === 0x21) {
      const label = image[at + 1];
      at = skipSubBlocks(image, at + 2);
      if (at < 0) return undefined;
      const app = label === 0xff ? image.toString('latin1', start + 3, start + 14) : '';
      // Graphic control (0xF9) and plain text (0x01) are part of the picture; loop apps too.
      if (label === 0xf9 || label === 0x01 || GIF_LOOP_APPS.has(app)) {
        kept.push(image.subarray(start, at));
      }
    } else {
      return undefined;
    }
  }
  return undefined; // no trailer
}

/** Position after a chain of GIF sub-blocks, or -1 if it runs past the end. */
function skipSubBlocks(image: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const size = image[at];
    if (size === undefined) return -1;
    at += 1 + size;
    if (size === 0) return at <= image.length ? at : -1;
  }
}
