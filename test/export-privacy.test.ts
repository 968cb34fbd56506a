/**
 * @module
 * Privacy by default, checked on real archives: a phone photo with camera EXIF, GPS and XMP,
 * attached to a post, is exported at every media quality; the image read back from the
 * member's archive (with sharp's `metadata()`) carries none of it, keeps its format, and is
 * within the quality's longest edge. `VERY_HIGH` keeps the photo's pixels; only with
 * `keep_original_media` does it keep the file itself, metadata included. With
 * `withhold_others_media`, a photo another person sent to a shared chat is not in a member's
 * archive, and the archive says it was withheld. Each member's archive files carry their id
 * and a slug of their name.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_QUALITIES } from '../src/domain/index.js';
import { WITHHELD_REASON } from '../src/export/job-runner.js';
import { LONGEST_EDGE_PX } from '../src/export/media-quality.js';
import type { RawExportInput } from '../src/services/export-input.js';
import { filesOfExport, readZip, runExport } from './support/archives.js';
import { addBulkyMember, addPhotoChat } from './support/export-scenarios.js';
import { type GraphFixture, startGraphFixture } from './support/graph-fixture.js';

const POST_TIME = Date.UTC(2025, 0, 15) / 1000;

/** A 1600×1200 JPEG as a phone writes it: make, model, time, position, XMP. */
async function phonePhoto(make = 'PhoneMaker'): Promise<Buffer> {
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
      IFD0: { Make: make, Model: 'Phone-Pro-GPS' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100' },
    })
    .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/">XmpOwnerName</x:xmpmeta>')
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * Whether an EXIF block (as sharp's `metadata().exif` gives it: `Exif\0\0` and a TIFF
 * structure) points at a GPS section: tag 0x8825 in its first directory.
 */
function hasGps(exif: Buffer | undefined): boolean {
  if (exif === undefined) return false;
  const tiff = exif.subarray(exif.indexOf('Exif\0\0') + 6);
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const ifd = little ? tiff.readUInt32LE(4) : tiff.readUInt32BE(4);
  return Array.from({ length: u16(ifd) }, (_, i) => u16(ifd + 2 + i * 12)).includes(0x8825);
}

/** The parts of the export's user job of `userId` (the first user job if not given), unzipped. */
async function userArchive(
  fixture: GraphFixture,
  exportId: string,
  userId?: string,
): Promise<Map<string, Buffer>[]> {
  const user = (await filesOfExport(fixture.runtime, exportId)).find(
    (job) => job.job.jobType === 'USER' && (userId === undefined || job.job.userId === userId),
  );
  if (!user) throw new Error(`export ${exportId} has no job for member ${userId ?? '(any)'}`);
  return Promise.all(user.files.map(({ bytes }) => readZip(bytes)));
}

/** The entry at `path` in whichever part holds it. */
function entryOf(parts: readonly Map<string, Buffer>[], path: string): Buffer | undefined {
  return parts.map((part) => part.get(path)).find(Boolean);
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
    expect(hasGps(before.exif)).toBe(true);
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
      const parts = await userArchive(fixture, exportJob.id);
      const image = entryOf(parts, 'media/photographer-file-1.jpg');
      if (!image) throw new Error('the photo is not in the archive');
      const meta = await sharp(image).metadata();
      expect(meta.exif).toBeUndefined();
      expect(hasGps(meta.exif)).toBe(false);
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

  it('ships the original file, EXIF and GPS included, at VERY_HIGH with keep_original_media', async () => {
    const exportJob = await fixture.runtime.exports.create(communityId, {
      data_types: 'POSTS_YOUR_ACTIVITY',
      dyi_format: 'JSON',
      media_quality: 'VERY_HIGH',
      keep_original_media: true,
      start_time: '2025-01-01T00:00:00Z',
      end_time: '2026-01-01T00:00:00Z',
    });
    await runExport(fixture.runtime, exportJob.id);
    const parts = await userArchive(fixture, exportJob.id);
    const image = entryOf(parts, 'media/photographer-file-1.jpg');
    if (!image) throw new Error('the photo is not in the archive');
    expect(image.equals(photo)).toBe(true);
    const meta = await sharp(image).metadata();
    expect(meta.exif?.includes('PhoneMaker')).toBe(true);
    expect(hasGps(meta.exif)).toBe(true);
    expect(meta.xmp?.includes('XmpOwnerName')).toBe(true);
    const manifest = JSON.parse(entryOf(parts, 'manifest-part-1.json')?.toString() ?? '{}');
    expect(manifest).toMatchObject({ media_quality: 'VERY_HIGH', keep_original_media: true });
  }, 60_000);

  it.each(MEDIA_QUALITIES.filter((quality) => quality !== 'VERY_HIGH'))(
    'refuses keep_original_media at %s, which resizes and cleans images',
    async (quality) => {
      const before = await fixture.runtime.exports.count(communityId);
      await expect(
        fixture.runtime.exports.create(communityId, {
          data_types: 'POSTS_YOUR_ACTIVITY',
          media_quality: quality,
          keep_original_media: 'true',
        }),
      ).rejects.toThrow(`needs media_quality=VERY_HIGH; got media_quality=${quality}`);
      expect(await fixture.runtime.exports.count(communityId)).toBe(before);
    },
  );
});

describe('a shared chat exported with withhold_others_media', () => {
  let fixture: GraphFixture;
  let communityId: string;
  let ann: string;
  let zoe: string;
  const ANN_PHOTO = 'media/ann-photo.jpg';
  const ZOE_PHOTO = 'media/zoe-photo.jpg';

  beforeAll(async () => {
    fixture = await startGraphFixture();
    communityId = (await fixture.runtime.communities.create('Shared chat')).id;
    const senders = [
      { sourceId: 'ann', name: 'Ann Archer', photo: await phonePhoto('AnnCam') },
      { sourceId: 'zoe', name: 'Zoë Ölund', photo: await phonePhoto('ZoeCam') },
    ];
    [ann = '', zoe = ''] = await addPhotoChat(fixture.runtime, communityId, senders, POST_TIME);
  });

  afterAll(async () => {
    await fixture.close();
  });

  async function exportChat(options: RawExportInput): Promise<string> {
    const exportJob = await fixture.runtime.exports.create(communityId, {
      data_types: 'MESSENGER_V2',
      dyi_format: 'HTML_AND_JSON',
      media_quality: 'MEDIUM',
      start_time: '2025-01-01T00:00:00Z',
      end_time: '2026-01-01T00:00:00Z',
      ...options,
    });
    await runExport(fixture.runtime, exportJob.id);
    return exportJob.id;
  }

  it('gives each member both photos without the option', async () => {
    const exportId = await exportChat({});
    for (const member of [ann, zoe]) {
      const parts = await userArchive(fixture, exportId, member);
      expect(entryOf(parts, ANN_PHOTO)).toBeDefined();
      expect(entryOf(parts, ZOE_PHOTO)).toBeDefined();
    }
  }, 60_000);

  it("names each member's archive by id and a slug of the name, in the API and the parts index", async () => {
    const exportId = await exportChat({});
    const jobs = await filesOfExport(fixture.runtime, exportId);
    for (const [member, slug] of [
      [ann, 'ann-archer'],
      [zoe, 'zoe-olund'],
    ] as const) {
      const files = jobs.find((job) => job.job.userId === member)?.files ?? [];
      expect(files.length).toBeGreaterThan(0);
      const names = files.map(({ file }) => file.name);
      expect(names).toEqual(files.map((_, i) => `user-${member}-${slug}-part-${i + 1}.zip`));
      const last = await readZip(files.at(-1)?.bytes ?? Buffer.alloc(0));
      const index = JSON.parse(last.get('parts-index.json')?.toString() ?? '{}');
      expect(index.parts.map((part: { file_name: string }) => part.file_name)).toEqual(names);
    }
  }, 60_000);

  it.each([
    ['Ann', ANN_PHOTO, ZOE_PHOTO],
    ['Zoë', ZOE_PHOTO, ANN_PHOTO],
  ])(
    "gives %s their own photo only; the other's stays referenced, marked as withheld",
    async (who, own, others) => {
      const exportId = await exportChat({ withhold_others_media: 'true' });
      const member = who === 'Ann' ? ann : zoe;
      const parts = await userArchive(fixture, exportId, member);
      expect(entryOf(parts, own)).toBeDefined();
      expect(entryOf(parts, others)).toBeUndefined();

      const manifests = parts.flatMap((part) =>
        [...part].filter(([path]) => /^manifest-part-\d+\.json$/.test(path)),
      );
      const leftOut = manifests.flatMap(([, bytes]) => JSON.parse(bytes.toString()).left_out);
      expect(leftOut).toEqual([{ item: others, reason: WITHHELD_REASON }]);
      expect(JSON.parse(manifests[0]?.[1].toString() ?? '{}')).toMatchObject({
        withhold_others_media: true,
      });

      const pages = parts.flatMap((part) =>
        [...part].filter(([path]) => path.endsWith('.html')).map(([, bytes]) => bytes.toString()),
      );
      const othersFile = others.slice('media/'.length);
      const page = pages.find((html) => html.includes(othersFile)) ?? '';
      expect(page).toContain(WITHHELD_REASON);
      expect(page).not.toMatch(new RegExp(`(src|href)="[^"]*${othersFile}"`));
      expect(page).toMatch(new RegExp(`src="[^"]*${own.slice('media/'.length)}"`));

      const job = (await fixture.runtime.metadata.jobs.listUserJobs(exportId, { limit: 10 })).items;
      expect(job.find((j) => j.userId === member)?.leftOutCount).toBe(1);
    },
    60_000,
  );
});
