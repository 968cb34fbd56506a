/**
 * What an import stores, row for row: the synthetic community of 40 members (seed 1) as
 * NDJSON without media, the way `bench/import-vs-sqlite.ts` writes it, in two files, every
 * fifth line with its keys in reverse order, imported into a fresh runtime. The hash of every
 * row it leaves (`content_records` with their rowids, `content_involves`, `objects`, `members`)
 * was taken with the import as it was before its read and check phases were reworked for
 * speed (issue 16), so a change to the stored bytes, to their order or to the ids members get
 * fails here.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { importNdjson } from './ndjson-importer.js';
import { generateSyntheticCommunity, importLineOf } from './synthetic-community.js';

/** sha256 of `storedRows` after the import, as the import before issue 16 left them. */
const ROWS_SHA256 = '46d45d83588a20326b9afe2c112effbf44452f6f642aecf66e626e4505938a7c';

let dataDir: string;
let runtime: Runtime;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-import-rows-'));
  runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
});

afterEach(async () => {
  await runtime.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function writeInput(): Promise<string[]> {
  const image = {
    name: 'p1.jpg',
    contentType: 'image/jpeg',
    size: 4096,
    sha256: 'a'.repeat(64),
    blobKey: `media/0/${'a'.repeat(64)}`,
  };
  const texts = ['', ''];
  let count = 0;
  for (const batch of generateSyntheticCommunity({ users: 40, seed: 1, files: [image] })) {
    for (const record of batch.records) {
      const line = importLineOf(record);
      if (line === undefined) continue;
      const shaped = count % 5 === 4 ? Object.fromEntries(Object.entries(line).reverse()) : line;
      texts[count < 2_000 ? 0 : 1] += `${JSON.stringify(shaped)}\n`;
      count += 1;
    }
  }
  const files = texts.map((_, index) => path.join(dataDir, `part-${index + 1}.ndjson`));
  await Promise.all(files.map((file, index) => writeFile(file, texts[index] ?? '')));
  return files;
}

/** Every row the import can write, in a fixed order, one JSON array a line. */
function storedRows(): string {
  const db = new Database(path.join(dataDir, 'dyi.sqlite'), { readonly: true });
  try {
    return [
      'SELECT rowid, * FROM content_records ORDER BY rowid',
      'SELECT * FROM content_involves ORDER BY community_id, kind, id, member',
      'SELECT * FROM objects ORDER BY id',
      'SELECT * FROM members ORDER BY id',
    ]
      .flatMap((sql) => db.prepare(sql).raw().all())
      .map((row) => `${JSON.stringify(row)}\n`)
      .join('');
  } finally {
    db.close();
  }
}

it('stores the rows the import stored before it was made faster', async () => {
  const communityId = (await runtime.communities.create('Acme')).id;
  const files = await writeInput();
  const report = await importNdjson({
    content: runtime.content,
    blobs: runtime.blobs,
    communityId,
    files,
  });
  const rows = storedRows();
  expect(Object.values(report.records).reduce((sum, n) => sum + n, 0)).toBeGreaterThan(4_000);
  expect(createHash('sha256').update(rows).digest('hex')).toBe(ROWS_SHA256);
});
