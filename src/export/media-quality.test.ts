/**
 * @module
 * Tests of the media-quality step on real image files made with sharp: the longest edge of
 * every output, bytes kept where they must be, deterministic output, and corrupt images left
 * out instead of failing the job.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_QUALITIES, type MediaQuality, type MediaRecord } from '../domain/index.js';
import {
  LONGEST_EDGE_PX,
  limitImageThreads,
  prepareMedia,
  type PreparedMedia,
  readWhole,
} from './media-quality.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-quality-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Format = 'jpeg' | 'png';

/** A smooth picture (upscaled noise), with an EXIF orientation if asked. */
async function makeImage(width: number, height: number, format: Format, orientation?: number) {
  const small = sharp({
    create: {
      width: 24,
      height: 16,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  });
  const pixels = await small.png().toBuffer();
  let image = sharp(pixels).resize(width, height, { fit: 'fill' });
  if (orientation !== undefined) image = image.withMetadata({ orientation });
  return format === 'jpeg' ? image.jpeg({ quality: 90 }).toBuffer() : image.png().toBuffer();
}

let fileCount = 0;
/** Stores `bytes` as a file and describes it as the importer would. */
async function stored(
  bytes: Buffer,
  contentType: string,
): Promise<{ media: MediaRecord; open: () => Promise<Readable> }> {
  const id = `m${++fileCount}`;
  const file = join(dir, id);
  await writeFile(file, bytes);
  const media: MediaRecord = {
    type: 'media',
    id,
    owner: 'member-1',
    name: `${id}.bin`,
    content_type: contentType,
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    blob_key: id,
    created_time: 1_700_000_000,
  };
  return { media, open: () => Promise.resolve(createReadStream(file)) };
}

/** The bytes of an entry, checking that its announced size is exact. */
async function bytesOf(prepared: PreparedMedia): Promise<Buffer> {
  if (!('entry' in prepared)) throw new Error(`left out: ${prepared.leftOut.reason}`);
  const bytes = await buffer(await prepared.entry.open());
  expect(bytes.length).toBe(prepared.entry.size);
  // Bytes held in memory (images) are what `open` gives, with their SHA-256.
  const { held } = prepared.entry;
  if (held !== undefined) {
    expect(held.data.equals(bytes)).toBe(true);
    expect(held.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  }
  return bytes;
}

describe('prepareMedia', () => {
  const sizes: [number, number][] = [
    [3000, 2000],
    [1000, 700],
    [300, 200],
  ];
  const formats: Format[] = ['jpeg', 'png'];

  it.each(formats)('scales %s images to the longest edge of each quality', async (format) => {
    for (const [width, height] of sizes) {
      const original = await makeImage(width, height, format);
      const { media, open } = await stored(original, `image/${format}`);
      for (const quality of MEDIA_QUALITIES) {
        const prepared = await prepareMedia(media, quality, open);
        expect(prepared).toMatchObject({
          entry: { kind: 'media', path: `media/${media.id}.${format === 'jpeg' ? 'jpg' : 'png'}` },
        });
        const bytes = await bytesOf(prepared);
        const limit = quality === 'VERY_HIGH' ? Infinity : LONGEST_EDGE_PX[quality];
        if (Math.max(width, height) <= limit) {
          // Never enlarged, never re-encoded: the original bytes.
          expect(bytes.equals(original)).toBe(true);
          continue;
        }
        const out = await sharp(bytes).metadata();
        expect(out.format).toBe(format);
        expect(Math.max(out.width, out.height)).toBe(limit);
        expect(out.width / out.height).toBeCloseTo(width / height, 1);
        expect(out.exif).toBeUndefined();
      }
    }
  });

  it('turns images upright by their EXIF orientation before scaling', async () => {
    const original = await makeImage(3000, 2000, 'jpeg', 6);
    expect((await sharp(original).metadata()).orientation).toBe(6);
    const { media, open } = await stored(original, 'image/jpeg');
    const out = await sharp(await bytesOf(await prepareMedia(media, 'HIGH', open))).metadata();
    expect([out.width, out.height, out.orientation]).toEqual([1365, 2048, undefined]);
  });

  it('gives the same bytes for the same input', async () => {
    for (const format of formats) {
      const { media, open } = await stored(await makeImage(3000, 2000, format), `image/${format}`);
      for (const quality of ['VERY_LOW', 'HIGH'] satisfies MediaQuality[]) {
        const first = await bytesOf(await prepareMedia(media, quality, open));
        const second = await bytesOf(await prepareMedia(media, quality, open));
        expect(first.equals(second)).toBe(true);
      }
    }
  });

  it('gives the same bytes whatever number of threads libvips may use', async () => {
    // The pool gives each export thread its share of the cores (`limitImageThreads`); archives
    // must not depend on it. No cache: the records name no content hash.
    const defaultThreads = sharp.concurrency();
    try {
      for (const format of formats) {
        const { media, open } = await stored(
          await makeImage(3000, 2000, format),
          `image/${format}`,
        );
        const uncached = { ...media, sha256: 'not-a-content-hash' };
        const byThreads = [];
        for (const threads of [defaultThreads, 1, 4]) {
          limitImageThreads(threads);
          byThreads.push(await bytesOf(await prepareMedia(uncached, 'MEDIUM', open)));
        }
        const [first, ...others] = byThreads;
        for (const other of others) expect(other.equals(first as Buffer)).toBe(true);
      }
    } finally {
      limitImageThreads(defaultThreads);
    }
  });

  it('copies WebP scaled, and documents and video unchanged at every quality', async () => {
    const webp = await stored(
      await sharp(await makeImage(1600, 900, 'png'))
        .webp()
        .toBuffer(),
      'image/webp',
    );
    const out = await sharp(
      await bytesOf(await prepareMedia(webp.media, 'LOW', webp.open)),
    ).metadata();
    expect([out.format, out.width, out.height]).toEqual(['webp', 720, 405]);

    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
    const mp4 = Buffer.concat([Buffer.from('\0\0\0\x18ftypmp42', 'latin1'), Buffer.alloc(64, 7)]);
    for (const [bytes, type] of [
      [pdf, 'application/pdf'],
      [mp4, 'video/mp4'],
    ] as const) {
      const { media, open } = await stored(bytes, type);
      for (const quality of MEDIA_QUALITIES) {
        expect((await bytesOf(await prepareMedia(media, quality, open))).equals(bytes)).toBe(true);
      }
    }
  });

  it('does not read a video until the writer opens it', async () => {
    const video = Buffer.concat([Buffer.from('\0\0\0\x18ftypmp42', 'latin1'), Buffer.alloc(64)]);
    const { media, open } = await stored(video, 'video/mp4');
    let opened = 0;
    const prepared = await prepareMedia(media, 'VERY_HIGH', () => {
      opened++;
      return open();
    });
    expect(opened).toBe(0);
    expect((await bytesOf(prepared)).equals(video)).toBe(true);
    expect(opened).toBe(1);
  });

  it('leaves out an image that cannot be decoded, with the reason', async () => {
    const whole = await makeImage(3000, 2000, 'jpeg');
    const corrupt = [
      Buffer.concat([whole.subarray(0, 2), Buffer.alloc(4000, 0x5a)]), // JPEG marker, then garbage
      whole.subarray(0, Math.floor(whole.length / 2)), // truncated
    ];
    for (const bytes of corrupt) {
      const { media, open } = await stored(bytes, 'image/jpeg');
      expect(await prepareMedia(media, 'MEDIUM', open)).toEqual({
        leftOut: {
          item: `media/${media.id}.jpg`,
          reason: expect.stringMatching(
            /^the image could not be decoded to scale it to 1080 px for MEDIUM quality \(.+\)$/,
          ),
        },
      });
    }
    // At VERY_HIGH a truncated JPEG is what its owner sent: kept, without its metadata. Garbage
    // whose structure cannot be walked is left out: nobody can say what it carries.
    const [garbage, truncated] = corrupt as [Buffer, Buffer];
    const cut = await stored(truncated, 'image/jpeg');
    const kept = await bytesOf(await prepareMedia(cut.media, 'VERY_HIGH', cut.open));
    expect(kept.subarray(-truncated.length + 2).equals(truncated.subarray(2))).toBe(true);
    const bad = await stored(garbage, 'image/jpeg');
    expect(await prepareMedia(bad.media, 'VERY_HIGH', bad.open)).toEqual({
      leftOut: {
        item: `media/${bad.media.id}.jpg`,
        reason: expect.stringMatching(
          /^the image could not be decoded to remove its metadata for VERY_HIGH quality \(.+\)$/,
        ),
      },
    });
  });

  it('scales a picture once per quality, however many records carry it', async () => {
    const bytes = await makeImage(2400, 1600, 'jpeg');
    const first = await stored(bytes, 'image/jpeg');
    const second = await stored(bytes, 'image/jpeg');
    let opened = 0;
    const counting = (open: () => Promise<Readable>) => () => {
      opened++;
      return open();
    };
    const a = await bytesOf(await prepareMedia(first.media, 'LOW', counting(first.open)));
    const b = await bytesOf(await prepareMedia(second.media, 'LOW', counting(second.open)));
    expect(opened).toBe(1);
    expect(b.equals(a)).toBe(true);
    const kept = await prepareMedia(second.media, 'LOW', counting(second.open));
    expect('entry' in kept && kept.entry.held?.sha256).toBe(
      createHash('sha256').update(a).digest('hex'),
    );
    const entry = await prepareMedia(second.media, 'VERY_LOW', counting(second.open));
    expect(opened).toBe(2);
    expect('entry' in entry && entry.entry.path).toBe('media/' + second.media.id + '.jpg');
  });
});

/** Private details a camera writes: make, model, time and location. */
const CAMERA_EXIF = {
  IFD0: { Make: 'SecretCam', Model: 'Model-GPS-1', Copyright: 'Zoe Example' },
  IFD2: { DateTimeOriginal: '2024:05:01 12:34:56' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '35/1 41/1 2200/100',
    GPSLongitudeRef: 'E',
    GPSLongitude: '139/1 41/1 3000/100',
  },
};
const XMP =
  '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
  '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="XmpAuthorSecret"/>' +
  '</rdf:RDF></x:xmpmeta>';

/** An IPTC (APP13, Photoshop 3.0) segment naming a by-line, inserted after the JPEG's SOI. */
function withIptc(jpeg: Buffer): Buffer {
  const byline = Buffer.from('IptcBylineSecret', 'latin1');
  const record = Buffer.concat([Buffer.from([0x1c, 2, 80, 0, byline.length]), byline]);
  const resource = Buffer.concat([
    Buffer.from('8BIM', 'latin1'),
    Buffer.from([0x04, 0x04, 0, 0]), // IPTC resource, empty name (padded)
    Buffer.from([0, 0, 0, record.length]),
    record,
    Buffer.alloc(record.length % 2),
  ]);
  const body = Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), resource]);
  const header = Buffer.from([0xff, 0xed, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, body, jpeg.subarray(2)]);
}

/** A picture as a phone would write it: camera EXIF with GPS, XMP, and IPTC for JPEG. */
async function cameraImage(
  width: number,
  height: number,
  format: 'jpeg' | 'png' | 'webp',
  orientation = 1,
): Promise<Buffer> {
  const image = sharp(await makeImage(width, height, 'png'))
    .withExif(CAMERA_EXIF)
    .withMetadata({ orientation })
    .withXmp(XMP);
  if (format === 'jpeg') return withIptc(await image.jpeg({ quality: 90 }).toBuffer());
  return format === 'png' ? image.png().toBuffer() : image.webp().toBuffer();
}

/** What an archive image must not carry: anything but a lone orientation tag. */
async function expectNoPrivateMetadata(bytes: Buffer): Promise<void> {
  const meta = await sharp(bytes).metadata();
  expect(meta.xmp).toBeUndefined();
  expect(meta.iptc).toBeUndefined();
  if (meta.exif !== undefined) {
    // Only the orientation-only block (one IFD0 entry, tag 0x0112) may remain.
    const tiff = meta.exif.subarray(meta.exif.indexOf('MM'));
    expect([tiff.readUInt16BE(8), tiff.readUInt16BE(10)]).toEqual([1, 0x0112]);
  }
  for (const secret of ['SecretCam', 'Model-GPS-1', 'XmpAuthorSecret', 'IptcBylineSecret']) {
    expect(bytes.includes(secret)).toBe(false);
  }
}

describe('prepareMedia removes private metadata', () => {
  it.each(['jpeg', 'png', 'webp'] as const)(
    'strips EXIF, GPS, XMP and IPTC from %s images at every quality',
    async (format) => {
      for (const [width, height] of [
        [1600, 1000],
        [300, 200],
      ] as const) {
        const original = await cameraImage(width, height, format);
        const before = await sharp(original).metadata();
        expect(before.exif?.includes('SecretCam')).toBe(true);
        expect(before.xmp).toBeDefined();
        if (format === 'jpeg') expect(before.iptc).toBeDefined();
        const { media, open } = await stored(original, `image/${format}`);
        for (const quality of MEDIA_QUALITIES) {
          const bytes = await bytesOf(await prepareMedia(media, quality, open));
          await expectNoPrivateMetadata(bytes);
          const meta = await sharp(bytes).metadata();
          expect(meta.format).toBe(format);
          const limit = quality === 'VERY_HIGH' ? Infinity : LONGEST_EDGE_PX[quality];
          expect(Math.max(meta.width, meta.height)).toBe(Math.min(width, limit));
        }
      }
    },
  );

  it('keeps the original pixels at VERY_HIGH, and only the orientation tag', async () => {
    for (const format of ['jpeg', 'png', 'webp'] as const) {
      const original = await cameraImage(900, 600, format);
      const { media, open } = await stored(original, `image/${format}`);
      const bytes = await bytesOf(await prepareMedia(media, 'VERY_HIGH', open));
      expect(bytes.length).toBeLessThan(original.length);
      const pixels = (image: Buffer) => sharp(image).raw().toBuffer();
      expect((await pixels(bytes)).equals(await pixels(original))).toBe(true);
    }
    // A portrait phone photo stored sideways stays upright: same pixels, orientation 6 only.
    const sideways = await cameraImage(900, 600, 'jpeg', 6);
    const { media, open } = await stored(sideways, 'image/jpeg');
    const bytes = await bytesOf(await prepareMedia(media, 'VERY_HIGH', open));
    await expectNoPrivateMetadata(bytes);
    const meta = await sharp(bytes).metadata();
    expect([meta.orientation, meta.autoOrient.width, meta.autoOrient.height]).toEqual([
      6, 600, 900,
    ]);
    const raw = await sharp(sideways).raw().toBuffer();
    expect((await sharp(bytes).raw().toBuffer()).equals(raw)).toBe(true);
  });

  it('bounds GIFs, animated ones frame by frame, by the quality', async () => {
    const flat = (width: number, height: number, background: string) =>
      sharp({ create: { width, height, channels: 3, background } })
        .png()
        .toBuffer();
    const still = await sharp(await flat(1600, 1600, '#336699'))
      .gif()
      .toBuffer();
    const gif = await stored(still, 'image/gif');
    const out = await bytesOf(await prepareMedia(gif.media, 'VERY_LOW', gif.open));
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['gif', 480, 480]);
    const again = await bytesOf(await prepareMedia(gif.media, 'VERY_LOW', gif.open));
    expect(again.equals(out)).toBe(true);

    const frames = [await flat(1200, 800, '#336699'), await flat(1200, 800, '#993366')];
    const animation = await sharp(frames, { join: { animated: true } })
      .gif({ loop: 0, delay: [100, 100] })
      .toBuffer();
    expect((await sharp(animation).metadata()).pages).toBe(2);
    const anim = await stored(animation, 'image/gif');
    const scaled = await sharp(await bytesOf(await prepareMedia(anim.media, 'LOW', anim.open)), {
      animated: true,
    }).metadata();
    expect([scaled.width, scaled.pageHeight, scaled.pages]).toEqual([720, 480, 2]);
  });
});

describe('readWhole', () => {
  it('gives the bytes of a stream as buffer() of node:stream/consumers does, however chunked', async () => {
    const bytes = createHash('sha512').update('seed').digest().toString('hex').repeat(301);
    const source = Buffer.from(bytes);
    // Cut points of a few fixed patterns: one chunk, bytes, file-read sized, odd sizes.
    for (const size of [source.length, 1, 7, 4096, 10_007]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < source.length; at += size) {
        const piece = source.subarray(at, at + size);
        // Plain Uint8Arrays too: a store's stream may give them instead of Buffers.
        chunks.push(chunks.length % 2 === 0 ? piece : new Uint8Array(piece));
      }
      const whole = await readWhole(Readable.from(chunks, { objectMode: false }));
      const reference = await buffer(Readable.from(chunks, { objectMode: false }));
      expect(whole.equals(reference)).toBe(true);
      expect(whole.equals(source)).toBe(true);
    }
    expect((await readWhole(Readable.from([]))).length).toBe(0);
  });

  it('reads a real file into the media step as it is on disk', async () => {
    const file = join(dir, 'read-whole.jpg');
    const image = await makeImage(1200, 900, 'jpeg');
    await writeFile(file, image);
    const whole = await readWhole(createReadStream(file, { highWaterMark: 16 * 1024 }));
    expect(whole.equals(image)).toBe(true);
  });
});
