/**
 * @module
 * What `dyi import` costs over SQLite itself. Input: the synthetic community of `--users`
 * members (default 500; `generateSyntheticCommunity`, seed 1) written as one NDJSON file, every
 * record a line as `docs/import-format.md` has it. By default without media (no media lines,
 * attachment lists empty), so that the ratio measures parsing, validation, reference checks
 * and JSON, which is what the reference leaves out; with `--media`, each media line names one
 * of 8 small files (4 to 32 KiB) next to the NDJSON file, as the generator's pool, and the
 * import hashes each line's file and stores each distinct file once. Our side: `importNdjson` (compiled
 * package) into a fresh data directory, from opening the file to the commit: parsing,
 * validation, reference checks, media, JSON and the store's one transaction.
 * Reference: the rows our import wrote (read back from its database: `content_records`,
 * `content_involves`, and the `objects` and `members` rows of member records) inserted with
 * plain better-sqlite3 prepared INSERTs in one transaction into a fresh database made by our
 * own migrations, so with the same tables, indexes and pragmas (WAL, synchronous NORMAL,
 * foreign keys on, `wal_autocheckpoint = 16384`); every side is timed up to its commit (closing,
 * which checkpoints the WAL, is not timed on either side). For information also: the `content_records`
 * rows alone into a table with the same columns and its primary key only.
 * Each round uses fresh databases; the order is reversed every other round; medians compared.
 * Goal: ours imports at least 0.5 of the reference's records/s.
 * Run: `npx tsx bench/import-vs-sqlite.ts [--users 500] [--rounds 3] [--media]`.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import Database from 'better-sqlite3';
import type { MediaFile } from '../src/content/synthetic-community.js';
import { benchArgs, flag, NEEDS_BUILD, positiveInteger } from './support/bench-args.js';
import { reportResult } from './support/bench-result.js';
import { loadImporter, loadIndex, loadSynthetic } from './support/built.js';
import { median, printTable } from './support/measure-load.js';
import {
  type ImportedRows,
  insertPlainly,
  readImportedRows,
  STORE_PRAGMAS,
} from './support/plain-inserts.js';
import { withScratchDir } from './support/scratch-dir.js';

const GOAL_RATIO = 0.5;
const SEED = 1;
interface Input {
  readonly file: string;
  readonly lines: number;
  readonly bytes: number;
}

type SideName = 'ours' | 'reference' | 'primary key only';

/** Records written, and the seconds it took (setup of the empty database not counted). */
interface Timed {
  readonly records: number;
  readonly seconds: number;
}

async function main(): Promise<void> {
  const { values } = benchArgs({
    summary:
      '`dyi import` against SQLite itself: records/s of importNdjson against the same rows inserted\n' +
      'with plain prepared INSERTs (goal: at least 0.5).',
    needs: [NEEDS_BUILD],
    options: {
      users: positiveInteger('members of the synthetic community', 500),
      rounds: positiveInteger('rounds of fresh databases, the order reversed every other round', 3),
      media: flag('give each media line a small file to import'),
    },
  });
  const { users, media: withMedia, rounds } = values;
  await withScratchDir('dyi-bench-import-', async ({ dir: root }) => {
    const started = performance.now();
    const input = await writeInput(path.join(root, 'input'), users, withMedia);
    console.log(
      `import-vs-sqlite: wrote ${input.lines.toLocaleString('en')} NDJSON lines of ${users} users ` +
        `(${(input.bytes / 1e6).toFixed(1)} MB), ${withMedia ? 'with' : 'without'} media, in ${seconds(started)} s`,
    );
    const times = new Map<SideName, number[]>([
      ['ours', []],
      ['reference', []],
      ['primary key only', []],
    ]);
    let rows: ImportedRows | undefined;
    let written = 0;
    for (let round = 1; round <= rounds; round += 1) {
      const order: SideName[] = ['ours', 'reference', 'primary key only'];
      // The reference needs the rows of one import first, so round 1 starts with ours.
      if (round % 2 === 0) order.reverse();
      for (const side of order) {
        const dataDir = path.join(root, `round-${round}-${side.replaceAll(' ', '-')}`);
        let timed: Timed;
        if (side === 'ours') {
          const result = await importOurs(dataDir, input);
          timed = result;
          rows ??= result.rows;
        } else if (rows === undefined) {
          throw new Error('no rows to insert');
        } else if (side === 'reference') {
          timed = await insertReference(dataDir, rows);
        } else {
          timed = await insertPrimaryKeyOnly(dataDir, rows);
        }
        const { records: count, seconds: elapsed } = timed;
        if (side === 'ours') written = count;
        times.get(side)?.push(elapsed);
        console.log(
          `  round ${round}  ${side.padEnd(16)}  ${count.toLocaleString('en')} records in ${elapsed.toFixed(2)} s ` +
            `(${Math.round(count / elapsed).toLocaleString('en')} records/s)`,
        );
        await rm(dataDir, { recursive: true, force: true });
      }
    }
    report(written, times);
  });
}

/**
 * The community as NDJSON. With media, plus its media files, media lines naming their file;
 * without, no media lines and every attachment list empty.
 */
async function writeInput(folder: string, users: number, withMedia: boolean): Promise<Input> {
  const { generateSyntheticCommunity, importLineOf } = await loadSynthetic();
  await mkdir(path.join(folder, 'media'), { recursive: true });
  const pool = await writeMediaPool(folder);
  const fileOf = new Map(pool.map((file) => [file.sha256, file.name]));
  const target = path.join(folder, 'community.ndjson');
  const output = createWriteStream(target);
  let lines = 0;
  for (const batch of generateSyntheticCommunity({ users, seed: SEED, files: pool })) {
    let chunk = '';
    for (const record of batch.records) {
      const line = importLineOf(record, withMedia ? fileOf : undefined);
      if (line === undefined) continue;
      chunk += `${JSON.stringify(line)}\n`;
      lines += 1;
    }
    if (!output.write(chunk)) await once(output, 'drain');
  }
  output.end();
  await finished(output);
  return { file: target, lines, bytes: output.bytesWritten };
}

/** 8 small files, 4 to 32 KiB of seeded bytes: 6 "photos", a text and a PDF. */
async function writeMediaPool(folder: string): Promise<MediaFile[]> {
  const names = [
    'p1.jpg',
    'p2.jpg',
    'p3.jpg',
    'p4.png',
    'p5.jpg',
    'p6.webp',
    'notes.txt',
    'doc.pdf',
  ];
  const types = [
    'image/jpeg',
    'image/jpeg',
    'image/jpeg',
    'image/png',
    'image/jpeg',
    'image/webp',
    'text/plain',
    'application/pdf',
  ];
  const pool: MediaFile[] = [];
  for (const [index, name] of names.entries()) {
    const bytes = Buffer.alloc(4096 * (1 + (index % 8)));
    let state = 0x9e3779b9 ^ index;
    for (let i = 0; i < bytes.length; i += 1) {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      bytes[i] = state >>> 24;
    }
    await writeFile(path.join(folder, 'media', name), bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    pool.push({
      name,
      contentType: types[index] ?? 'application/octet-stream',
      size: bytes.length,
      sha256,
      blobKey: `media/0/${sha256}`,
    });
  }
  return pool;
}

/** `importNdjson` into a fresh data directory; returns the records written and the rows. */
async function importOurs(dataDir: string, input: Input): Promise<Timed & { rows: ImportedRows }> {
  const { loadConfig, openRuntime } = await loadIndex();
  const { importNdjson } = await loadImporter();
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  let communityId: string;
  let records: number;
  let elapsed: number;
  try {
    communityId = (await runtime.communities.create('Import')).id;
    const started = performance.now();
    const phases = new PhaseClock(started);
    const report = await importNdjson({
      content: runtime.content,
      blobs: runtime.blobs,
      communityId,
      files: [input.file],
      onProgress: ({ phase }) => phases.enter(phase),
    });
    elapsed = (performance.now() - started) / 1000;
    phases.enter('end');
    console.log(`    phases of ours: ${phases.describe()}`);
    records = Object.values(report.records).reduce((sum, n) => sum + n, 0);
  } finally {
    await runtime.close();
  }
  if (records !== input.lines) throw new Error(`imported ${records} of ${input.lines} lines`);
  return {
    records,
    seconds: elapsed,
    rows: readImportedRows(path.join(dataDir, 'dyi.sqlite')),
  };
}

/** Seconds spent in each phase `importNdjson` reports, in the order they came. */
class PhaseClock {
  readonly #spent: [string, number][] = [];
  #phase = 'read';
  #since: number;

  constructor(started: number) {
    this.#since = started;
  }

  enter(phase: string): void {
    if (phase === this.#phase) return;
    const now = performance.now();
    this.#spent.push([this.#phase, (now - this.#since) / 1000]);
    this.#phase = phase;
    this.#since = now;
  }

  describe(): string {
    return this.#spent.map(([phase, spent]) => `${phase} ${spent.toFixed(2)} s`).join(', ');
  }
}

/** The same rows into a database made by our migrations; timed from opening to the commit. */
async function insertReference(dataDir: string, rows: ImportedRows): Promise<Timed> {
  const { loadConfig, openRuntime } = await loadIndex();
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  let community: number;
  try {
    community = Number((await runtime.communities.create('Import')).id);
  } finally {
    await runtime.close();
  }
  // Up to the commit, as for ours: closing checkpoints the WAL, which neither side times.
  const milliseconds = insertPlainly(path.join(dataDir, 'dyi.sqlite'), community, rows, () =>
    performance.now(),
  );
  return { records: rows.records.length, seconds: milliseconds / 1000 };
}

/** `content_records` rows alone into a table with its primary key and no other index. */
async function insertPrimaryKeyOnly(dataDir: string, rows: ImportedRows): Promise<Timed> {
  await mkdir(dataDir, { recursive: true });
  const started = performance.now();
  const db = new Database(path.join(dataDir, 'plain.sqlite'));
  try {
    for (const pragma of STORE_PRAGMAS) db.pragma(pragma);
    db.exec(`CREATE TABLE content_records (
      community_id INTEGER NOT NULL,
      kind TEXT NOT NULL,
      id TEXT NOT NULL,
      owner TEXT,
      parent TEXT,
      created_time INTEGER NOT NULL,
      data TEXT NOT NULL,
      PRIMARY KEY (community_id, kind, id)) STRICT`);
    const record = db.prepare('INSERT INTO content_records VALUES (?, ?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      // One community in this table: its id is 1 here.
      for (const row of rows.records) record.run(1, ...row);
    }).immediate();
    return { records: rows.records.length, seconds: (performance.now() - started) / 1000 };
  } finally {
    db.close();
  }
}

function report(records: number, times: ReadonlyMap<SideName, readonly number[]>): void {
  const rate = (side: SideName) => records / median(times.get(side) ?? []);
  console.log(`\n${records.toLocaleString('en')} records; medians of the rounds:`);
  printTable(
    ['side', 'median s', 'records/s'],
    [...times.keys()].map((side) => [
      side,
      median(times.get(side) ?? []).toFixed(2),
      Math.round(rate(side)).toLocaleString('en'),
    ]),
  );
  const ratio = rate('ours') / rate('reference');
  const passed = ratio >= GOAL_RATIO;
  reportResult({
    bench: 'import-vs-sqlite',
    measure: 'import / plain SQLite inserts of the same rows (records/s)',
    ours: `${Math.round(rate('ours')).toLocaleString('en')} records/s`,
    reference: `${Math.round(rate('reference')).toLocaleString('en')} records/s`,
    ratio,
    goal: { atLeast: GOAL_RATIO },
  });
  console.log('');
  printTable(
    ['measure', 'value', 'goal', 'result'],
    [
      [
        'ours / reference (same tables)',
        ratio.toFixed(2),
        `>= ${GOAL_RATIO}`,
        passed ? 'PASS' : 'MISS',
      ],
      [
        'ours / primary key only',
        (rate('ours') / rate('primary key only')).toFixed(2),
        '(for information)',
        '',
      ],
    ],
  );
  console.log(
    `\nimport-vs-sqlite: ${passed ? 'PASS' : 'MISS'} (goal: our import at least ${GOAL_RATIO} of plain INSERTs' records/s)`,
  );
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

await main();
