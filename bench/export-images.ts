/**
 * @module
 * What scaling costs an export whose images are all distinct (issue 16), where the rendition
 * cache cannot help. A synthetic community (`seedCommunity`, seed 1, `--users` members, default
 * 40) is seeded with `distinctImages`: every image record has a photo of its own, from 400×300
 * to 3200×2400. The same export (JSON, `--quality`, default MEDIUM, every data type over the
 * whole synthetic period; a new export each run) is run by a `WorkerPool` of 1 thread, then of
 * 2, in this process, from the compiled package; wall time from the export's creation until
 * every job is completed (polled every 100 ms). Each pool first runs an untimed export at
 * another quality (LOW) to warm its threads up, as a server's threads are after their first
 * export; the rendition each keeps is of that quality, so none serves the measured export. CPU
 * time of each export thread's own thread and of libvips's threads during the measured export
 * is read from /proc. A third pool, of 1 thread scaling one image at a time with one libvips
 * thread, is shown for information: against it, 2 threads show how the pool scales with
 * threads alone, now that 1 thread scales two images at once on 2 cores. The reference is
 * sharp alone: every distinct
 * image of the community read into memory first (untimed), then scaled in a loop in this
 * thread, one after another, as the media step does (turned upright, resized inside the
 * quality's longest edge, re-encoded with the same JPEG settings; images within the edge are
 * skipped, as the export only cleans them). Time per image: wall time over the number of
 * distinct images, for both. CPU time (the whole process, all threads) is printed beside.
 * Goals: 2 threads reach at least 1.7x the speed of 1; with 1 thread, the export's time per
 * image is at most 1.3x sharp's. `--rounds` (default 3) repeats sharp alone and a new pool of
 * each kind, in alternating order; the table shows each side's median run (one export timed
 * per pool varied by a third from run to run on 2 cores).
 * Run: `npx tsx bench/export-images.ts [--users 40] [--rounds 3] [--quality MEDIUM]`.
 */
import sharp from 'sharp';
import type { MediaQuality } from '../src/domain/index.js';
import type { Runtime } from '../src/runtime.js';
import type { ImageShare, WorkerPool } from '../src/export/worker-pool.js';
import { benchArgs, NEEDS_BUILD, oneOf, positiveInteger } from './support/bench-args.js';
import { MEDIA_QUALITIES } from '../src/domain/enums.js';
import { reportResult } from './support/bench-result.js';
import {
  loadIndex,
  loadMediaQuality,
  loadSeed,
  loadSynthetic,
  loadWorkerPool,
} from './support/built.js';
import { printTable } from './support/measure-load.js';
import { withScratchDir } from './support/scratch-dir.js';
import { cpuBetween, threadCpu } from './support/thread-cpu.js';

const SPEEDUP_GOAL = 1.7;
const PER_IMAGE_GOAL = 1.3;
const SEED = 1;
const POLL_MS = 100;
/** How long one export may take, in milliseconds. */
const EXPORT_TIMEOUT_MS = 900_000;

interface Timing {
  readonly seconds: number;
  readonly cpuSeconds: number;
}

async function main(): Promise<void> {
  const { values } = benchArgs({
    summary:
      'What scaling costs an export whose images are all distinct: a WorkerPool of 2 threads against\n' +
      '1 (goal: 1.7x), and 1 thread against sharp alone, time per image (goal: at most 1.3x).',
    needs: [NEEDS_BUILD],
    options: {
      users: positiveInteger('members of the seeded community', 40),
      rounds: positiveInteger(
        'rounds, each timing sharp alone and a new pool of each kind; medians are reported',
        3,
      ),
      quality: oneOf(
        MEDIA_QUALITIES.filter((quality) => quality !== 'VERY_HIGH'),
        'media quality of the measured export',
        'MEDIUM',
      ),
    },
  });
  const { users } = values;
  const { quality } = values;
  const { loadConfig, openRuntime } = await loadIndex();
  const { LONGEST_EDGE_PX } = await loadMediaQuality();
  const edge = LONGEST_EDGE_PX[quality];
  await withScratchDir('dyi-bench-images-', async ({ dir: dataDir, atCleanUp }) => {
    const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
    atCleanUp(() => runtime.close());
    const communityId = await seed(runtime, users);
    const images = await distinctImages(runtime, communityId);
    console.log(`export-images: ${images.length} distinct images`);
    // Rounds alternate the order; each pool is new in every round, so that no rendition it
    // kept serves a later export.
    const alones: Timing[] = [];
    const runs: PoolRunOf[] = [];
    for (let round = 1; round <= values.rounds; round++) {
      const ways = round % 2 === 1 ? POOL_WAYS : [...POOL_WAYS].reverse();
      alones.push(await sharpAlone(images, edge));
      console.log(`  round ${round}, sharp alone: ${alones.at(-1)?.seconds.toFixed(1)} s`);
      for (const way of ways) {
        const run = await exportWithPool(runtime, communityId, way, quality);
        console.log(`  round ${round}, export, ${way.label}: ${run.timing.seconds.toFixed(1)} s`);
        runs.push({ ...way, ...run });
      }
    }
    const alone = medianBySeconds(alones, (timing) => timing);
    const medianRuns = POOL_WAYS.map((way) =>
      medianBySeconds(
        runs.filter((run) => run.label === way.label),
        (run) => run.timing,
      ),
    );
    report({ users, quality, images: images.length, alone, runs: medianRuns });
  });
}

async function seed(runtime: Runtime, users: number): Promise<string> {
  const { seedCommunity } = await loadSeed();
  const started = performance.now();
  const seeded = await seedCommunity(runtime, { users, seed: SEED, distinctImages: true });
  console.log(
    `export-images: seeded ${users} users with distinct images (${seeded.media.count} media records, ` +
      `${seeded.blobs.count} files) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return seeded.communityId;
}

/** Every distinct image of the community, read into memory. */
async function distinctImages(runtime: Runtime, communityId: string): Promise<Buffer[]> {
  const keys = new Set<string>();
  for await (const media of runtime.content.query(communityId, { kind: 'media' })) {
    if (media.content_type === 'image/jpeg') keys.add(media.blob_key);
  }
  const images: Buffer[] = [];
  for (const key of keys) {
    const chunks: Buffer[] = [];
    for await (const chunk of await runtime.blobs.openRead(key)) chunks.push(chunk as Buffer);
    images.push(Buffer.concat(chunks));
  }
  return images;
}

/** sharp scaling every image larger than `edge` as the media step does, one after another. */
async function sharpAlone(images: readonly Buffer[], edge: number): Promise<Timing> {
  return timed(async () => {
    for (const image of images) {
      const { width = 0, height = 0 } = await sharp(image).metadata();
      if (Math.max(width, height) <= edge) continue;
      await sharp(image, { failOn: 'truncated' })
        .autoOrient()
        .resize({ width: edge, height: edge, fit: 'inside', withoutEnlargement: true })
        // The settings of `media-quality.ts` for JPEG.
        .jpeg({
          quality: 82,
          progressive: false,
          chromaSubsampling: '4:2:0',
          optimiseCoding: true,
          mozjpeg: false,
        })
        .toBuffer();
    }
  });
}

/** Quality of the untimed export that warms up a pool's threads; not the measured one's. */
const WARM_UP_QUALITY: MediaQuality = 'LOW';

/**
 * The pools measured: 1 thread and 2 with the pool's own share of the cores, and for
 * information 1 thread kept to one core's worth of scaling (one image at a time, one libvips
 * thread), against which 2 threads show how the pool scales with threads alone.
 */
const POOL_WAYS: readonly PoolWay[] = [
  { label: '1 thread', threads: 1 },
  { label: '2 threads', threads: 2 },
  { label: '1 thread, 1 image at once', threads: 1, images: { imagesAtOnce: 1, imageThreads: 1 } },
];

interface PoolWay {
  readonly label: string;
  readonly threads: number;
  readonly images?: ImageShare;
}

type PoolRunOf = PoolWay & PoolRun;

async function exportWithPool(
  runtime: Runtime,
  communityId: string,
  way: PoolWay,
  quality: MediaQuality,
): Promise<PoolRun> {
  const { WorkerPool } = await loadWorkerPool();
  const pool = new WorkerPool({
    config: runtime.config,
    metadata: runtime.metadata,
    queue: runtime.queue,
    threads: way.threads,
    ...(way.images && { images: way.images }),
  });
  const beforeStart = await threadCpu();
  await pool.start();
  // The pool's own threads: those that appeared with it, but libvips's.
  const started = await threadCpu();
  const workers = [...started.keys()].filter(
    (id) => !beforeStart.has(id) && started.get(id)?.name !== LIBVIPS_THREAD,
  );
  try {
    // A server's threads live on from export to export: the first one a thread runs pays for
    // compiling the export's code, which the measured export should not. Another quality, so
    // that no rendition it keeps serves the measured export.
    const warmUp = await runExport(runtime, pool, communityId, WARM_UP_QUALITY);
    const before = await threadCpu();
    const measured = await runExport(runtime, pool, communityId, quality);
    const used = cpuBetween(before, await threadCpu());
    const sum = (ids: Iterable<number>): number =>
      [...ids].reduce((total, id) => total + (used.get(id)?.seconds ?? 0), 0);
    const libvips = [...used].filter(([, thread]) => thread.name === LIBVIPS_THREAD);
    return {
      ...measured,
      warmUpSeconds: warmUp.timing.seconds,
      workerCpu: workers.map((id) => used.get(id)?.seconds ?? 0),
      libvipsCpu: sum(libvips.map(([id]) => id)),
    };
  } finally {
    await pool.stop();
  }
}

/** Name of sharp's threads in /proc. */
const LIBVIPS_THREAD = 'libvips worker';

interface PoolRun {
  readonly timing: Timing;
  readonly jobs: number;
  /** Wall seconds of the warm-up export (cold threads, `WARM_UP_QUALITY`). */
  readonly warmUpSeconds: number;
  /** CPU seconds of each export thread's own (JavaScript) thread during the measured export. */
  readonly workerCpu: readonly number[];
  /** CPU seconds of libvips's threads during the measured export. */
  readonly libvipsCpu: number;
}

/** One export of every data type, created and run by the pool to its end. */
async function runExport(
  runtime: Runtime,
  pool: WorkerPool,
  communityId: string,
  quality: MediaQuality,
): Promise<{ timing: Timing; jobs: number }> {
  const { DATA_TYPES } = await loadIndex();
  const { SYNTHETIC_PERIOD } = await loadSynthetic();
  let jobs = 0;
  const timing = await timed(async () => {
    const created = await runtime.exports.create(communityId, {
      data_types: DATA_TYPES.join(','),
      dyi_format: 'JSON',
      media_quality: quality,
      start_time: String(SYNTHETIC_PERIOD.start),
      end_time: String(SYNTHETIC_PERIOD.end),
    });
    pool.wake();
    const deadline = performance.now() + EXPORT_TIMEOUT_MS;
    for (;;) {
      const counts = await runtime.metadata.exports.countJobs(created.id);
      if (counts.pending + counts.inProgress === 0) {
        if (counts.completed !== counts.total) {
          throw new Error(
            `export ${created.id} ended with jobs not completed: ${JSON.stringify(counts)}`,
          );
        }
        jobs = counts.total;
        return;
      }
      if (performance.now() > deadline) throw new Error(`export ${created.id} did not finish`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  });
  return { timing, jobs };
}

/** The item whose seconds are the median (the lower of the middle two for an even count). */
function medianBySeconds<T>(items: readonly T[], timingOf: (item: T) => Timing): T {
  const sorted = [...items].sort((a, b) => timingOf(a).seconds - timingOf(b).seconds);
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

async function timed(work: () => Promise<void>): Promise<Timing> {
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  await work();
  const cpu = process.cpuUsage(cpuStarted);
  return {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

function report(figures: {
  users: number;
  quality: MediaQuality;
  images: number;
  alone: Timing;
  runs: readonly PoolRunOf[];
}): void {
  const { images, alone, runs } = figures;
  const perImage = (timing: Timing): string => ((timing.seconds / images) * 1000).toFixed(1);
  const [one, two, oneAtOnce] = POOL_WAYS.map(
    (way) => runs.find((run) => run.label === way.label)?.timing ?? alone,
  ) as [Timing, Timing, Timing];
  console.log(
    `\n${figures.users} users, ${images} distinct images, media quality ${figures.quality}, JSON; ` +
      'median run of each',
  );
  printTable(
    ['run', 'jobs', 's', 'CPU s', 'ms per image', 'export threads CPU s', 'libvips CPU s'],
    [
      [
        'sharp alone, one loop',
        '',
        alone.seconds.toFixed(1),
        alone.cpuSeconds.toFixed(1),
        perImage(alone),
        '',
        '',
      ],
      ...runs.map((run) => [
        `export, WorkerPool ${run.label}`,
        String(run.jobs),
        run.timing.seconds.toFixed(1),
        run.timing.cpuSeconds.toFixed(1),
        perImage(run.timing),
        run.workerCpu.map((seconds) => seconds.toFixed(1)).join(' + '),
        run.libvipsCpu.toFixed(1),
      ]),
    ],
  );
  console.log(
    `warm-up exports (${WARM_UP_QUALITY}, cold threads, untimed): ` +
      runs.map((run) => `${run.label} ${run.warmUpSeconds.toFixed(1)} s`).join(', '),
  );
  const speedup = one.seconds / two.seconds;
  const overSharp = one.seconds / alone.seconds;
  const rows = [
    [
      '2 threads / 1 thread (speed)',
      speedup.toFixed(2),
      `>= ${SPEEDUP_GOAL}`,
      speedup >= SPEEDUP_GOAL ? 'PASS' : 'MISS',
    ],
    [
      'export 1 thread / sharp alone (time per image)',
      overSharp.toFixed(2),
      `<= ${PER_IMAGE_GOAL}`,
      overSharp <= PER_IMAGE_GOAL ? 'PASS' : 'MISS',
    ],
  ];
  const overOneImage = oneAtOnce.seconds / two.seconds;
  console.log('');
  printTable(
    ['measure', 'value', 'goal', 'result'],
    [
      ...rows,
      ['2 threads / 1 thread, 1 image at once (speed)', overOneImage.toFixed(2), 'information', ''],
    ],
  );
  reportResult({
    bench: 'export-images',
    measure: `${images} distinct images, WorkerPool 2 threads / 1 thread (speed)`,
    ours: `${two.seconds.toFixed(1)} s with 2`,
    reference: `${one.seconds.toFixed(1)} s with 1`,
    ratio: speedup,
    goal: { atLeast: SPEEDUP_GOAL },
  });
  reportResult({
    bench: 'export-images',
    measure: 'time per image, export with 1 thread / sharp alone in a loop',
    ours: `${perImage(one)} ms`,
    reference: `${perImage(alone)} ms`,
    ratio: overSharp,
    goal: { atMost: PER_IMAGE_GOAL },
  });
  reportResult({
    bench: 'export-images',
    measure: `${images} distinct images, 2 threads / 1 thread scaling 1 image at once (speed)`,
    ours: `${two.seconds.toFixed(1)} s with 2`,
    reference: `${oneAtOnce.seconds.toFixed(1)} s with 1`,
    ratio: overOneImage,
    goal: undefined,
  });
  const passed = rows.every((row) => row.at(-1) === 'PASS');
  console.log(`\nexport-images: ${passed ? 'PASS' : 'MISS'}`);
}

await main();
