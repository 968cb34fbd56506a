/**
 * @module
 * What `dyi backup` keeps when the server deletes blobs while the backup runs: an export's
 * files deleted (as the retention sweep and an export delete do, `deletePrefix`) and a
 * community's media removed, both after the database snapshot was taken, are still in the
 * backup, with the SHA-256 the snapshot records, and the backup restores and verifies. The
 * staging links are gone afterwards, and an `--out` that is not empty is refused.
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { seedCommunity } from '../src/content/seed-community.js';
import { openRuntime } from '../src/runtime.js';
import { runExport } from './support/archives.js';
import { backupDeployment } from '../src/services/deployment-backup.js';
import { restoreDeployment } from '../src/services/deployment-restore.js';

let scratch: string;
let dataDir: string;
let exportId: string;
let communityId: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'dyi-backup-deletes-'));
  dataDir = path.join(scratch, 'live');
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  try {
    ({ communityId } = await seedCommunity(runtime, { users: 4, seed: 11 }));
    const created = await runtime.exports.create(communityId, {
      data_types: 'WORKPLACE_COMPANY_METADATA_USER_PROFILE,POSTS_YOUR_ACTIVITY',
      dyi_format: 'JSON',
      media_quality: 'LOW',
      start_time: '2024-01-01T00:00:00Z',
      end_time: '2026-01-01T00:00:00Z',
    });
    exportId = created.id;
    await runExport(runtime, exportId);
  } finally {
    await runtime.close();
  }
}, 120_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

it('keeps blobs the snapshot refers to when they are deleted during the backup', async () => {
  const blobRoot = path.join(dataDir, 'blobs');
  const out = path.join(scratch, 'backup');
  let deleted = false;
  const manifest = await backupDeployment({
    dataDir,
    blobRoot,
    out,
    onProgress: (step) => {
      // The snapshot is taken; the blobs are not copied yet: the server deletes them now.
      if (step.kind !== 'blobs' || deleted) return;
      deleted = true;
      rmSync(path.join(blobRoot, 'exports', exportId), { recursive: true });
      rmSync(path.join(blobRoot, 'media', communityId), { recursive: true });
    },
  });
  expect(deleted).toBe(true);
  const exportBlobs = manifest.files.filter((entry) =>
    entry.path.startsWith(`blobs/exports/${exportId}/`),
  );
  const mediaBlobs = manifest.files.filter((entry) =>
    entry.path.startsWith(`blobs/media/${communityId}/`),
  );
  expect(exportBlobs.length).toBe(manifest.counts.files);
  expect(exportBlobs.length).toBeGreaterThan(0);
  expect(mediaBlobs.length).toBeGreaterThan(0);
  expect(manifest.counts.blobs).toBe(exportBlobs.length + mediaBlobs.length);
  // The staging links are gone with the backup.
  expect(await readdir(path.join(blobRoot, '.tmp'))).toEqual([]);

  const restored = path.join(scratch, 'restored');
  const again = await restoreDeployment({ from: out, dataDir: restored });
  expect(again.files).toEqual(manifest.files);
});

it('refuses an --out that is not empty, writing nothing', async () => {
  const out = path.join(scratch, 'occupied');
  await mkdir(out);
  await writeFile(path.join(out, 'keep.txt'), 'mine');
  await expect(
    backupDeployment({ dataDir, blobRoot: path.join(dataDir, 'blobs'), out }),
  ).rejects.toThrow(
    `${out} is not empty (it holds keep.txt): name a new or empty directory for the backup; nothing was written.`,
  );
  expect(await readdir(out)).toEqual(['keep.txt']);
});
