/**
 * @module
 * Where `dyi serve`'s CPU goes during one large export, thread by thread and by nice value,
 * for builds compared in the same run (the figure a loaded machine does not move, unlike the
 * latency bench's). A community of `--users` members is seeded once; for each round and each
 * build (a directory holding a compiled `cli/main.js`, default `dist`), a copy of it is served
 * by that build (`dyi serve --no-demo`, its default export threads) and the latency bench's
 * large export (every data type, HTML_AND_JSON, MEDIUM) is created and run to its end while
 * `/proc/<pid>/task/*\/stat` is read every 100 ms: each thread's CPU goes to the nice value it
 * had at the start of the interval. Printed per build: CPU at the API's priority besides the
 * main thread (what competes with the API on its own terms), lowered (nice 10 or more), the
 * main thread's, and the threads at the API's priority by name (`node+N`: thread id minus the
 * process id, so that one thread can be followed from run to run). Builds alternate, the order reversed every other round.
 * Run: `npx tsx bench/export-thread-cpu.ts [--users 200] [--rounds 2] [dist <other build dir>]`.
 */
import { cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { benchArgs, positiveInteger } from './support/bench-args.js';
import { loadIndex, loadSeed, loadSynthetic } from './support/built.js';
import { loadAverage, startBuiltServer, stopChild } from './support/child-process.js';
import { printTable } from './support/measure-load.js';
import { withScratchDir } from './support/scratch-dir.js';

const SAMPLE_MS = 100;
const EXPORT_TIMEOUT_MS = 600_000;
/**
 * Threads at this nice value or above count as lowered (the export threads' 19); the others
 * run at the API's priority, 0 or, under `nice -n -20`, -20.
 */
const LOW_NICENESS = 10;
/** Clock ticks per second of `/proc/.../stat` (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface ThreadSample {
  readonly name: string;
  readonly nice: number;
  readonly ticks: number;
}

interface ThreadCpu {
  /** CPU seconds by the nice value the thread had, per thread id. */
  readonly byNice: Map<number, number>;
  name: string;
}

async function main(): Promise<void> {
  const { values, positionals } = benchArgs({
    summary:
      "Where `dyi serve`'s CPU goes during one large export, thread by thread and by nice value,\n" +
      'for builds compared in the same run.',
    needs: ['compiled builds (`npm run build` for dist/)'],
    positionals: {
      placeholder: '[BUILD...]',
      description: 'folders holding a compiled cli/main.js (default: dist)',
    },
    options: {
      users: positiveInteger('members of the seeded community', 200),
      rounds: positiveInteger('rounds; every build runs the export once per round', 2),
    },
  });
  const builds = positionals.length > 0 ? positionals : ['dist'];
  const { rounds } = values;
  await withScratchDir('dyi-bench-thread-cpu-', async ({ dir, atCleanUp }) => {
    const template = path.join(dir, 'template');
    const communityId = await seed(template, values.users);
    const rows: string[][] = [];
    let child: Awaited<ReturnType<typeof startBuiltServer>>['child'] | undefined;
    atCleanUp(() => stopChild(child, 30_000));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? builds : [...builds].reverse();
      for (const build of order) {
        const dataDir = path.join(dir, `run-${round}-${builds.indexOf(build)}`);
        await cp(template, dataDir, { recursive: true });
        const cli = path.resolve(build, 'cli/main.js');
        const server = await startBuiltServer(dataDir, [], 120_000, {}, cli);
        child = server.child;
        const load = loadAverage();
        const threads = await exportOnce(dataDir, communityId, server.child.pid as number);
        await stopChild(server.child, 30_000);
        child = undefined;
        rows.push(row(round + 1, build, load, threads, server.child.pid as number));
        console.log(rows.at(-1)?.join('  '));
      }
    }
    console.log('');
    printTable(
      [
        'round',
        'build',
        'load',
        'API priority s',
        'lowered s',
        'main s',
        'at API priority, by thread',
      ],
      rows,
    );
  });
}

async function seed(dataDir: string, users: number): Promise<string> {
  const { loadConfig, openRuntime } = await loadIndex();
  const { seedCommunity } = await loadSeed();
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  try {
    return (await seedCommunity(runtime, { users, seed: 1 })).communityId;
  } finally {
    await runtime.close();
  }
}

/** Creates the large export in a served data directory and samples the server's threads until it ends. */
async function exportOnce(
  dataDir: string,
  communityId: string,
  pid: number,
): Promise<Map<number, ThreadCpu>> {
  const { loadConfig, openRuntime, DATA_TYPES } = await loadIndex();
  const { SYNTHETIC_PERIOD } = await loadSynthetic();
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  const threads = new Map<number, ThreadCpu>();
  try {
    let last = await sampleThreads(pid);
    const big = await runtime.exports.create(communityId, {
      data_types: DATA_TYPES.join(','),
      dyi_format: 'HTML_AND_JSON',
      media_quality: 'MEDIUM',
      start_time: String(SYNTHETIC_PERIOD.start),
      end_time: String(SYNTHETIC_PERIOD.end),
    });
    const deadline = performance.now() + EXPORT_TIMEOUT_MS;
    for (let tick = 0; ; tick++) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      const now = await sampleThreads(pid);
      for (const [tid, sample] of now) {
        const before = last.get(tid);
        const seconds = (sample.ticks - (before?.ticks ?? 0)) / TICKS_PER_SECOND;
        const nice = before?.nice ?? sample.nice;
        const thread = threads.get(tid) ?? { byNice: new Map<number, number>(), name: '' };
        thread.name = sample.name;
        thread.byNice.set(nice, (thread.byNice.get(nice) ?? 0) + seconds);
        threads.set(tid, thread);
      }
      last = new Map([...last, ...now]);
      if (tick % 10 === 0) {
        const counts = await runtime.metadata.exports.countJobs(big.id);
        if (counts.pending + counts.inProgress === 0) {
          if (counts.failed > 0) throw new Error(`${counts.failed} jobs of the export failed`);
          return threads;
        }
      }
      if (performance.now() > deadline) throw new Error('the large export did not end in time');
    }
  } finally {
    await runtime.close();
  }
}

async function sampleThreads(pid: number): Promise<Map<number, ThreadSample>> {
  const samples = new Map<number, ThreadSample>();
  for (const tid of await readdir(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    samples.set(Number(tid), {
      name: stat.slice(stat.indexOf('(') + 1, close),
      ticks: Number(fields[11]) + Number(fields[12]),
      nice: Number(fields[16]),
    });
  }
  return samples;
}

function row(
  round: number,
  build: string,
  load: string,
  threads: Map<number, ThreadCpu>,
  pid: number,
): string[] {
  let atApiPriority = 0;
  let lowered = 0;
  let mainThread = 0;
  const byName = new Map<string, number>();
  for (const [tid, thread] of threads) {
    for (const [nice, seconds] of thread.byNice) {
      if (tid === pid) mainThread += seconds;
      else if (nice < LOW_NICENESS) {
        atApiPriority += seconds;
        const key = thread.name === 'node' ? `node+${tid - pid}` : thread.name;
        byName.set(key, (byName.get(key) ?? 0) + seconds);
      } else lowered += seconds;
    }
  }
  const names = [...byName]
    .filter(([, seconds]) => seconds >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, seconds]) => `${name} ${seconds.toFixed(2)}`)
    .join(', ');
  return [
    String(round),
    build,
    load.split(' ')[0] ?? '',
    atApiPriority.toFixed(2),
    lowered.toFixed(2),
    mainThread.toFixed(2),
    names,
  ];
}

await main();
