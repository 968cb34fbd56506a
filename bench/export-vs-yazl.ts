/**
 * @module
 * What our export engine costs over bare zip writing. A synthetic community (`seedCommunity`,
 * `--users` members, default 1000) is exported in JSON and in HTML_AND_JSON at one media
 * quality (`--quality`, default MEDIUM), every data type over the whole synthetic period. Our
 * side runs every job of the export with JobRunner in this process, one after another (as
 * one worker thread would), from the compiled package; its figure is the bytes of all parts
 * stored over the wall time from the start of the first job to the end of the last. The
 * reference then reads our parts back, writes each part's entries as files (untimed), and
 * times plain yazl zipping those files into one zip per part at the same settings (text
 * deflated at level 6, media stored, same DOS time and mode) to a file, fsynced as our blob
 * store does: the same bytes in, in the same order.
 * Each side's CPU time (the process's, all threads) is printed beside its wall time: on a busy
 * machine it moves less than the wall time.
 * Goal: ours writes at least 0.8 of the bare MB/s, per format.
 * Run: `npx tsx bench/export-vs-yazl.ts [--users 1000] [--quality MEDIUM] [--formats JSON,HTML_AND_JSON]`.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { finished } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import type { DyiFormat, MediaQuality } from '../src/domain/index.js';
import type { Runtime } from '../src/runtime.js';
import { benchArgs, listOf, NEEDS_BUILD, oneOf, positiveInteger } from './support/bench-args.js';
import { DYI_FORMATS, MEDIA_QUALITIES } from '../src/domain/enums.js';
import { reportResult } from './support/bench-result.js';
import { loadIndex, loadJobRunner, loadSeed, loadSynthetic } from './support/built.js';
import { printTable } from './support/measure-load.js';
import { zipEntries } from '../test/support/archives.js';
import { withScratchDir } from './support/scratch-dir.js';

const GOAL_RATIO = 0.8;
/** Our zip part writer's level for text (`TEXT_COMPRESSION_LEVEL`). */
const TEXT_LEVEL = 6;
const SEED = 1;

interface Settings {
  readonly users: number;
  readonly quality: MediaQuality;
  readonly formats: readonly DyiFormat[];
}

interface Side {
  readonly bytes: number;
  readonly seconds: number;
  /** CPU time of the whole process (all threads, user and system): steadier than wall time on a busy machine. */
  readonly cpuSeconds: number;
}

interface FormatFigures {
  readonly format: DyiFormat;
  readonly jobs: number;
  readonly parts: number;
  readonly entries: number;
  /** Entries stored rather than deflated: the media. */
  readonly media: number;
  readonly ours: Side;
  readonly bare: Side;
}

function settingsFromArguments(): Settings {
  const { values } = benchArgs({
    summary:
      'What our export engine costs over bare zip writing: MB/s of our parts against plain yazl\n' +
      'zipping the same entries (goal: at least 0.8, per format).',
    needs: [NEEDS_BUILD],
    options: {
      users: positiveInteger('members of the seeded community', 1000),
      quality: oneOf(MEDIA_QUALITIES, 'media quality of the exports', 'MEDIUM'),
      formats: listOf(DYI_FORMATS, 'formats to export, one export each', ['JSON', 'HTML_AND_JSON']),
    },
  });
  return {
    users: values.users,
    quality: values.quality,
    formats: values.formats,
  };
}

async function main(): Promise<void> {
  const settings = settingsFromArguments();
  const { loadConfig, openRuntime } = await loadIndex();
  await withScratchDir('dyi-bench-export-', async ({ dir: dataDir, atCleanUp }) => {
    let runtime: Runtime | undefined;
    atCleanUp(async () => {
      await runtime?.close();
      runtime = undefined;
    });
    runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
    const communityId = await seed(runtime, settings.users);
    const figures: FormatFigures[] = [];
    for (const format of settings.formats) {
      figures.push(await measureFormat(runtime, communityId, format, settings.quality, dataDir));
    }
    report(settings, figures);
  });
}

async function seed(runtime: Runtime, users: number): Promise<string> {
  const { seedCommunity } = await loadSeed();
  const started = performance.now();
  let lastTenth = -1;
  const seeded = await seedCommunity(runtime, {
    users,
    seed: SEED,
    onProgress: (done, total) => {
      const tenth = Math.floor((done / total) * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      console.log(`  seeding: ${done}/${total} users`);
    },
  });
  console.log(
    `export-vs-yazl: seeded ${users} users (${seeded.totalRecords.toLocaleString('en')} records, ` +
      `${seeded.media.count.toLocaleString('en')} media records) in ${seconds(performance.now() - started)} s`,
  );
  return seeded.communityId;
}

async function measureFormat(
  runtime: Runtime,
  communityId: string,
  format: DyiFormat,
  quality: MediaQuality,
  dataDir: string,
): Promise<FormatFigures> {
  const { DATA_TYPES } = await loadIndex();
  const { SYNTHETIC_PERIOD } = await loadSynthetic();
  const { JobRunner, jobRunnerDeps } = await loadJobRunner();
  const exportJob = await runtime.exports.create(communityId, {
    data_types: DATA_TYPES.join(','),
    dyi_format: format,
    media_quality: quality,
    start_time: String(SYNTHETIC_PERIOD.start),
    end_time: String(SYNTHETIC_PERIOD.end),
  });
  const jobIds = await runtime.metadata.jobs.idsOfExport(exportJob.id);
  const runner = new JobRunner(jobRunnerDeps(runtime));

  console.log(`${format}, ${quality}: ours, ${jobIds.length} jobs one after another`);
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  let lastTenth = 0;
  for (const [index, jobId] of jobIds.entries()) {
    const outcome = await runner.run(jobId);
    if (outcome !== 'COMPLETED') throw new Error(`job ${jobId} ended ${outcome}`);
    const tenth = Math.floor(((index + 1) / jobIds.length) * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      console.log(
        `  ours: ${index + 1}/${jobIds.length} jobs, ${seconds(performance.now() - started)} s`,
      );
    }
  }
  const oursSeconds = (performance.now() - started) / 1000;
  const oursCpuSeconds = cpuSecondsSince(cpuStarted);

  console.log(`${format}, ${quality}: bare yazl over the same entries`);
  const scratch = path.join(dataDir, 'bare');
  let oursBytes = 0;
  let bareBytes = 0;
  let bareSeconds = 0;
  let bareCpuSeconds = 0;
  let parts = 0;
  let entryCount = 0;
  let mediaCount = 0;
  lastTenth = 0;
  for (const [index, jobId] of jobIds.entries()) {
    const page = await runtime.metadata.files.listByJob(jobId, { limit: 100 });
    if (page.items.length === 100)
      throw new Error(`job ${jobId} has more parts than the bench reads`);
    for (const file of page.items) {
      const zipped = await buffer(await runtime.blobs.openRead(file.blobKey));
      oursBytes += zipped.length;
      parts += 1;
      const entries = await zipEntries(zipped);
      entryCount += entries.length;
      mediaCount += entries.filter((entry) => !entry.deflated).length;
      await rm(scratch, { recursive: true, force: true });
      const sources = await writeEntries(scratch, entries);
      const written = await bareZip(sources, path.join(scratch, 'out.zip'));
      bareBytes += written.bytes;
      bareSeconds += written.seconds;
      bareCpuSeconds += written.cpuSeconds;
    }
    const tenth = Math.floor(((index + 1) / jobIds.length) * 10);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      console.log(`  bare: ${index + 1}/${jobIds.length} jobs`);
    }
  }
  await rm(scratch, { recursive: true, force: true });
  const figures: FormatFigures = {
    format,
    jobs: jobIds.length,
    parts,
    entries: entryCount,
    media: mediaCount,
    ours: { bytes: oursBytes, seconds: oursSeconds, cpuSeconds: oursCpuSeconds },
    bare: { bytes: bareBytes, seconds: bareSeconds, cpuSeconds: bareCpuSeconds },
  };
  console.log(
    `  ${format}: ours ${megabytes(oursBytes)} MB in ${oursSeconds.toFixed(1)} s ` +
      `(${rate(figures.ours)} MB/s), bare ${megabytes(bareBytes)} MB in ${bareSeconds.toFixed(1)} s ` +
      `(${rate(figures.bare)} MB/s)`,
  );
  // Nothing of this export is needed any more; the next format starts from the same disk.
  await Promise.all(
    jobIds.map(async (jobId) => {
      for (const key of await runtime.metadata.files.deleteByJob(jobId)) {
        await runtime.blobs.delete(key);
      }
    }),
  );
  return figures;
}

interface SourceFile {
  readonly path: string;
  readonly file: string;
  readonly deflated: boolean;
}

async function writeEntries(
  scratch: string,
  entries: readonly { path: string; data: Buffer; deflated: boolean }[],
): Promise<SourceFile[]> {
  const sources: SourceFile[] = [];
  await mkdir(path.join(scratch, 'in'), { recursive: true });
  for (const [index, entry] of entries.entries()) {
    const file = path.join(scratch, 'in', String(index));
    await writeFile(file, entry.data);
    sources.push({ path: entry.path, file, deflated: entry.deflated });
  }
  return sources;
}

/** Plain yazl, files in, one zip out, fsynced; timed from the first entry to the fsync. */
async function bareZip(sources: readonly SourceFile[], target: string): Promise<Side> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const zip = new ZipFile();
  const output = createWriteStream(target);
  zip.outputStream.pipe(output);
  for (const source of sources) {
    zip.addFile(source.file, source.path, {
      compress: source.deflated,
      compressionLevel: source.deflated ? TEXT_LEVEL : 0,
      mtime: new Date(1980, 0, 1, 0, 0, 0),
      forceDosTimestamp: true,
      mode: 0o100644,
    });
  }
  zip.end();
  await finished(output);
  const handle = await open(target, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  return {
    bytes: output.bytesWritten,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: cpuSecondsSince(cpuStarted),
  };
}

function report(settings: Settings, figures: readonly FormatFigures[]): void {
  console.log(
    `\n${settings.users} users, media quality ${settings.quality}; ours: JobRunner in this process, jobs one after another`,
  );
  const rows = figures.map((f) => {
    const ratio = f.ours.bytes / f.ours.seconds / (f.bare.bytes / f.bare.seconds);
    reportResult({
      bench: 'export-vs-yazl',
      measure: `${f.format}, ${settings.users} users, ${settings.quality}: export / bare yazl MB/s`,
      ours: `${rate(f.ours).trim()} MB/s`,
      reference: `${rate(f.bare).trim()} MB/s`,
      ratio,
      goal: { atLeast: GOAL_RATIO },
    });
    return [
      f.format,
      String(f.jobs),
      String(f.parts),
      f.entries.toLocaleString('en'),
      f.media.toLocaleString('en'),
      megabytes(f.ours.bytes),
      f.ours.seconds.toFixed(1),
      f.ours.cpuSeconds.toFixed(1),
      rate(f.ours),
      megabytes(f.bare.bytes),
      f.bare.seconds.toFixed(1),
      f.bare.cpuSeconds.toFixed(1),
      rate(f.bare),
      ratio.toFixed(2),
      `>= ${GOAL_RATIO}`,
      ratio >= GOAL_RATIO ? 'PASS' : 'MISS',
    ];
  });
  printTable(
    [
      'format',
      'jobs',
      'parts',
      'entries',
      'media',
      'ours MB',
      'ours s',
      'ours CPU s',
      'ours MB/s',
      'bare MB',
      'bare s',
      'bare CPU s',
      'bare MB/s',
      'ours/bare',
      'goal',
      'result',
    ],
    rows,
  );
  const passed = rows.every((row) => row.at(-1) === 'PASS');
  console.log(
    `\nexport-vs-yazl: ${passed ? 'PASS' : 'MISS'} (goal: our export writes at least ${GOAL_RATIO} of bare yazl's MB/s)`,
  );
}

function cpuSecondsSince(started: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e6;
}

function rate(side: Side): string {
  return (side.bytes / 1e6 / side.seconds).toFixed(1);
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function seconds(milliseconds: number): string {
  return (milliseconds / 1000).toFixed(1);
}

await main();
