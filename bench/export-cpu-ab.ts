/**
 * @module
 * CPU time of `export-vs-yazl.ts`'s export, build against build in one process, job by job:
 * for when the machine is too busy for that bench's wall-clock figures. A community of
 * `--users` members (seed 1) is seeded once; every build given (compiled packages, e.g. `dist`
 * and a build of an older commit made with `npx tsc -p tsconfig.build.json --outDir <folder>`)
 * opens its own runtime on it and creates the same export (`--format`, MEDIUM, every data type
 * over the synthetic period). Then, round after round, job i of every build's export runs with
 * that build's `JobRunner` (as in `export-vs-yazl.ts`: deflate on libuv's pool), the builds'
 * order reversed every job, so that all builds run under the same load. Per job: CPU of the
 * main thread (`/proc/thread-self/schedstat`, nanoseconds: what the export's wall time is made
 * of when the main thread is the busy one) and of the whole process (`process.cpuUsage`, the
 * pool's deflate and hashing included). Printed per round and build: the sums, and the ratio
 * of each build's to the first build's. Each build's parts are checked to hold the same
 * entries, byte for byte, as the first build's (manifests aside: they name their export).
 * Run: `npm run build && npx tsx bench/export-cpu-ab.ts [--users 150] [--rounds 3]
 * [--format JSON] dist <other-build>`.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { Runtime } from '../src/runtime.js';
import { DYI_FORMATS } from '../src/domain/enums.js';
import { zipEntries } from '../test/support/archives.js';
import { benchArgs, BUILDS_TO_COMPARE, oneOf, positiveInteger } from './support/bench-args.js';
import { printTable } from './support/measure-load.js';
import { withScratchDir } from './support/scratch-dir.js';

type IndexModule = typeof import('../src/index.js');
type RunnerModule = typeof import('../src/export/job-runner.js');
type SeedModule = typeof import('../src/content/seed-community.js');
type SyntheticModule = typeof import('../src/content/synthetic-community.js');

interface Build {
  readonly folder: string;
  readonly runtime: Runtime;
  readonly runner: InstanceType<RunnerModule['JobRunner']>;
  /** Creates the measured export once more; resolves with its jobs' ids, in order. */
  readonly newExport: () => Promise<readonly string[]>;
}

interface Spent {
  mainSeconds: number;
  processSeconds: number;
  wallSeconds: number;
}

/** Nanoseconds this thread has run on a CPU (the first field of its schedstat). */
function mainThreadSeconds(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e9;
}

function processSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

async function main(): Promise<void> {
  const { values, positionals } = benchArgs({
    summary:
      "CPU time of export-vs-yazl.ts's export, build against build in one process, job by job,\n" +
      'for a machine too busy for wall-clock figures.',
    needs: ['compiled builds (`npm run build` for dist/)'],
    positionals: BUILDS_TO_COMPARE,
    options: {
      users: positiveInteger('members of the seeded community', 150),
      rounds: positiveInteger('rounds; every build runs every job once per round', 3),
      format: oneOf(DYI_FORMATS, 'format of the export', 'JSON'),
    },
  });
  const folders = positionals.map((folder) => path.resolve(folder));
  const load = <T>(folder: string, file: string): Promise<T> =>
    import(path.join(folder, file)) as Promise<T>;
  const first = folders[0] ?? '';
  const { seedCommunity } = await load<SeedModule>(first, 'content/seed-community.js');
  const { SYNTHETIC_PERIOD } = await load<SyntheticModule>(first, 'content/synthetic-community.js');
  await withScratchDir('dyi-bench-export-cpu-', async ({ dir, atCleanUp }) => {
    const builds: Build[] = [];
    atCleanUp(async () => {
      for (const build of builds) await build.runtime.close();
    });
    let communityId: string | undefined;
    for (const folder of folders) {
      const index = await load<IndexModule>(folder, 'index.js');
      const { JobRunner, jobRunnerDeps } = await load<RunnerModule>(folder, 'export/job-runner.js');
      const runtime = await index.openRuntime(
        index.loadConfig({}, { dataDir: dir, logLevel: 'silent' }),
      );
      communityId ??= (await seedCommunity(runtime, { users: values.users, seed: 1 })).communityId;
      const seeded = communityId;
      const newExport = async (): Promise<readonly string[]> => {
        const created = await runtime.exports.create(seeded, {
          data_types: index.DATA_TYPES.join(','),
          dyi_format: values.format,
          media_quality: 'MEDIUM',
          start_time: String(SYNTHETIC_PERIOD.start),
          end_time: String(SYNTHETIC_PERIOD.end),
        });
        return await runtime.metadata.jobs.idsOfExport(created.id);
      };
      builds.push({ folder, runtime, runner: new JobRunner(jobRunnerDeps(runtime)), newExport });
    }
    const rows: string[][] = [];
    for (let round = 1; round <= values.rounds; round++) {
      const spent = await runRound(builds, round === 1);
      const base = spent[0] as Spent;
      for (const [index, build] of builds.entries()) {
        const of = spent[index] as Spent;
        rows.push([
          String(round),
          path.relative(process.cwd(), build.folder),
          of.mainSeconds.toFixed(2),
          (of.mainSeconds / base.mainSeconds).toFixed(3),
          of.processSeconds.toFixed(2),
          (of.processSeconds / base.processSeconds).toFixed(3),
          of.wallSeconds.toFixed(1),
          (os.loadavg()[0] ?? 0).toFixed(1),
        ]);
        console.log(rows.at(-1)?.join('  '));
      }
    }
    console.log(
      `\n${values.users} users, ${values.format}, MEDIUM; jobs interleaved build by build`,
    );
    printTable(
      ['round', 'build', 'main CPU s', 'vs first', 'process CPU s', 'vs first', 'wall s', 'load'],
      rows,
    );
  });
}

/** Runs every job once per build, interleaved; `compare`: checks the archives against the first build's. */
async function runRound(builds: readonly Build[], compare: boolean): Promise<Spent[]> {
  const spent = builds.map(() => ({ mainSeconds: 0, processSeconds: 0, wallSeconds: 0 }));
  const jobIds: (readonly string[])[] = [];
  for (const build of builds) jobIds.push(await build.newExport());
  const jobs = jobIds[0]?.length ?? 0;
  for (let job = 0; job < jobs; job++) {
    const order = [...builds.keys()];
    if (job % 2 === 1) order.reverse();
    for (const index of order) {
      const build = builds[index] as Build;
      const jobId = jobIds[index]?.[job] as string;
      const [main, whole, wall] = [mainThreadSeconds(), processSeconds(), performance.now()];
      const outcome = await build.runner.run(jobId);
      const of = spent[index] as Spent;
      of.mainSeconds += mainThreadSeconds() - main;
      of.processSeconds += processSeconds() - whole;
      of.wallSeconds += (performance.now() - wall) / 1000;
      if (outcome !== 'COMPLETED')
        throw new Error(`${build.folder}: job ${jobId} ended ${outcome}`);
    }
    const ofJob = jobIds.map((ids) => ids[job] as string);
    if (compare) await compareArchives(builds, ofJob);
    // The next round makes the same files again: these are no longer needed.
    for (const [index, build] of builds.entries()) {
      for (const key of await build.runtime.metadata.files.deleteByJob(ofJob[index] as string)) {
        await build.runtime.blobs.delete(key);
      }
    }
  }
  return spent;
}

/**
 * Every entry of one job's parts (`jobIds`: the job of each build's export) but the manifests,
 * the part index and the index page, which name their export: the same bytes in every build.
 */
async function compareArchives(builds: readonly Build[], jobIds: readonly string[]): Promise<void> {
  let expected: string | undefined;
  for (const [index, build] of builds.entries()) {
    const jobId = jobIds[index] as string;
    const { items } = await build.runtime.metadata.files.listByJob(jobId, { limit: 100 });
    const entries: string[] = [];
    for (const file of items) {
      const zipped = await buffer(await build.runtime.blobs.openRead(file.blobKey));
      for (const entry of await zipEntries(zipped)) {
        if (/^manifest-part-\d+\.json$|^parts-index\.json$|^index\.html$/.test(entry.path))
          continue;
        entries.push(`${entry.path} ${entry.deflated} ${entry.data.toString('base64')}`);
      }
    }
    const text = entries.join('\n');
    expected ??= text;
    if (text !== expected) {
      throw new Error(`${build.folder}: job ${jobId}'s entries differ from the first build's`);
    }
  }
}

await main();
