/**
 * @module
 * Privacy by default, checked on real archives: a phone photo with camera EXIF, GPS and XMP,
 * attached to a post, is exported at every media quality; the image read back from the
 * member's archive (with sharp's `metadata()`) carries none of it, keeps its format, and is
 * within the quality's longest edge. `VERY_HIGH` keeps the photo's pixels.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_QUALITIES } from '../src/domain/index.js';
import { LONGEST_EDGE_PX } from '../src/export/media-quality.js';
import { filesOfExport, readZip, runExport } from './support/archives.js';
import { addBulkyMember } from './support/export-scenarios.js';
import { type GraphFixture, startGraphFixture } from './support/graph-fixture.js';

const POST_TIME = Date.UTC(2025, 0, 15) / 1000;

/** A 1600×1200 JPEG as a phone writes it: make, model, time, position, XMP. */
async function phonePhoto(): Promise<Buffer> {
  const noise = await sharp({
    create: {
      width: 32,
      height: 24,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 50 },
    },
  })
    .png()
    .toBuffer();
  return sharp(noise)
    .resize(1600, 1200)
    .withExif({
      IFD0: { Make: 'PhoneMaker', Model: 'Phone-Pro-GPS' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100' },
    })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/">XmpOwnerName</x:xmpmeta>')
    .jpeg({ quality: 90 })
    .toBuffer();
}

describe('a phone photo in an export', () => {
  let fixture: GraphFixture;
  let communityId: string;
  let photo: Buffer;

  beforeAll(async () => {
    fixture = await startGraphFixture();
    communityId = (await fixture.runtime.communities.create('Photos')).id;
    photo = await phonePhoto();
    const before = await sharp(photo).metadata();
    expect(before.exif?.includes('PhoneMaker')).toBe(true);
    expect(before.xmp).toBeDefined();
    await addBulkyMember(fixture.runtime, communityId, {
      sourceId: 'photographer',
      posts: 1,
      fileBytes: photo.length,
      time: POST_TIME,
      contentType: 'image/jpeg',
      file: photo,
    });
  });

  afterAll(async () => {
    await fixture.close();
  });

  it.each(MEDIA_QUALITIES)(
    'leaves the archive at %s without EXIF, GPS or XMP',
    async (quality) => {
      const exportJob = await fixture.runtime.exports.create(communityId, {
        data_types: 'POSTS_YOUR_ACTIVITY',
        dyi_format: 'JSON',
        media_quality: quality,
        start_time: '2025-01-01T00:00:00Z',
        end_time: '2026-01-01T00:00:00Z',
      });
      await runExport(fixture.runtime, exportJob.id);
      const user = (await filesOfExport(fixture.runtime, exportJob.id)).find(
        (job) => job.job.jobType === 'USER',
      );
      const parts = await Promise.all((user?.files ?? []).map(({ bytes }) => readZip(bytes)));
      const image = parts.map((part) => part.get('media/photographer-file-1.jpg')).find(Boolean);
      if (!image) throw new Error('the photo is not in the archive');
      const meta = await sharp(image).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      for (const secret of ['PhoneMaker', 'Phone-Pro-GPS', 'XmpOwnerName']) {
        expect(image.includes(secret)).toBe(false);
      }
      expect(meta.format).toBe('jpeg');
      const limit = quality === 'VERY_HIGH' ? 1600 : Math.min(1600, LONGEST_EDGE_PX[quality]);
      expect(Math.max(meta.width, meta.height)).toBe(limit);
      if (quality === 'VERY_HIGH') {
        const pixels = (bytes: Buffer) => sharp(bytes).raw().toBuffer();
        expect((await pixels(image)).equals(await pixels(photo))).toBe(true);
      }
    },
    60_000,
  );
});
