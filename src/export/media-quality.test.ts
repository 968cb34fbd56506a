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
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_QUALITIES, type MediaQuality, type MediaRecord } from '../domain/index.js';
import { LONGEST_EDGE_PX, prepareMedia, type PreparedMedia } from './media-quality.js';

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

  it('copies WebP scaled, and GIF and other media unchanged at every quality', async () => {
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

    // A flat picture: GIF's palette search on a photo would take seconds.
    const gif = await sharp({
      create: { width: 1600, height: 900, channels: 3, background: '#336699' },
    })
      .gif()
      .toBuffer();
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
    for (const [bytes, type] of [
      [gif, 'image/gif'],
      [pdf, 'application/pdf'],
    ] as const) {
      const { media, open } = await stored(bytes, type);
      for (const quality of MEDIA_QUALITIES) {
        expect((await bytesOf(await prepareMedia(media, quality, open))).equals(bytes)).toBe(true);
      }
    }
  });

  it('does not read the original at VERY_HIGH until the writer opens it', async () => {
    const original = await makeImage(3000, 2000, 'jpeg');
    const { media, open } = await stored(original, 'image/jpeg');
    let opened = 0;
    const prepared = await prepareMedia(media, 'VERY_HIGH', () => {
      opened++;
      return open();
    });
    expect(opened).toBe(0);
    expect((await bytesOf(prepared)).equals(original)).toBe(true);
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
      // At VERY_HIGH the original bytes are what was asked for, decodable or not.
      expect((await bytesOf(await prepareMedia(media, 'VERY_HIGH', open))).equals(bytes)).toBe(
        true,
      );
    }
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
    const entry = await prepareMedia(second.media, 'VERY_LOW', counting(second.open));
    expect(opened).toBe(2);
    expect('entry' in entry && entry.entry.path).toBe('media/' + second.media.id + '.jpg');
  });
});
