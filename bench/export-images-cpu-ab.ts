/**
 * @module
 * CPU time of the export of `export-images.ts`, build against build, in one process: for when
 * the machine is too busy for that bench's wall-clock figures. A community with distinct
 * images (`seedCommunity` with `distinctImages`, `--users`, seed 1) is seeded once; each round
 * then runs, for every build given (compiled packages, e.g. `dist` and a build of an older
 * commit made with `npx tsc -p tsconfig.build.json --outDir <folder>` inside the repository,
 * so that it finds `node_modules`), order reversed every other round, a `WorkerPool` of
 * `--threads` threads from that build: an untimed warm-up export at LOW, then the measured
 * export (JSON, `--quality`, every data type). Printed per measured export: wall seconds (a
 * guide only under load), CPU seconds of the whole process, of the pool's own threads, of
 * libvips's threads and of the rest (main thread, libuv's pool, V8's helpers), from
 * /proc/self/task, and the medians per build at the end.
 * Run: `npm run build && npx tsx bench/export-images-cpu-ab.ts [--users 30] [--rounds 6]
 * [--threads 1] [--quality MEDIUM] dist <other-build>`.
 */
import os from 'node:os';
import path from 'node:path';
import type { MediaQuality } from '../src/domain/index.js';
import type { Runtime } from '../src/runtime.js';
import type { WorkerPool } from '../src/export/worker-pool.js';
import { benchArgs, BUILDS_TO_COMPARE, oneOf, positiveInteger } from './support/bench-args.js';
import { MEDIA_QUALITIES } from '../src/domain/enums.js';
import { median, printTable } from './support/measure-load.js';
import { withScratchDir } from './support/scratch-dir.js';
import { cpuBetween, threadCpu } from './support/thread-cpu.js';

type IndexModule = typeof import('../src/index.js');
type PoolModule = typeof import('../src/export/worker-pool.js');
type SeedModule = typeof import('../src/content/seed-community.js');
type SyntheticModule = typeof import('../src/content/synthetic-community.js');

const LIBVIPS_THREAD = 'libvips worker';
const POLL_MS = 100;
const EXPORT_TIMEOUT_MS = 900_000;

interface Sample {
  readonly build: string;
  readonly seconds: number;
  readonly cpu: number;
  readonly exportThreads: number;
  readonly libvips: number;
  readonly load: number;
}

async function main(): Promise<void> {
  const { values, positionals } = benchArgs({
    summary:
      "CPU time of export-images.ts's export (distinct images), build against build in one process,\n" +
      'for a machine too busy for wall-clock figures.',
    needs: ['compiled builds (`npm run build` for dist/)'],
    positionals: BUILDS_TO_COMPARE,
    options: {
      users: positiveInteger('members of the seeded community', 30),
      rounds: positiveInteger('rounds; every build exports once per round', 6),
      threads: positiveInteger("threads of each build's WorkerPool", 1),
      quality: oneOf(MEDIA_QUALITIES, 'media quality of the measured export', 'MEDIUM'),
    },
  });
  const builds = positionals.map((build) => path.resolve(build));
  const load = <T>(build: string, file: string): Promise<T> =>
    import(path.join(build, file)) as Promise<T>;
  const index = await load<IndexModule>(builds[0] ?? '', 'index.js');
  const { seedCommunity } = await load<SeedModule>(builds[0] ?? '', 'content/seed-community.js');
  const { SYNTHETIC_PERIOD } = await load<SyntheticModule>(
    builds[0] ?? '',
    'content/synthetic-community.js',
  );
  await withScratchDir('dyi-bench-images-ab-', async ({ dir, atCleanUp }) => {
    const runtime = await index.openRuntime(
      index.loadConfig({}, { dataDir: dir, logLevel: 'silent' }),
    );
    atCleanUp(() => runtime.close());
    const seeded = await seedCommunity(runtime, {
      users: values.users,
      seed: 1,
      distinctImages: true,
    });
    const exportOnce = (pool: WorkerPool, quality: MediaQuality): Promise<number> =>
      runExport(runtime, pool, seeded.communityId, quality, {
        dataTypes: index.DATA_TYPES.join(','),
        period: SYNTHETIC_PERIOD,
      });
    const samples: Sample[] = [];
    for (let round = 0; round < values.rounds; round++) {
      for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
        const { WorkerPool } = await load<PoolModule>(build, 'export/worker-pool.js');
        const pool = new WorkerPool({
          config: runtime.config,
          metadata: runtime.metadata,
          queue: runtime.queue,
          threads: values.threads,
        });
        const beforeStart = await threadCpu();
        await pool.start();
        const started = await threadCpu();
        const own = [...started.keys()].filter(
          (id) => !beforeStart.has(id) && started.get(id)?.name !== LIBVIPS_THREAD,
        );
        try {
          await exportOnce(pool, 'LOW');
          const before = await threadCpu();
          const seconds = await exportOnce(pool, values.quality);
          const used = [...cpuBetween(before, await threadCpu())];
          const sum = (keep: (entry: (typeof used)[number]) => boolean): number =>
            used.filter(keep).reduce((total, [, thread]) => total + thread.seconds, 0);
          const sample: Sample = {
            build,
            seconds,
            cpu: sum(() => true),
            exportThreads: sum(([id]) => own.includes(id)),
            libvips: sum(([, thread]) => thread.name === LIBVIPS_THREAD),
            load: os.loadavg()[0] ?? 0,
          };
          samples.push(sample);
          console.log(
            `${path.relative(process.cwd(), build)}: ${seconds.toFixed(1)} s, CPU ${sample.cpu.toFixed(2)} s ` +
              `(export threads ${sample.exportThreads.toFixed(2)}, libvips ${sample.libvips.toFixed(2)}), load ${sample.load.toFixed(1)}`,
          );
        } finally {
          await pool.stop();
        }
      }
    }
    report(builds, samples);
  });
}

async function runExport(
  runtime: Runtime,
  pool: WorkerPool,
  communityId: string,
  quality: MediaQuality,
  what: { dataTypes: string; period: { start: number; end: number } },
): Promise<number> {
  const started = performance.now();
  const created = await runtime.exports.create(communityId, {
    data_types: what.dataTypes,
    dyi_format: 'JSON',
    media_quality: quality,
    start_time: String(what.period.start),
    end_time: String(what.period.end),
  });
  pool.wake();
  for (;;) {
    const counts = await runtime.metadata.exports.countJobs(created.id);
    if (counts.pending + counts.inProgress === 0) {
      if (counts.completed !== counts.total) {
        throw new Error(
          `export ${created.id} ended with jobs not completed: ${JSON.stringify(counts)}`,
        );
      }
      return (performance.now() - started) / 1000;
    }
    if (performance.now() - started > EXPORT_TIMEOUT_MS) {
      throw new Error(`export ${created.id} did not finish`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function report(builds: readonly string[], samples: readonly Sample[]): void {
  const loads = samples.map((sample) => sample.load);
  console.log(
    `\nmedian (min–max) per measured export, load average ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}`,
  );
  const cell = (values: number[]): string =>
    `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`;
  printTable(
    ['build', 'runs', 'CPU s', 'export threads CPU s', 'libvips CPU s', 'rest CPU s'],
    builds.map((build) => {
      const of = samples.filter((sample) => sample.build === build);
      return [
        path.relative(process.cwd(), build),
        String(of.length),
        cell(of.map((sample) => sample.cpu)),
        cell(of.map((sample) => sample.exportThreads)),
        cell(of.map((sample) => sample.libvips)),
        cell(of.map((sample) => sample.cpu - sample.exportThreads - sample.libvips)),
      ];
    }),
  );
}

await main();
