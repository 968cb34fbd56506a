/**
 * @module
 * Tests of the zip part writer on real files: parts are stored in a temporary folder, then
 * checked with Info-ZIP's `unzip -t` and read back with yauzl, entry by entry and against each
 * part's manifest.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import yauzl from 'yauzl';
import { LocalDiskBlobStore } from '../adapters/local-disk/local-disk-blob-store.js';
import { ArchiveTooBigError, ConfigurationError } from '../domain/errors.js';
import type { ArchiveEntry } from './archive-entry.js';
import { inlineDeflateCount } from './inline-deflate.js';
import { ZipPartWriter, type ZipPartWriterOptions } from './zip-part-writer.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** SHA-256 of each part the pinned-bytes test writes. */
const PINNED_PART_HASHES: readonly string[] = [
  'cd7b74388a167d7890618cd02cdf2342aa7edbe933ea02d72f7a64a19851291b',
  '4e41571552532675ebb5dc2eb5d1616818ecc80439c710e9a33bf214fbc61bce',
  '2293943a2a01cc2738bee9e84aea56885def13e5ac3abdb3c184f9fafc368794',
  'd69303465c499becd4b22321350bf4084711a41da79179b29b740a4aceabf993',
  '8c4408905d162efb872d998f6291931b30735093d6bc1ca25921addb40a962cf',
  'e124d27a0f146b64fbbc025a23567987d0796926c3b5fd5470a10b84d059bc42',
  '9905e74299f2f2c162fca44973aa538ea84b865cc874ae57049aacce158d3109',
  '40ec9f7b3f5693559906ea1ca3e18d55aa070f939fea351e1d4bb71fa474498e',
];

const JOB_FIELDS = { job_id: 'job-1', user_id: '100000000000002', counts: { POSTS: 3 } };

/** Writes the parts of the sources in `SOURCES` in a process of its own; prints their SHA-256. */
const CHILD_RUN = `
const { readFile } = await import('node:fs/promises');
const { createHash } = await import('node:crypto');
const { Readable } = await import('node:stream');
const { buffer } = await import('node:stream/consumers');
const { ZipPartWriter } = await import(process.env.WRITER_MODULE);
const parts = [];
const writer = new ZipPartWriter({
  maxPartBytes: ${200 * KiB},
  maxJobBytes: 2 ** 30,
  manifest: ${JSON.stringify(JOB_FIELDS)},
  partFileName: (n) => \`part-\${n}.zip\`,
  storePart: async (n, body) => { parts[n - 1] = await buffer(body); },
});
for (const s of JSON.parse(await readFile(process.env.SOURCES, 'utf8'))) {
  const bytes = Buffer.from(s.bytes, 'base64');
  await writer.add(s.kind === 'text'
    ? { kind: 'text', path: s.path, data: bytes }
    : { kind: 'media', path: s.path, size: bytes.length, open: async () => Readable.from([bytes]) });
}
await writer.finish();
console.log(JSON.stringify({
  offset: new Date(1980, 0, 1).getTimezoneOffset(),
  parts: parts.map((part) => createHash('sha256').update(part).digest('hex')),
}));
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zip-part-writer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Deterministic bytes that do not compress: SHA-256 blocks of a seed and a counter. */
function noise(seed: string, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 0; i * 32 < length; i++)
    blocks.push(createHash('sha256').update(`${seed}/${i}`).digest());
  return Buffer.concat(blocks).subarray(0, length);
}

/** Compressible text, like a rendered JSON file. */
function text(seed: number, length: number): Buffer {
  const line = `{"id": "${seed}", "message": "Post number ${seed} about the quarterly plan"},\n`;
  return Buffer.from(line.repeat(Math.ceil(length / line.length)).slice(0, length));
}

interface Source {
  readonly path: string;
  readonly kind: 'text' | 'media';
  readonly bytes: Buffer;
}

/** `held`: media come held in memory with their SHA-256, as scaled images do. */
function toEntry(source: Source, held = false): ArchiveEntry {
  return source.kind === 'text'
    ? { kind: 'text', path: source.path, data: source.bytes }
    : {
        kind: 'media',
        path: source.path,
        size: source.bytes.length,
        // Several chunks, as a file read would give.
        open: () =>
          Promise.resolve(Readable.from(chunksOf(source.bytes, 16 * KiB), { objectMode: false })),
        ...(held && { held: { data: source.bytes, sha256: sha256(source.bytes) } }),
      };
}

function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

/** Text (compressible, and some random that deflate cannot shrink) and media of many sizes. */
function mixedSources(): Source[] {
  const sources: Source[] = [];
  for (let i = 0; i < 40; i++) {
    const size = [0, 1, 700, 5 * KiB, 30 * KiB, 61 * KiB, 90 * KiB, 150 * KiB][i % 8] ?? 0;
    if (i % 3 === 0)
      sources.push({ path: `posts/your_posts_${i}.json`, kind: 'text', bytes: text(i, size) });
    else if (i % 3 === 1)
      sources.push({ path: `raw/random_${i}.bin`, kind: 'text', bytes: noise(`t${i}`, size) });
    else sources.push({ path: `media/m${i}.jpg`, kind: 'media', bytes: noise(`m${i}`, size) });
  }
  return sources;
}

interface Stored {
  readonly files: string[];
  readonly storeErrors: unknown[];
}

function writerFor(options: Partial<ZipPartWriterOptions> & { folder?: string }): {
  writer: ZipPartWriter;
  stored: Stored;
} {
  const folder = options.folder ?? dir;
  const stored: Stored = { files: [], storeErrors: [] };
  const writer = new ZipPartWriter({
    maxPartBytes: 64 * KiB,
    maxJobBytes: 1024 * MiB,
    manifest: JOB_FIELDS,
    partFileName: (partNumber) => `part-${partNumber}.zip`,
    storePart: async (partNumber, body) => {
      const file = join(folder, `part-${partNumber}.zip`);
      stored.files.push(file);
      try {
        await pipeline(body, createWriteStream(file));
      } catch (error) {
        stored.storeErrors.push(error);
        throw error;
      }
    },
    ...options,
  });
  return { writer, stored };
}

async function writeAll(
  sources: readonly Source[],
  options: Partial<ZipPartWriterOptions> & { folder?: string },
) {
  const { writer, stored } = writerFor(options);
  for (const source of sources) await writer.add(toEntry(source));
  const result = await writer.finish();
  return { result, files: stored.files };
}

interface ReadEntry {
  readonly path: string;
  readonly bytes: Buffer;
  readonly method: number;
  readonly mode: number;
  readonly dosDate: number;
  readonly dosTime: number;
  readonly extraFieldIds: number[];
}

async function readZip(file: string): Promise<ReadEntry[]> {
  const zip = await yauzl.fromBufferPromise(await readFile(file), { lazyEntries: true });
  const entries: ReadEntry[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      entries.push({
        path: entry.fileName,
        bytes: await buffer(await zip.openReadStreamPromise(entry)),
        method: entry.compressionMethod,
        mode: entry.externalFileAttributes >>> 16,
        dosDate: entry.lastModFileDate,
        dosTime: entry.lastModFileTime,
        extraFieldIds: entry.extraFields.map((field) => field.id),
      });
    }
  } finally {
    zip.close();
  }
  return entries;
}

async function unzipTest(file: string): Promise<string> {
  const { stdout } = await promisify(execFile)('unzip', ['-tq', file], { maxBuffer: 64 * MiB });
  return stdout;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Checks one part as a user would: it opens alone, and its manifest matches its bytes. */
async function checkPart(file: string, partNumber: number) {
  expect(await unzipTest(file)).toContain('No errors detected');
  const entries = await readZip(file);
  const manifestEntry = entries.at(-1);
  expect(manifestEntry?.path).toBe(`manifest-part-${partNumber}.json`);
  const manifest = JSON.parse(manifestEntry?.bytes.toString() ?? '');
  expect(manifestEntry?.bytes.toString()).toBe(`${JSON.stringify(manifest, null, 2)}\n`);
  const isLast = 'part_count' in manifest;
  expect(Object.keys(manifest)).toEqual([
    'format',
    'job_id',
    'user_id',
    'counts',
    'part',
    ...(isLast ? ['part_count'] : []),
    'entries',
    'left_out',
  ]);
  // Only the last part says how many there are, and holds the part index.
  if (isLast) expect(manifest.part_count).toBe(partNumber);
  const hasIndex = entries.some((entry) => entry.path === 'parts-index.json');
  expect(hasIndex).toBe(isLast);
  expect(manifest).toMatchObject({ format: 'dyi-export/1', ...JOB_FIELDS, part: partNumber });
  const content = entries.slice(0, -1);
  expect(manifest.entries).toEqual(
    content.map((entry) => ({
      path: entry.path,
      size: entry.bytes.length,
      sha256: sha256(entry.bytes),
    })),
  );
  for (const entry of entries) {
    expect(entry.mode).toBe(0o100644);
    expect(entry.dosDate).toBe((0 << 9) | (1 << 5) | 1); // 1980-01-01
    expect(entry.dosTime).toBe(0);
    expect(entry.extraFieldIds.filter((id) => id !== 0x0001)).toEqual([]); // no timestamps
  }
  return { entries: content, manifest };
}

/** The last part's index lists every part: the others with their size and SHA-256, then itself. */
async function checkPartIndex(files: readonly string[]) {
  const last = (await readZip(files.at(-1) ?? '')).find((e) => e.path === 'parts-index.json');
  const index = JSON.parse(last?.bytes.toString() ?? '');
  expect(index).toMatchObject({ format: 'dyi-export/1', ...JOB_FIELDS, part_count: files.length });
  const parts = await Promise.all(files.slice(0, -1).map((file) => readFile(file)));
  expect(index.parts).toEqual([
    ...parts.map((bytes, i) => ({
      part: i + 1,
      file_name: `part-${i + 1}.zip`,
      size: bytes.length,
      sha256: sha256(bytes),
    })),
    { part: files.length, file_name: `part-${files.length}.zip`, size: null, sha256: null },
  ]);
}

/**
 * The run the pinned part hashes were taken from: adds awaited one by one, a left-out item
 * after every seventh from the fourth, as the job runner interleaves them; then the finish.
 */
async function writePinnedRun(
  writer: ZipPartWriter,
  sources: readonly Source[],
  held = false,
): Promise<void> {
  for (const [index, source] of sources.entries()) {
    await writer.add(toEntry(source, held));
    if (index % 7 === 3) writer.leaveOut({ item: `media:${index}`, reason: 'corrupt image' });
  }
  await writer.finish();
}

describe('ZipPartWriter', () => {
  it.each([64 * KiB, 200 * KiB, 1 * MiB])(
    'splits a mix of text and media into self-contained parts of at most %i bytes',
    async (maxPartBytes) => {
      const sources = mixedSources();
      const { result, files } = await writeAll(sources, { maxPartBytes });

      const sizes = await Promise.all(files.map(async (file) => (await stat(file)).size));
      for (const size of sizes) expect(size).toBeLessThanOrEqual(maxPartBytes);

      const written = new Map<string, ReadEntry>();
      const leftOut: { item: string; reason: string }[] = [];
      for (const [index, file] of files.entries()) {
        const { entries, manifest } = await checkPart(file, index + 1);
        for (const entry of entries) {
          if (entry.path !== 'parts-index.json') written.set(entry.path, entry);
        }
        leftOut.push(...manifest.left_out);
      }
      // Every source is either in the archive with its exact bytes, or left out with a reason.
      for (const source of sources) {
        const entry = written.get(source.path);
        if (entry === undefined) {
          expect(leftOut).toContainEqual({
            item: source.path,
            reason: expect.stringContaining(`${maxPartBytes.toLocaleString('en-US')} bytes`),
          });
          expect(source.bytes.length).toBeGreaterThan(maxPartBytes - 1024);
        } else {
          expect(entry.bytes.equals(source.bytes)).toBe(true);
          expect(entry.method).toBe(source.kind === 'text' ? 8 : 0);
        }
      }
      expect(written.size + leftOut.length).toBe(sources.length);
      await checkPartIndex(files);
      expect(result).toEqual({
        parts: files.length,
        bytes: sizes.reduce((a, b) => a + b, 0),
        leftOut: leftOut.length,
      });
      // 61 KiB still fits a 64 KiB part; what is larger than a part is left out, unless it is
      // text that deflates to less than a part.
      expect(leftOut.map((item) => item.item)).toEqual(
        sources
          .filter((s) => s.bytes.length > maxPartBytes && !s.path.startsWith('posts/'))
          .map((s) => s.path),
      );
      // Entries keep their order across parts.
      expect([...written.keys()]).toEqual(
        sources.map((s) => s.path).filter((path) => written.has(path)),
      );
    },
  );

  it('writes identical bytes on every run, whatever the time zone', async () => {
    const sources = mixedSources();
    const { files } = await writeAll(sources, { maxPartBytes: 200 * KiB });
    const here = await Promise.all(files.map(async (file) => sha256(await readFile(file))));
    const sourcesFile = join(dir, 'sources.json');
    await writeFile(
      sourcesFile,
      JSON.stringify(sources.map((s) => ({ ...s, bytes: s.bytes.toString('base64') }))),
    );
    // yazl reads the time zone once, when loaded: each run needs a process of its own.
    const runs = await Promise.all(
      ['Asia/Tokyo', 'America/Los_Angeles'].map(async (zone) => {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', '--input-type=module', '-e', CHILD_RUN],
          {
            env: {
              ...process.env,
              TZ: zone,
              WRITER_MODULE: new URL('./zip-part-writer.ts', import.meta.url).href,
              SOURCES: sourcesFile,
            },
          },
        );
        return JSON.parse(stdout);
      }),
    );
    expect(runs.map((run) => run.offset)).toEqual([-540, 480]);
    expect(here.length).toBeGreaterThan(1);
    for (const run of runs) expect(run.parts).toEqual(here);
  });

  it('writes the bytes it always wrote for the same entries', async () => {
    // Pinned from the writer of commit 218b534, before text was queued ahead of yazl: what
    // people have downloaded stays byte for byte what a new run writes. Adds are awaited and
    // left-outs come between them, as the job runner does.
    const { writer, stored } = writerFor({ maxPartBytes: 200 * KiB });
    await writePinnedRun(writer, mixedSources());
    const hashes = await Promise.all(
      stored.files.map(async (file) => sha256(await readFile(file))),
    );
    expect(hashes).toEqual(PINNED_PART_HASHES);
  });

  it('writes those same bytes when the blob store hashes the parts (partsHashedByStore)', async () => {
    // The job runner's way: the part index lists the SHA-256 the store computed while writing,
    // and the writer does not hash the parts again. The last part holds that index, so a wrong
    // or missing hash changes its pinned bytes.
    const blobs = new LocalDiskBlobStore({ root: join(dir, 'blobs') });
    await blobs.init();
    const keys: string[] = [];
    const writer = new ZipPartWriter({
      maxPartBytes: 200 * KiB,
      maxJobBytes: 1024 * MiB,
      manifest: JOB_FIELDS,
      partFileName: (partNumber) => `part-${partNumber}.zip`,
      storePart: async (partNumber, body) => {
        keys.push(`parts/${partNumber}`);
        return blobs.put(`parts/${partNumber}`, body);
      },
      partsHashedByStore: true,
    });
    await writePinnedRun(writer, mixedSources());
    const hashes = await Promise.all(
      keys.map(async (key) => sha256(await readFile(join(dir, 'blobs', key)))),
    );
    expect(hashes).toEqual(PINNED_PART_HASHES);
    expect(writer.storedParts.map((part) => part.sha256)).toEqual(PINNED_PART_HASHES);
  });

  it('fails when a store that should hash the parts resolves without a SHA-256', async () => {
    const { writer, stored } = writerFor({ maxPartBytes: 64 * KiB, partsHashedByStore: true });
    for (const source of mixedSources().slice(0, 12)) {
      const added = writer.add(toEntry(source));
      if ((await added.catch((error: unknown) => error)) instanceof Error) break;
    }
    await expect(writer.finish()).rejects.toThrow(
      'storePart(1) resolved without the SHA-256 of the part it stored',
    );
    expect(stored.files.length).toBeGreaterThan(0);
  });

  it('writes those same bytes when it deflates on its own thread', async () => {
    const { writer, stored } = writerFor({ maxPartBytes: 200 * KiB, deflateOnOwnThread: true });
    const before = inlineDeflateCount();
    const sources = mixedSources();
    await writePinnedRun(writer, sources);
    const hashes = await Promise.all(
      stored.files.map(async (file) => sha256(await readFile(file))),
    );
    expect(hashes).toEqual(PINNED_PART_HASHES);
    // Every deflated entry took this thread's path: the text, each part's manifest, the index.
    const texts = sources.filter((source) => source.kind === 'text').length;
    expect(inlineDeflateCount() - before).toBe(texts + PINNED_PART_HASHES.length + 1);
  });

  it('writes those same bytes when media are held in memory with their SHA-256', async () => {
    // Held media are queued like text and not hashed again: the manifests list the SHA-256
    // they came with, so a wrong one, or other bytes, would change the pinned parts.
    const { writer, stored } = writerFor({ maxPartBytes: 200 * KiB, deflateOnOwnThread: true });
    const sources = mixedSources();
    expect(sources.filter((source) => source.kind === 'media').length).toBeGreaterThan(10);
    await writePinnedRun(writer, sources, true);
    const hashes = await Promise.all(
      stored.files.map(async (file) => sha256(await readFile(file))),
    );
    expect(hashes).toEqual(PINNED_PART_HASHES);
    for (const [index, file] of stored.files.entries()) await checkPart(file, index + 1);
  });

  it('fails on held media whose bytes are not as many as its size says', async () => {
    const { writer } = writerFor({});
    const data = noise('held', 3 * KiB);
    const entry = {
      ...({ kind: 'media', path: 'media/short.jpg', size: data.length + 1 } as const),
      open: () => Promise.resolve(Readable.from([data])),
      held: { data, sha256: sha256(data) },
    };
    await expect(writer.add(entry)).rejects.toThrow(
      `A media entry of ${3 * KiB + 1} bytes holds ${3 * KiB} bytes`,
    );
  });

  it('writes the same parts deflating on its own thread as on libuv’s, for any entries', async () => {
    const source = fc.record({
      kind: fc.constantFrom<'text' | 'noise' | 'media'>('text', 'noise', 'media'),
      size: fc.oneof(fc.integer({ min: 0, max: 2 * KiB }), fc.integer({ min: 0, max: 300 * KiB })),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(source, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(64 * KiB, 200 * KiB, 1 * MiB),
        async (specs, maxPartBytes) => {
          const sources: Source[] = specs.map(({ kind, size }, i) =>
            kind === 'text'
              ? { path: `posts/p${i}.json`, kind: 'text', bytes: text(i, size) }
              : kind === 'noise'
                ? { path: `raw/r${i}.bin`, kind: 'text', bytes: noise(`t${i}`, size) }
                : { path: `media/m${i}.jpg`, kind: 'media', bytes: noise(`m${i}`, size) },
          );
          const parts = async (deflateOnOwnThread: boolean): Promise<Buffer[]> => {
            const stored: Buffer[] = [];
            const writer = new ZipPartWriter({
              maxPartBytes,
              maxJobBytes: 1024 * MiB,
              manifest: JOB_FIELDS,
              deflateOnOwnThread,
              storePart: async (partNumber, body) => {
                stored[partNumber - 1] = await buffer(body);
              },
            });
            for (const entry of sources) await writer.add(toEntry(entry));
            await writer.finish();
            return stored;
          };
          const [pooled, inline] = await Promise.all([parts(false), parts(true)]);
          expect(inline.length).toBe(pooled.length);
          inline.forEach((part, i) => expect(part.equals(pooled[i] as Buffer)).toBe(true));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('lists left-out items in the part open at the time, or in a last part of their own', async () => {
    const { writer, stored } = writerFor({});
    writer.leaveOut({ item: 'media:early', reason: 'corrupt image' });
    await writer.add({ kind: 'text', path: 'a.json', data: text(1, 100) });
    writer.leaveOut({ item: 'media:during', reason: 'corrupt image' });
    const big = await writer.add({
      kind: 'media',
      path: 'media/big.mp4',
      size: 70 * KiB,
      open: () => Promise.reject(new Error('never opened')),
    });
    // What add() answers: nothing for the media left out, the manifest's entry for the rest.
    expect(big).toBeUndefined();
    const photo = noise('photo', 3 * KiB);
    expect(await writer.add(toEntry({ path: 'media/p.jpg', kind: 'media', bytes: photo }))).toEqual(
      {
        path: 'media/p.jpg',
        size: photo.length,
        sha256: createHash('sha256').update(photo).digest('hex'),
      },
    );
    writer.leaveOut({ item: 'media:late', reason: 'corrupt image' });
    expect(await writer.finish()).toMatchObject({ parts: 1 });
    const { manifest } = await checkPart(stored.files[0] ?? '', 1);
    expect(manifest.left_out).toEqual([
      { item: 'media:early', reason: 'corrupt image' },
      { item: 'media:during', reason: 'corrupt image' },
      {
        item: 'media/big.mp4',
        reason:
          '70 KiB (71,680 bytes) does not fit in one part of at most 64 KiB (65,536 bytes) (DYI_MAX_PART_BYTES)',
      },
      { item: 'media:late', reason: 'corrupt image' },
    ]);

    const alone = writerFor({ folder: await mkdtemp(join(dir, 'alone-')) });
    alone.writer.leaveOut({ item: 'media:only', reason: 'corrupt image' });
    expect(await alone.writer.finish()).toMatchObject({ parts: 1 });
    expect((await checkPart(alone.stored.files[0] ?? '', 1)).manifest.left_out).toHaveLength(1);

    const empty = writerFor({ folder: await mkdtemp(join(dir, 'empty-')) });
    expect(await empty.writer.finish({ atLeastOnePart: true })).toMatchObject({ parts: 1 });
    // Nothing but the part index (of itself alone).
    const emptyEntries = (await checkPart(empty.stored.files[0] ?? '', 1)).manifest.entries;
    expect(emptyEntries.map((entry: { path: string }) => entry.path)).toEqual(['parts-index.json']);
    const none = writerFor({ folder: await mkdtemp(join(dir, 'none-')) });
    expect(await none.writer.finish()).toEqual({ parts: 0, bytes: 0, leftOut: 0 });
  });

  it('keeps text larger than a part when it deflates to fit, and leaves out text that cannot', async () => {
    const counts: (() => number)[] = [];
    const files: string[] = [];
    const { writer } = writerFor({
      storePart: async (partNumber, body, leftOutCount) => {
        counts.push(leftOutCount);
        const file = join(dir, `part-${partNumber}.zip`);
        files.push(file);
        await pipeline(body, createWriteStream(file));
      },
    });
    // A first entry, so that the large text has to go where a part is already in use.
    await writer.add({ kind: 'text', path: 'a.json', data: text(1, 40 * KiB) });
    await writer.add({ kind: 'text', path: 'big.json', data: text(2, 1 * MiB) });
    await writer.add({ kind: 'text', path: 'random.bin', data: noise('r', 70 * KiB) });
    expect(await writer.finish()).toEqual({ parts: 1, bytes: expect.any(Number), leftOut: 1 });
    const { entries, manifest } = await checkPart(files[0] ?? '', 1);
    expect(entries.map((entry) => entry.path)).toEqual(['a.json', 'big.json', 'parts-index.json']);
    expect(manifest.left_out).toEqual([
      {
        item: 'random.bin',
        reason:
          '70 KiB (71,680 bytes) does not fit in one part of at most 64 KiB (65,536 bytes) (DYI_MAX_PART_BYTES)',
      },
    ]);
    expect(counts.map((count) => count())).toEqual([1]);
  });

  it('tells renderers a text size that fits an empty part even when it does not deflate', async () => {
    for (const maxPartBytes of [64 * KiB, 1 * MiB]) {
      const folder = await mkdtemp(join(dir, 'chunk-'));
      const { writer, stored } = writerFor({ folder, maxPartBytes });
      const chunk = writer.textChunkBytes;
      expect(chunk).toBeGreaterThan(maxPartBytes * 0.9);
      expect(chunk).toBeLessThan(maxPartBytes);
      // Incompressible, at the longest path allowed for: still whole in a part of its own.
      await writer.add({ kind: 'text', path: 'a.bin', data: noise('a', 100) });
      await writer.add({ kind: 'text', path: `${'p'.repeat(251)}.bin`, data: noise('c', chunk) });
      // The second part is full: the part index takes a third.
      expect(await writer.finish()).toMatchObject({ parts: 3, leftOut: 0 });
      for (const file of stored.files) {
        expect((await stat(file)).size).toBeLessThanOrEqual(maxPartBytes);
      }
    }
  });

  it('fills a part with text files as large as a part by what they deflate to', async () => {
    const { writer } = writerFor({});
    for (let i = 0; i < 5; i++) {
      await writer.add({ kind: 'text', path: `t${i}.json`, data: text(i, writer.textChunkBytes) });
    }
    expect(await writer.finish()).toMatchObject({ parts: 1, leftOut: 0 });
  });

  it('moves on to a further part when the next one fills up with items left out earlier', async () => {
    const { writer, stored } = writerFor({});
    const long = (i: number) => ({
      item: `media:${i}${'x'.repeat(990)}`,
      reason: noise(`${i}`, 600).toString('hex'),
    });
    await writer.add({
      kind: 'media',
      path: 'media/a.bin',
      size: 60 * KiB,
      open: () => Promise.resolve(Readable.from([noise('a', 60 * KiB)])),
    });
    for (let i = 0; i < 40; i++) writer.leaveOut(long(i));
    await writer.add({
      kind: 'media',
      path: 'media/b.bin',
      size: 60 * KiB,
      open: () => Promise.resolve(Readable.from([noise('b', 60 * KiB)])),
    });
    const result = await writer.finish();
    expect(result.leftOut).toBe(40);
    const listed: unknown[] = [];
    const paths: string[] = [];
    for (const [index, file] of stored.files.entries()) {
      expect((await stat(file)).size).toBeLessThanOrEqual(64 * KiB);
      const { entries, manifest } = await checkPart(file, index + 1);
      listed.push(...manifest.left_out);
      paths.push(...entries.map((entry) => entry.path));
    }
    expect(listed).toHaveLength(40);
    expect(paths).toEqual(['media/a.bin', 'media/b.bin', 'parts-index.json']);
  });

  it('lists the part index as left out when it cannot fit even an empty part', async () => {
    // Each 60 KiB medium fills a 64 KiB part: 500 parts, an index of about 90 KB.
    const { writer, stored } = writerFor({});
    const bytes = noise('same', 60 * KiB);
    for (let i = 0; i < 500; i++) {
      await writer.add({
        kind: 'media',
        path: `media/m${i}.bin`,
        size: bytes.length,
        open: () => Promise.resolve(Readable.from([bytes])),
      });
    }
    const result = await writer.finish();
    // The last medium's part has room left in its manifest to say so.
    expect(result).toMatchObject({ parts: 500, leftOut: 1 });
    expect(writer.storedParts).toHaveLength(500);
    const last = await readZip(stored.files.at(-1) ?? '');
    expect(last.map((entry) => entry.path)).toEqual(['media/m499.bin', 'manifest-part-500.json']);
    const manifest = JSON.parse(last[1]?.bytes.toString() ?? '');
    expect(manifest).toMatchObject({ part: 500, part_count: 500 });
    expect(manifest.left_out).toEqual([
      {
        item: 'parts-index.json',
        reason: expect.stringMatching(/^the index of 500 parts \(.+\) does not fit in one part/),
      },
    ]);
  });

  it('writes a part of more than 65,535 entries with a ZIP64 end record', async () => {
    const count = 65_536;
    const { writer, stored } = writerFor({ maxPartBytes: 64 * MiB });
    for (let i = 0; i < count; i++) {
      const bytes = Buffer.from(`${i}`);
      await writer.add({
        kind: 'media',
        path: `m/${i}`,
        size: bytes.length,
        open: () => Promise.resolve(Readable.from([bytes])),
      });
    }
    expect(await writer.finish()).toMatchObject({ parts: 1 });
    const file = stored.files[0] ?? '';
    expect((await readFile(file)).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    // unzip checks every entry's CRC; yauzl lists them all and reads the last ones back.
    expect(await unzipTest(file)).toContain('No errors detected');
    const zip = await yauzl.fromBufferPromise(await readFile(file), { lazyEntries: true });
    const tail: Buffer[] = [];
    let listed = 0;
    for await (const entry of zip.eachEntry()) {
      if (++listed >= count) tail.push(await buffer(await zip.openReadStreamPromise(entry)));
    }
    zip.close();
    expect(listed).toBe(count + 2); // and the part index, and the manifest
    expect(tail[0]?.toString()).toBe(`${count - 1}`);
    const manifest = JSON.parse(tail[2]?.toString() ?? '');
    expect(manifest.entries).toHaveLength(count + 1);
    expect(manifest.entries[count - 1]).toEqual({
      path: `m/${count - 1}`,
      size: tail[0]?.length,
      sha256: sha256(tail[0] ?? Buffer.alloc(0)),
    });
  }, 90_000); // 65,536 entries: about 20 s alone, more beside other test files

  it('throws ArchiveTooBigError once the job passes its limit, and stores no further part', async () => {
    const maxJobBytes = 150 * KiB;
    const { writer, stored } = writerFor({ maxJobBytes });
    let failure: unknown;
    let added = 0;
    try {
      for (let i = 0; i < 10; i++) {
        await writer.add({
          kind: 'media',
          path: `media/${i}.jpg`,
          size: 40 * KiB,
          open: () => Promise.resolve(Readable.from([noise(`${i}`, 40 * KiB)])),
        });
        added++;
      }
      await writer.finish();
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ArchiveTooBigError);
    const tooBig = failure as ArchiveTooBigError;
    expect(tooBig.code).toBe('archive_too_big');
    expect(tooBig.limitBytes).toBe(maxJobBytes);
    expect(tooBig.reachedBytes).toBeGreaterThan(maxJobBytes);
    expect(tooBig.reachedBytes).toBeLessThan(maxJobBytes + 64 * KiB);
    expect(added).toBeLessThan(5);
    // Only the parts that fit were complete; the one being written ended with the error.
    const files = await readdir(dir);
    expect(stored.files).toHaveLength(files.length);
    expect(stored.storeErrors).toEqual([failure]);
    const complete = stored.files.slice(0, -1);
    const sizes = await Promise.all(stored.files.map(async (file) => (await stat(file)).size));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(maxJobBytes);
    for (const [index, file] of complete.entries()) await checkPart(file, index + 1);
    await expect(
      writer.add({ kind: 'text', path: 'x.json', data: Buffer.from('{}') }),
    ).rejects.toBe(failure);
    expect(stored.files).toHaveLength(files.length);
  });

  it('fails with ArchiveTooBigError when queued text passes the job limit, storing no more', async () => {
    // Text is queued: an add() resolves before its bytes are written, so the limit is passed
    // by a file added earlier; a later add() or finish() says so.
    const maxJobBytes = 150 * KiB;
    const { writer, stored } = writerFor({ maxJobBytes });
    let failure: unknown;
    try {
      for (let i = 0; i < 10; i++) {
        await writer.add({ kind: 'text', path: `raw/${i}.bin`, data: noise(`q${i}`, 40 * KiB) });
      }
      await writer.finish();
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ArchiveTooBigError);
    expect(stored.storeErrors).toEqual([failure]);
    const sizes = await Promise.all(stored.files.map(async (file) => (await stat(file)).size));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(maxJobBytes);
    for (const [index, file] of stored.files.slice(0, -1).entries()) {
      await checkPart(file, index + 1);
    }
    const files = stored.files.length;
    await expect(
      writer.add({ kind: 'text', path: 'x.json', data: Buffer.from('{}') }),
    ).rejects.toBe(failure);
    expect(stored.files).toHaveLength(files);
  });

  it('takes the next text file while storage has not read the last one yet', async () => {
    // So that the renderer makes the next file while the last one is deflated and stored.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const { writer, stored } = writerFor({
      maxPartBytes: 4 * MiB,
      storePart: async (partNumber, body) => {
        await gate;
        const file = join(dir, `part-${partNumber}.zip`);
        stored.files.push(file);
        await pipeline(body, createWriteStream(file));
      },
    });
    // Incompressible, so that what yazl writes fills every stream's buffer on the way.
    const data = [noise('next-1', 512 * KiB), noise('next-2', 512 * KiB)];
    const added = [];
    for (const [index, bytes] of data.entries()) {
      added.push(await writer.add({ kind: 'text', path: `posts/${index}.json`, data: bytes }));
    }
    expect(stored.files).toEqual([]);
    expect(added).toEqual(
      data.map((bytes, index) => ({
        path: `posts/${index}.json`,
        size: 512 * KiB,
        sha256: sha256(bytes),
      })),
    );
    open();
    await writer.finish();
    expect(stored.files).toHaveLength(1);
    await checkPart(stored.files[0] as string, 1);
  });

  it('names both sizes of ArchiveTooBigError in human units and in bytes', () => {
    expect(new ArchiveTooBigError(10_485_760, 12_897_234).message).toMatch(
      /^The job's archive reached 12\.3 MiB \(12,897,234 bytes\), above the limit of 10 MiB \(10,485,760 bytes\) set by DYI_MAX_JOB_BYTES/,
    );
  });

  it('stops within a second when aborted in the middle of a large media stream', async () => {
    const controller = new AbortController();
    const { writer, stored } = writerFor({
      maxPartBytes: 2048 * MiB,
      maxJobBytes: 4096 * MiB,
      signal: controller.signal,
    });
    let source: Readable | undefined;
    let sent = 0;
    const chunk = noise('chunk', 64 * KiB);
    const adding = writer.add({
      kind: 'media',
      path: 'media/huge.mp4',
      size: 1024 * MiB,
      open: () => {
        source = new Readable({
          read() {
            sent += chunk.length;
            setTimeout(() => this.push(chunk), 1);
          },
        });
        return Promise.resolve(source);
      },
    });
    adding.catch(() => undefined);
    while (sent < 2 * MiB) await new Promise((resolve) => setTimeout(resolve, 10));
    const reason = new Error('Cancelled by the user');
    const abortedAt = performance.now();
    controller.abort(reason);
    await expect(adding).rejects.toBe(reason);
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(source?.destroyed).toBe(true);
    expect(stored.storeErrors).toEqual([reason]);
    await expect(writer.finish()).rejects.toBe(reason);
  });

  it('ends the stored stream with the reason given to abort()', async () => {
    const { writer, stored } = writerFor({});
    await writer.add({ kind: 'text', path: 'a.json', data: text(1, 1000) });
    const reason = new Error('renderer failed');
    await writer.abort(reason);
    expect(stored.storeErrors).toEqual([reason]);
    await expect(writer.add({ kind: 'text', path: 'b.json', data: text(2, 10) })).rejects.toBe(
      reason,
    );
  });

  it('refuses manifest fields it writes itself, and parts too small for a manifest', () => {
    expect(() => writerFor({ manifest: { part: 3 } })).toThrow(ConfigurationError);
    expect(() => writerFor({ maxPartBytes: 4 * KiB })).toThrow(
      /DYI_MAX_PART_BYTES is 4096; set it to at least \d+ bytes/,
    );
  });
});
