/**
 * @module
 * CPU time of `importNdjson`, build against build, in one process: for when the machine is
 * too busy for `import-vs-sqlite.ts`'s wall-clock figures. Input: the same NDJSON as that
 * bench without media (`--users`, seed 1). Each round imports it once with every build given
 * (compiled packages, e.g. `dist` and a build of an older commit made with
 * `npx tsc -p tsconfig.build.json --outDir <folder>`), order reversed every other round, and
 * prints per import: CPU seconds of each phase (`process.cpuUsage`, from the progress
 * callback), GC pauses per phase, a hash of every row stored (rowids included: builds must
 * agree), and the CPU of the reference of `import-vs-sqlite.ts` (the same rows inserted with
 * plain prepared INSERTs into a fresh database) with the ratio reference CPU / ours.
 * Run: `npm run build && npx tsx bench/import-cpu-ab.ts [--users 500] [--rounds 6] dist <other-build>`.
 * Started as `node --expose-gc --import tsx bench/import-cpu-ab.ts ...`, it collects garbage
 * before each import, so that no import pays for the garbage of the one before (steadier on a
 * busy machine).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { finished } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { benchArgs, BUILDS_TO_COMPARE, positiveInteger } from './support/bench-args.js';
import { median } from './support/measure-load.js';
import { insertPlainly, readImportedRows } from './support/plain-inserts.js';
import { withScratchDir } from './support/scratch-dir.js';

type IndexModule = typeof import('../src/index.js');
type ImporterModule = typeof import('../src/content/ndjson-importer.js');
type SyntheticModule = typeof import('../src/content/synthetic-community.js');

interface Build {
  readonly folder: string;
  readonly index: IndexModule;
  readonly importer: ImporterModule;
  readonly figures: Map<string, number[]>;
}

const pauses: [number, number][] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) pauses.push([entry.startTime, entry.duration / 1000]);
}).observe({ entryTypes: ['gc'] });

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function main(): Promise<void> {
  const { values, positionals } = benchArgs({
    summary:
      "CPU time of `importNdjson`, build against build in one process, on import-vs-sqlite.ts's\n" +
      'input without media: for a machine too busy for wall-clock figures.',
    needs: ['compiled builds (`npm run build` for dist/)'],
    positionals: BUILDS_TO_COMPARE,
    options: {
      users: positiveInteger('members of the synthetic community', 500),
      rounds: positiveInteger('rounds; every build imports once per round', 6),
    },
  });
  const builds: Build[] = [];
  for (const folder of positionals) {
    const at = (file: string) => path.resolve(folder, file);
    builds.push({
      folder,
      index: (await import(at('index.js'))) as IndexModule,
      importer: (await import(at('content/ndjson-importer.js'))) as ImporterModule,
      figures: new Map(),
    });
  }
  const first = positionals[0];
  if (first === undefined) throw new Error('name at least one compiled build, e.g. dist');
  const synthetic = (await import(
    path.resolve(first, 'content/synthetic-community.js')
  )) as SyntheticModule;
  await withScratchDir('dyi-import-cpu-', async ({ dir }) => {
    const file = await writeInput(
      synthetic,
      path.join(dir, 'community.ndjson'),
      String(values.users),
    );
    for (let round = 0; round < values.rounds; round += 1) {
      const order = round % 2 === 0 ? builds : [...builds].reverse();
      for (const build of order) {
        await importOnce(build, file, path.join(dir, `round-${round}-${builds.indexOf(build)}`));
      }
    }
  });
  for (const { folder, figures } of builds) {
    const medians = [...figures].map(([name, all]) => `${name} ${median(all).toFixed(3)}`);
    console.log(`median ${folder}: ${medians.join(', ')}`);
  }
}

async function writeInput(synthetic: SyntheticModule, file: string, users: string) {
  const image = { name: 'p1.jpg', contentType: 'image/jpeg', size: 4096, sha256: 'a'.repeat(64) };
  const files = [{ ...image, blobKey: `media/0/${image.sha256}` }];
  const output = createWriteStream(file);
  for (const batch of synthetic.generateSyntheticCommunity({
    users: Number(users),
    seed: 1,
    files,
  })) {
    const lines = batch.records.flatMap((record) => {
      const line = synthetic.importLineOf(record);
      return line === undefined ? [] : [`${JSON.stringify(line)}\n`];
    });
    if (!output.write(lines.join(''))) await once(output, 'drain');
  }
  output.end();
  await finished(output);
  return file;
}

async function importOnce(build: Build, file: string, dataDir: string): Promise<void> {
  const { loadConfig, openRuntime } = build.index;
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  const spent = new Map<string, number>();
  const marks: [string, number][] = [];
  try {
    const communityId = (await runtime.communities.create('Import')).id;
    (globalThis as { gc?: () => void }).gc?.();
    let phase = 'read';
    let since = cpuSeconds();
    const started = since;
    marks.push([phase, performance.now()]);
    pauses.length = 0;
    const enter = (next: string) => {
      if (next === phase) return;
      const now = cpuSeconds();
      spent.set(phase, (spent.get(phase) ?? 0) + now - since);
      [phase, since] = [next, now];
      marks.push([phase, performance.now()]);
    };
    await build.importer.importNdjson({
      content: runtime.content,
      blobs: runtime.blobs,
      communityId,
      files: [file],
      onProgress: (progress) => enter(progress.phase),
    });
    enter('end');
    spent.set('total', since - started);
  } finally {
    await runtime.close();
  }
  const gc = new Map<string, number>();
  for (const [at, seconds] of pauses) {
    const phase = marks.findLast(([, start]) => start <= at)?.[0] ?? 'before';
    gc.set(`gc ${phase}`, (gc.get(`gc ${phase}`) ?? 0) + seconds);
  }
  const database = path.join(dataDir, 'dyi.sqlite');
  const reference = await insertReference(build.index, database, `${dataDir}-reference`);
  const total = spent.get('total') ?? Number.NaN;
  const figures = new Map([
    ...spent,
    ...gc,
    ['reference', reference],
    ['ratio', reference / total],
  ]);
  for (const [name, value] of figures)
    build.figures.set(name, [...(build.figures.get(name) ?? []), value]);
  const shown = [...figures].map(([name, value]) => `${name} ${value.toFixed(2)}`).join(', ');
  console.log(
    `${build.folder}: ${shown}; rows ${hashRows(database)}; load ${os.loadavg()[0]?.toFixed(1)}`,
  );
}

/** The rows of `from` into a fresh database by plain INSERTs; CPU seconds up to the commit. */
async function insertReference(index: IndexModule, from: string, dataDir: string): Promise<number> {
  const runtime = await index.openRuntime(index.loadConfig({}, { dataDir, logLevel: 'silent' }));
  let community: number;
  try {
    community = Number((await runtime.communities.create('Import')).id);
  } finally {
    await runtime.close();
  }
  const rows = readImportedRows(from);
  return insertPlainly(path.join(dataDir, 'dyi.sqlite'), community, rows, cpuSeconds);
}

/** sha256 of every row an import writes, rowids included. */
function hashRows(file: string): string {
  const db = new Database(file, { readonly: true });
  const hash = createHash('sha256');
  try {
    for (const sql of [
      'SELECT rowid, * FROM content_records ORDER BY rowid',
      'SELECT * FROM content_involves ORDER BY community_id, kind, id, member',
      'SELECT * FROM objects ORDER BY id',
      'SELECT * FROM members ORDER BY id',
    ]) {
      for (const row of db.prepare(sql).raw().iterate()) hash.update(`${JSON.stringify(row)}\n`);
    }
  } finally {
    db.close();
  }
  return hash.digest('hex').slice(0, 16);
}

await main();
