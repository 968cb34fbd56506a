/**
 * @module
 * Privacy by default, checked on real archives: a phone photo with camera EXIF, GPS and XMP,
 * attached to a post, is exported at every media quality; the image read back from the
 * member's archive (with sharp's `metadata()`) carries none of it, keeps its format, and is
 * within the quality's longest edge. `VERY_HIGH` keeps the photo's pixels; only with
 * `keep_original_media` does it keep the file itself, metadata included. With
 * `withhold_others_media`, a photo another person sent to a shared chat is not in a member's
 * archive, and the archive says it was withheld. Each member's archive files carry their id
 * and a slug of their name. Videos are copied as they are, location included, and count at
 * their full size towards the part and job limits.
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

/** Creates an export of the test content's year (2025) and runs it; answers its id. */
async function runYearExport(
  fixture: GraphFixture,
  communityId: string,
  input: RawExportInput,
): Promise<string> {
  const exportJob = await fixture.runtime.exports.create(communityId, {
    start_time: '2025-01-01T00:00:00Z',
    end_time: '2026-01-01T00:00:00Z',
    ...input,
  });
  await runExport(fixture.runtime, exportJob.id);
  return exportJob.id;
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
      const exportId = await runYearExport(fixture, communityId, {
        data_types: 'POSTS_YOUR_ACTIVITY',
        dyi_format: 'JSON',
        media_quality: quality,
      });
      const parts = await userArchive(fixture, exportId);
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
    const exportId = await runYearExport(fixture, communityId, {
      data_types: 'POSTS_YOUR_ACTIVITY',
      dyi_format: 'JSON',
      media_quality: 'VERY_HIGH',
      keep_original_media: true,
    });
    const parts = await userArchive(fixture, exportId);
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

  function exportChat(options: RawExportInput): Promise<string> {
    return runYearExport(fixture, communityId, {
      data_types: 'MESSENGER_V2',
      dyi_format: 'HTML_AND_JSON',
      media_quality: 'MEDIUM',
      ...options,
    });
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
      // The conversation's page shows the member's own photo and marks the other's withheld.
      const shown = new RegExp(`src="[^"]*${own.slice('media/'.length)}"`);
      const page = pages.find((html) => shown.test(html)) ?? '';
      expect(page).toContain(WITHHELD_REASON);
      expect(page).not.toMatch(new RegExp(`(src|href)="[^"]*${others.slice('media/'.length)}"`));

      const job = (await fixture.runtime.metadata.jobs.listUserJobs(exportId, { limit: 10 })).items;
      expect(job.find((j) => j.userId === member)?.leftOutCount).toBe(1);
    },
    60_000,
  );
});

/** An MP4 as a phone writes it: its header, a user-data box with the place it was filmed, data. */
function phoneVideo(bytes: number): Buffer {
  const box = (type: string, body: Buffer) => {
    const header = Buffer.alloc(8);
    header.writeUInt32BE(8 + body.length, 0);
    header.write(type, 4, 'latin1');
    return Buffer.concat([header, body]);
  };
  const head = Buffer.concat([
    box('ftyp', Buffer.from('mp42\0\0\0\0mp42isom', 'latin1')),
    box('udta', box('\xa9xyz', Buffer.from('+48.8584+002.2945/', 'latin1'))),
  ]);
  const data = Buffer.alloc(bytes - head.length - 8);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  return Buffer.concat([head, box('mdat', data)]);
}

describe('videos in an export', () => {
  const PART_BYTES = 256 * 1024;
  const JOB_BYTES = 1024 * 1024;
  const VIDEO_BYTES = 100 * 1024;
  let fixture: GraphFixture;
  let communityId: string;

  beforeAll(async () => {
    fixture = await startGraphFixture({ maxPartBytes: PART_BYTES, maxJobBytes: JOB_BYTES });
    communityId = (await fixture.runtime.communities.create('Videos')).id;
  });

  afterAll(async () => {
    await fixture.close();
  });

  /** A member with `posts` posts, each attaching the video; their export at VERY_LOW. */
  async function exportVideos(sourceId: string, posts: number, video: Buffer) {
    const { memberId } = await addBulkyMember(fixture.runtime, communityId, {
      sourceId,
      posts,
      fileBytes: video.length,
      time: POST_TIME,
      contentType: 'video/mp4',
      file: video,
    });
    const exportJob = await fixture.runtime.exports.create(communityId, {
      data_types: 'POSTS_YOUR_ACTIVITY',
      dyi_format: 'JSON',
      media_quality: 'VERY_LOW',
      user_ids: memberId,
      start_time: '2025-01-01T00:00:00Z',
      end_time: '2026-01-01T00:00:00Z',
    });
    const outcomes = await runExport(fixture.runtime, exportJob.id);
    const jobs = await filesOfExport(fixture.runtime, exportJob.id);
    const job = jobs.find((each) => each.job.userId === memberId);
    if (!job) throw new Error(`no job for ${sourceId}`);
    return { outcome: outcomes.get(job.job.id), job };
  }

  it('copies each video byte for byte at the lowest quality, location included, across parts', async () => {
    const video = phoneVideo(VIDEO_BYTES);
    const { outcome, job } = await exportVideos('filmmaker', 4, video);
    expect(outcome).toBe('COMPLETED');
    const parts = await Promise.all(job.files.map(({ bytes }) => readZip(bytes)));
    for (let i = 1; i <= 4; i++) {
      const copy = entryOf(parts, `media/filmmaker-file-${i}.mp4`);
      expect(copy?.equals(video)).toBe(true);
      expect(copy?.includes('+48.8584+002.2945/')).toBe(true);
    }
    // Four videos of 100 KiB do not fit in parts of 256 KiB: their size counts.
    expect(job.files.length).toBeGreaterThanOrEqual(2);
    for (const { file } of job.files) expect(file.size).toBeLessThanOrEqual(PART_BYTES);
  }, 60_000);

  it('leaves out a video larger than a whole part, saying why', async () => {
    const { outcome, job } = await exportVideos('longtake', 1, phoneVideo(PART_BYTES + 1024));
    expect(outcome).toBe('COMPLETED');
    expect(job.job.leftOutCount).toBe(1);
    const parts = await Promise.all(job.files.map(({ bytes }) => readZip(bytes)));
    expect(entryOf(parts, 'media/longtake-file-1.mp4')).toBeUndefined();
    const manifest = JSON.parse(entryOf(parts, 'manifest-part-1.json')?.toString() ?? '{}');
    expect(manifest.left_out).toEqual([
      {
        item: 'media/longtake-file-1.mp4',
        reason: expect.stringContaining(
          `(${(PART_BYTES + 1024).toLocaleString('en-US')} bytes) does not fit in one part`,
        ),
      },
    ]);
  }, 60_000);

  it('aborts ARCHIVE_TOO_BIG when the videos pass the job limit', async () => {
    const { outcome, job } = await exportVideos('marathon', 12, phoneVideo(VIDEO_BYTES));
    expect(outcome).toBe('ABORTED');
    const aborted = await fixture.runtime.metadata.jobs.get(job.job.id);
    expect(aborted?.abortReason).toBe('ARCHIVE_TOO_BIG');
    expect(aborted?.stateMessage).toContain(
      `above the limit of 1 MiB (${JOB_BYTES.toLocaleString('en-US')} bytes) set by DYI_MAX_JOB_BYTES`,
    );
    expect(job.files).toEqual([]);
  }, 60_000);
});
