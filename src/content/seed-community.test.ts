/**
 * `seedCommunity` on a real runtime in a temporary data directory: what it reports is what the
 * stores hold, every media record's bytes are in the blob store, its active members are the
 * members exports plan jobs for, and seeding again with the same seed changes nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { ValidationError } from '../domain/index.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { seedCommunity, type SeedReport } from './seed-community.js';
import { generateSyntheticCommunity } from './synthetic-community.js';

const USERS = 20;
const SEED = 9;

let dataDir: string;
let runtime: Runtime;
let report: SeedReport;
const progress: [number, number][] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-seed-'));
  runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  report = await seedCommunity(runtime, {
    users: USERS,
    seed: SEED,
    name: 'Seeded',
    onProgress: (done, total) => progress.push([done, total]),
  });
});

afterAll(async () => {
  await runtime.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Bytes of a blob, read back through the store. */
async function readBlob(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await runtime.blobs.openRead(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('seedCommunity', () => {
  it('stores as many records of each kind as the generator makes', async () => {
    const community = await runtime.communities.get(report.communityId);
    expect(community.name).toBe('Seeded');
    const counts = await runtime.content.counts(report.communityId);
    expect(counts).toEqual(report.records);
    // Record counts do not depend on which files media point to, so any files will do here.
    const generated: Record<string, number> = {};
    const files = [
      { name: 'x.jpg', contentType: 'image/jpeg', size: 1, sha256: '0'.repeat(64), blobKey: 'x' },
      { name: 'x.txt', contentType: 'text/plain', size: 1, sha256: '1'.repeat(64), blobKey: 'y' },
    ];
    for (const batch of generateSyntheticCommunity({ users: USERS, seed: SEED, files })) {
      for (const record of batch.records)
        generated[record.type] = (generated[record.type] ?? 0) + 1;
    }
    expect(Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0))).toEqual(generated);
    expect(report.totalRecords).toBe(Object.values(generated).reduce((a, b) => a + b, 0));
    expect(progress).toEqual([
      [0, USERS],
      [USERS, USERS],
    ]);
  });

  it('makes the active members of the content the community members exports plan for', async () => {
    const active: string[] = [];
    for await (const member of runtime.content.query(report.communityId, { kind: 'member' })) {
      if (member.status === 'active') active.push(member.id);
    }
    expect(active.length).toBeGreaterThan(0);
    const ids = await runtime.metadata.members.listActiveIds(report.communityId);
    const sourceIds = await Promise.all(
      ids.map(async (id) => (await runtime.content.member(report.communityId, id))?.sourceId),
    );
    expect(sourceIds.sort()).toEqual(active.sort());
  });

  it('puts the bytes of every media record in the blob store, images as JPEGs', async () => {
    const keys = new Map<string, { size: number; type: string }>();
    for await (const media of runtime.content.query(report.communityId, { kind: 'media' })) {
      expect(media.blob_key).toBe(`media/${report.communityId}/${media.sha256}`);
      keys.set(media.blob_key, { size: media.size, type: media.content_type });
    }
    expect(keys.size).toBeGreaterThan(3);
    expect(report.media.count).toBe(report.records.media);
    expect(report.blobs.count).toBeGreaterThanOrEqual(keys.size);
    for (const [key, { size }] of keys) expect(await runtime.blobs.stat(key)).toEqual({ size });
    const [imageKey] = [...keys].find(([, file]) => file.type === 'image/jpeg') ?? [];
    const metadata = await sharp(await readBlob(imageKey ?? 'none')).metadata();
    expect(metadata.format).toBe('jpeg');
  });

  it('changes nothing when seeded again into the same community with the same seed', async () => {
    const again = await seedCommunity(runtime, {
      users: USERS,
      seed: SEED,
      communityId: report.communityId,
    });
    expect(again.records).toEqual(report.records);
    expect(await runtime.content.counts(report.communityId)).toEqual(report.records);
  });

  it('gives every image record a photo of its own with distinctImages, the same for the same seed', async () => {
    const imagesOf = async (communityId: string) => {
      const images = new Map<string, { sha256: string; size: number }>();
      for await (const media of runtime.content.query(communityId, { kind: 'media' })) {
        if (media.content_type === 'image/jpeg') {
          images.set(media.id, { sha256: media.sha256, size: media.size });
        }
      }
      return images;
    };
    const seedDistinct = (name: string) =>
      seedCommunity(runtime, { users: 3, seed: SEED, name, distinctImages: true });
    const first = await seedDistinct('Distinct one');
    const second = await seedDistinct('Distinct two');
    const images = await imagesOf(first.communityId);
    expect(images.size).toBeGreaterThan(5);
    // No two records share a picture, and none is a pool picture.
    const hashes = [...images.values()].map((image) => image.sha256);
    const pool = new Set([...(await imagesOf(report.communityId)).values()].map((i) => i.sha256));
    expect(new Set(hashes).size).toBe(images.size);
    expect(hashes.filter((hash) => pool.has(hash))).toEqual([]);
    // The pool's 22 files plus one per image record.
    expect(first.blobs.count).toBe(22 + images.size);
    // Same seed, same bytes, record by record.
    expect([...(await imagesOf(second.communityId))]).toEqual([...images]);
    const [, image] = [...images][0] ?? [];
    const key = `media/${first.communityId}/${image?.sha256 ?? ''}`;
    const bytes = await readBlob(key);
    expect(bytes.length).toBe(image?.size);
    expect((await sharp(bytes).metadata()).format).toBe('jpeg');
  });

  it('refuses a number of users out of range, naming the range', async () => {
    for (const users of [0, 100_001, 1.5]) {
      const seeding = seedCommunity(runtime, { users, seed: 1 });
      await expect(seeding).rejects.toThrow(ValidationError);
      await expect(seeding).rejects.toThrow('from 1 to 100000');
    }
  });
});
