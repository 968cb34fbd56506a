/**
 * `BlobCleanupService` on a real runtime (SQLite, local-disk blobs) in a temp dir: media that
 * no record names are removed once past the grace period, media that a record names or that
 * were stored lately are kept, unfinished writes of a dead process go too, and a scheduled
 * clean-up sweeps at once (start-up) and reports what it removed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { TempFileOwners } from '../adapters/local-disk/temp-file-owners.js';
import { loadConfig } from '../config.js';
import { blobKeyForMedia } from '../ports/blob-store.js';
import { openRuntime, type Runtime } from '../runtime.js';
import type { BlobCleanupReport } from './blob-cleanup-service.js';
import type { ImportFilesOptions } from './import-service.js';

const HOUR_MS = 3600 * 1000;

let dataDir: string;
let runtime: Runtime;
let communityId: string;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-cleanup-'));
  runtime = await openRuntime(
    loadConfig({}, { dataDir, logLevel: 'silent', orphanMediaGraceSeconds: 3600 }),
  );
  communityId = (await runtime.communities.create('Acme')).id;
});

afterEach(async () => {
  await runtime.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Stores bytes as a media blob of the community, last used `ageMs` ago. */
async function mediaBlob(text: string, ageMs: number): Promise<string> {
  const key = blobKeyForMedia(communityId, createHash('sha256').update(text).digest('hex'));
  await runtime.blobs.put(key, Readable.from([Buffer.from(text)]));
  const then = new Date(Date.now() - ageMs);
  await utimes(path.join(dataDir, 'blobs', key), then, then);
  return key;
}

/** Imports one media record naming `file` (written with `text`). */
async function importMedia(text: string, options: ImportFilesOptions = {}): Promise<void> {
  const input = path.join(dataDir, 'input');
  await mkdir(input, { recursive: true });
  await writeFile(path.join(input, 'named.txt'), text);
  const lines = [
    { type: 'member', id: 'm1', name: 'Ann', created_time: 1714555800 },
    { type: 'media', id: 'x1', owner: 'm1', file: 'named.txt', created_time: 1714555800 },
  ];
  await writeFile(path.join(input, 'm.ndjson'), lines.map((l) => JSON.stringify(l)).join('\n'));
  await runtime.imports.importFiles(communityId, [path.join(input, 'm.ndjson')], options);
}

it('removes media no record names once past the grace period, and keeps the others', async () => {
  await importMedia('named bytes');
  const named = blobKeyForMedia(communityId, sha256('named bytes'));
  const then = new Date(Date.now() - 2 * HOUR_MS);
  await utimes(path.join(dataDir, 'blobs', named), then, then);
  // What a killed import leaves: bytes stored, no record written.
  const orphans = [
    await mediaBlob('orphan one', 2 * HOUR_MS),
    await mediaBlob('orphan 2', 3 * HOUR_MS),
  ];
  const recent = await mediaBlob('stored a minute ago', 60_000);

  const report = await runtime.cleanup.sweep();

  expect(report.orphanMedia).toEqual({ count: 2, bytes: 'orphan one'.length + 'orphan 2'.length });
  for (const key of orphans) expect(await runtime.blobs.stat(key)).toBeUndefined();
  expect(await runtime.blobs.stat(named)).toEqual({ size: 'named bytes'.length });
  expect(await runtime.blobs.stat(recent)).toEqual({ size: 'stored a minute ago'.length });
  expect(await runtime.cleanup.sweep()).toEqual({
    abandonedWrites: { count: 0, bytes: 0 },
    orphanMedia: { count: 0, bytes: 0 },
  });
});

it('keeps an old unnamed blob that an import uses again', async () => {
  const key = await mediaBlob('used again', 2 * HOUR_MS);
  await importMedia('used again');
  // Named now; and the import touched it, so it would be kept even before its record existed.
  expect((await runtime.cleanup.sweep()).orphanMedia.count).toBe(0);
  expect(await runtime.blobs.stat(key)).toEqual({ size: 'used again'.length });
  for await (const listed of runtime.blobs.list(`media/${communityId}/`)) {
    expect(listed.modifiedMs).toBeGreaterThan(Date.now() - HOUR_MS);
  }
});

it('puts back the bytes of an import that a clean-up removed before its records were written', async () => {
  const key = blobKeyForMedia(communityId, sha256('raced bytes'));
  await importMedia('raced bytes', {
    // Right after the write: a sweep that read the records before the write removed the blob.
    onProgress: (progress) => {
      if (progress.phase === 'write' && progress.done > 0) {
        rmSync(path.join(dataDir, 'blobs', key));
      }
    },
  });
  expect(await runtime.blobs.stat(key)).toEqual({ size: 'raced bytes'.length });
});

it('sweeps at start, removing the unfinished writes of a dead process, and reports it', async () => {
  const scope = (await TempFileOwners.forThisProcess()).newName().split('-')[0] ?? '';
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  const temp = path.join(dataDir, 'blobs', '.tmp');
  await writeFile(path.join(temp, `${scope}-${child.pid}-left`), Buffer.alloc(1000));
  await writeFile(path.join(temp, `${scope}-${process.pid}-running`), Buffer.alloc(10));
  const orphan = await mediaBlob('orphan', 2 * HOUR_MS);

  const reports: BlobCleanupReport[] = [];
  const schedule = runtime.cleanup.start(
    3600,
    (report) => reports.push(report),
    (error) => {
      throw error;
    },
  );
  await schedule.stop();

  expect(reports).toEqual([
    {
      abandonedWrites: { count: 1, bytes: 1000 },
      orphanMedia: { count: 1, bytes: 'orphan'.length },
    },
  ]);
  expect(await readdir(temp)).toEqual([`${scope}-${process.pid}-running`]);
  expect(await runtime.blobs.stat(orphan)).toBeUndefined();
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
