/**
 * @module
 * The files behind synthetic media: a fixed pool of real JPEG photos per seed, in sizes from
 * 3200×2400 down to 400×300 (some portrait) so that each export media quality resizes some of
 * them, plus two small documents (text and PDF). Many media records share a pool file, and blobs
 * are content-addressed, so each file is stored once however many records show it.
 *
 * Pixels are a sky-like gradient, soft discs and boxes, and PRNG noise: it compresses like a
 * photo (a few hundred KB to a few MB), where a flat colour would compress to nothing. The
 * same seed gives byte-identical JPEGs: the pixels come from the seed alone and sharp writes
 * no metadata unless asked to. `renderDistinctImage` makes a photo of its own from a pool
 * image, for a community where no two media records share a picture.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { createRng, type Rng } from './rng.js';

export interface SyntheticImageSpec {
  readonly seed: number;
  /** Position in the pool; with the seed it fixes the pixels. */
  readonly index: number;
  readonly width: number;
  readonly height: number;
}

export interface SyntheticFile {
  readonly name: string;
  readonly contentType: string;
  readonly bytes: Buffer;
  /** Lower-case hex SHA-256 of `bytes`. */
  readonly sha256: string;
  /** Pixel size of images; absent for documents. */
  readonly width?: number;
  readonly height?: number;
}

/** Sizes of the pool, largest first; portrait ones exercise the other orientation. */
const POOL_SIZES: readonly (readonly [number, number])[] = [
  [3200, 2400],
  [2400, 3200],
  [3200, 2400],
  [2048, 1536],
  [1536, 2048],
  [2048, 1536],
  [2048, 1536],
  [1280, 960],
  [960, 1280],
  [1280, 960],
  [1280, 960],
  [1280, 960],
  [800, 600],
  [600, 800],
  [800, 600],
  [800, 600],
  [400, 300],
  [300, 400],
  [400, 300],
  [400, 300],
];

/** JPEG quality of the pool: what a phone camera writes. */
const JPEG_QUALITY = 85;

/** The images of a seed's pool, without their pixels (cheap). */
export function syntheticImageSpecs(seed: number): SyntheticImageSpec[] {
  return POOL_SIZES.map(([width, height], index) => ({ seed, index, width, height }));
}

/** Renders one image of the pool as a JPEG. */
export async function renderSyntheticImage(spec: SyntheticImageSpec): Promise<SyntheticFile> {
  const { width, height } = spec;
  const pixels = paint(spec);
  const bytes = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
  return {
    name: `IMG_${String(spec.index + 1).padStart(4, '0')}.jpg`,
    contentType: 'image/jpeg',
    bytes,
    sha256: sha256(bytes),
    width,
    height,
  };
}

/** Every file of a seed's pool (about 5 MB): the images, then the documents. */
export async function renderSyntheticFiles(seed: number): Promise<SyntheticFile[]> {
  const files: SyntheticFile[] = [];
  for (const spec of syntheticImageSpecs(seed)) files.push(await renderSyntheticImage(spec));
  return [...files, ...syntheticDocuments(seed)];
}

/** Side of the patch that makes a distinct image differ from its pool image, as a share of the shorter edge. */
const DISTINCT_PATCH_SHARE = 0.2;

/**
 * A photo of its own, made from a pool image (`base`, one of `renderSyntheticFiles`' JPEGs):
 * the same size and look, with a patch of colour and grain drawn from `(seed, name)` pasted
 * where that stream says, re-encoded at the pool's JPEG quality. Different names give
 * different bytes (a real community's photos are nearly all distinct); the same seed, base and
 * name give the same bytes. It costs one JPEG decode and encode, far less than painting.
 */
export async function renderDistinctImage(
  base: SyntheticFile,
  seed: number,
  name: string,
): Promise<SyntheticFile> {
  const { width, height } = base;
  if (width === undefined || height === undefined) {
    throw new Error(`${base.name} is not a synthetic image`);
  }
  const rng = createRng(seed, 'distinct-image', name);
  const side = Math.max(8, Math.floor(Math.min(width, height) * DISTINCT_PATCH_SHARE));
  const patch = new Uint8ClampedArray(side * side * 3);
  const [r, g, b] = colour(rng);
  for (let i = 0; i < patch.length; i += 3) {
    patch[i] = r;
    patch[i + 1] = g;
    patch[i + 2] = b;
  }
  grain(patch, rng);
  const bytes = await sharp(base.bytes)
    .composite([
      {
        input: Buffer.from(patch.buffer),
        raw: { width: side, height: side, channels: 3 },
        left: rng.int(width - side + 1),
        top: rng.int(height - side + 1),
      },
    ])
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer();
  return { ...base, bytes, sha256: sha256(bytes) };
}

/** A small text file and a small, valid one-page PDF. */
export function syntheticDocuments(seed: number): SyntheticFile[] {
  const text = Buffer.from(
    `Meeting notes (synthetic community ${seed})\n\n- Agreed on the roadmap.\n- Next review in two weeks.\n`,
  );
  const pdf = minimalPdf(`Quarterly report, synthetic community ${seed}`);
  return [
    { name: 'meeting-notes.txt', contentType: 'text/plain', bytes: text, sha256: sha256(text) },
    {
      name: 'quarterly-report.pdf',
      contentType: 'application/pdf',
      bytes: pdf,
      sha256: sha256(pdf),
    },
  ];
}

/** RGB pixels: gradient sky, a few soft shapes, and grain. */
function paint(spec: SyntheticImageSpec): Uint8ClampedArray {
  const { width, height } = spec;
  const rng = createRng(spec.seed, 'image', spec.index);
  // Clamped, so that blending and noise saturate at 0 and 255 instead of wrapping around.
  const pixels = new Uint8ClampedArray(width * height * 3);
  const top = colour(rng);
  const bottom = colour(rng);
  for (let y = 0; y < height; y++) {
    const t = y / height;
    const row = [0, 1, 2].map((c) => (top[c] ?? 0) * (1 - t) + (bottom[c] ?? 0) * t);
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      // A slow ripple, so that neighbouring rows differ as in a real scene.
      const ripple = 12 * Math.sin((x + y * 0.3) / (width / 9));
      pixels[i] = row[0]! + ripple;
      pixels[i + 1] = row[1]! + ripple;
      pixels[i + 2] = row[2]!;
    }
  }
  for (let k = 5 + rng.int(6); k > 0; k--) shape(pixels, spec, rng);
  grain(pixels, rng);
  return pixels;
}

/** A disc or box in one colour, blended softly towards its edge. */
function shape(pixels: Uint8ClampedArray, spec: SyntheticImageSpec, rng: Rng): void {
  const { width, height } = spec;
  const [r, g, b] = colour(rng);
  const cx = rng.int(width);
  const cy = rng.int(height);
  const radius = Math.max(4, Math.floor(Math.min(width, height) * (0.05 + rng.next() * 0.3)));
  const isDisc = rng.chance(0.6);
  for (let y = Math.max(0, cy - radius); y < Math.min(height, cy + radius); y++) {
    for (let x = Math.max(0, cx - radius); x < Math.min(width, cx + radius); x++) {
      const d = isDisc
        ? Math.sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy)) / radius
        : Math.max(Math.abs(x - cx), Math.abs(y - cy)) / radius;
      if (d >= 1) continue;
      const alpha = Math.min(1, (1 - d) * 3) * 0.85;
      const i = (y * width + x) * 3;
      pixels[i] = pixels[i]! * (1 - alpha) + r * alpha;
      pixels[i + 1] = pixels[i + 1]! * (1 - alpha) + g * alpha;
      pixels[i + 2] = pixels[i + 2]! * (1 - alpha) + b * alpha;
    }
  }
}

/** Sensor-like noise of ±10 per channel, from an inline xorshift (this loop is the hot one). */
function grain(pixels: Uint8ClampedArray, rng: Rng): void {
  let state = (rng.int(0xffffffff) | 1) >>> 0;
  for (let i = 0; i < pixels.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const noise = ((state >>> 0) % 21) - 10;
    pixels[i] = pixels[i]! + noise;
  }
}

function colour(rng: Rng): [number, number, number] {
  return [rng.int(256), rng.int(256), rng.int(256)];
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A one-page PDF showing one line of text, with a correct cross-reference table. */
function minimalPdf(line: string): Buffer {
  const escaped = line.replace(/[\\()]/g, (c) => `\\${c}`);
  const stream = `BT /F1 18 Tf 72 720 Td (${escaped}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, n) => {
    offsets.push(body.length);
    body += `${n + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
