/**
 * @module
 * Whether an export streams: the peak RSS of a process that exports a community of `--users`
 * members (default 100) against one that exports a community four times larger. Both
 * communities are seeded first (`seedCommunity`, same seed, each in its own data directory);
 * then each export runs in a fresh child process (`support/export-child.ts`, compiled package,
 * JobRunner running every job one after another, every data type, `--format` HTML_AND_JSON and
 * `--quality` VERY_HIGH by default, so that media are streamed from the blob store rather than
 * resized in memory), which reports its peak RSS (`VmHWM` of /proc/self/status, threads
 * included) once its runtime is open and again after the export. The pair runs `--rounds`
 * times (default 2), order reversed every other round; the medians are compared.
 * Goal: the 4x export's peak RSS is at most 1.25x the small one's.
 * Run: `npx tsx bench/export-memory.ts [--users 100] [--rounds 2] [--format HTML_AND_JSON] [--quality VERY_HIGH]`.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DyiFormat, MediaQuality } from '../src/domain/index.js';
import { benchArgs, NEEDS_BUILD, oneOf, positiveInteger } from './support/bench-args.js';
import { DYI_FORMATS, MEDIA_QUALITIES } from '../src/domain/enums.js';
import { reportResult } from './support/bench-result.js';
import { loadIndex, loadSeed } from './support/built.js';
import type { ExportChildResult, ExportChildStart } from './support/export-child.js';
import { median, printTable } from './support/measure-load.js';
import { withScratchDir } from './support/scratch-dir.js';

const GOAL_RATIO = 1.25;
const SCALE = 4;
const SEED = 1;
/** Longest one export child may run before it is killed, in milliseconds. */
const CHILD_TIMEOUT_MS = 15 * 60_000;
const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD_SCRIPT = path.join(here, 'support', 'export-child.ts');

interface Community {
  readonly label: string;
  readonly users: number;
  readonly dataDir: string;
  readonly communityId: string;
}

async function main(): Promise<void> {
  const { values } = benchArgs({
    summary:
      'Whether an export streams: peak RSS of a process exporting a community against one four\n' +
      'times larger (goal: at most 1.25x).',
    needs: [NEEDS_BUILD],
    options: {
      users: positiveInteger('members of the smaller community (the other has 4x)', 100),
      rounds: positiveInteger(
        'rounds; the pair runs once per round, the order reversed every other round',
        2,
      ),
      format: oneOf(DYI_FORMATS, 'format of the export', 'HTML_AND_JSON'),
      quality: oneOf(MEDIA_QUALITIES, 'media quality of the export', 'VERY_HIGH'),
    },
  });
  const { users, rounds, format, quality } = values;

  await withScratchDir('dyi-bench-memory-', async ({ dir: root }) => {
    const small = await seed(root, 'small', users);
    const large = await seed(root, `${SCALE}x`, users * SCALE);
    const results = new Map<Community, ExportChildResult[]>([
      [small, []],
      [large, []],
    ]);
    for (let round = 1; round <= rounds; round += 1) {
      const order = round % 2 === 1 ? [small, large] : [large, small];
      for (const community of order) {
        const result = await exportInChild({
          dataDir: community.dataDir,
          communityId: community.communityId,
          format,
          quality,
        });
        results.get(community)?.push(result);
        console.log(
          `  round ${round}  ${community.label.padEnd(5)}  ${community.users} users, ${result.jobs} jobs, ` +
            `${mebibytes(result.bytes)} MiB written in ${result.seconds.toFixed(1)} s; peak RSS ` +
            `${mebibytes(result.maxRss)} MiB (${mebibytes(result.baselineMaxRss)} MiB before the export)`,
        );
      }
    }
    report(results, small, large, format, quality);
  });
}

async function seed(root: string, label: string, users: number): Promise<Community> {
  const { loadConfig, openRuntime } = await loadIndex();
  const { seedCommunity } = await loadSeed();
  const dataDir = path.join(root, label);
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  try {
    const started = performance.now();
    const seeded = await seedCommunity(runtime, { users, seed: SEED });
    console.log(
      `export-memory: seeded ${label} community, ${users} users (${seeded.totalRecords.toLocaleString('en')} records) ` +
        `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return { label, users, dataDir, communityId: seeded.communityId };
  } finally {
    await runtime.close();
  }
}

/** Forks the export child, hands it its export, and waits for its figures and its exit. */
async function exportInChild(start: ExportChildStart): Promise<ExportChildResult> {
  const child = fork(CHILD_SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, CHILD_TIMEOUT_MS);
  try {
    const reply = new Promise<{ result?: ExportChildResult; error?: string }>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`export child exited early (code ${code})`)));
    });
    child.send(start);
    const message = await reply;
    if (message.error !== undefined) throw new Error(`export child failed: ${message.error}`);
    if (message.result === undefined) throw new Error('export child sent no figures');
    return message.result;
  } finally {
    await exited;
    clearTimeout(timer);
  }
}

function report(
  results: ReadonlyMap<Community, readonly ExportChildResult[]>,
  small: Community,
  large: Community,
  format: DyiFormat,
  quality: MediaQuality,
): void {
  const peak = (community: Community) =>
    median((results.get(community) ?? []).map((r) => r.maxRss));
  const baseline = (community: Community) =>
    median((results.get(community) ?? []).map((r) => r.baselineMaxRss));
  const written = (community: Community) =>
    median((results.get(community) ?? []).map((r) => r.bytes));
  console.log(`\n${format}, ${quality}; medians of the rounds:`);
  printTable(
    ['export', 'users', 'MiB written', 'peak RSS MiB', 'RSS before export MiB', 'growth MiB'],
    [small, large].map((community) => [
      community.label,
      String(community.users),
      mebibytes(written(community)),
      mebibytes(peak(community)),
      mebibytes(baseline(community)),
      mebibytes(peak(community) - baseline(community)),
    ]),
  );
  const ratio = peak(large) / peak(small);
  const growthRatio = (peak(large) - baseline(large)) / (peak(small) - baseline(small));
  const passed = ratio <= GOAL_RATIO;
  console.log('');
  printTable(
    ['measure', 'value', 'goal', 'result'],
    [
      [
        `peak RSS ${large.label} / small`,
        ratio.toFixed(2),
        `<= ${GOAL_RATIO}`,
        passed ? 'PASS' : 'MISS',
      ],
      [
        `growth over baseline ${large.label} / small`,
        growthRatio.toFixed(2),
        '(for information)',
        '',
      ],
    ],
  );
  reportResult({
    bench: 'export-memory',
    measure: `peak RSS, export ${SCALE}x larger / smaller`,
    ours: `${mebibytes(peak(large))} MiB`,
    reference: `${mebibytes(peak(small))} MiB`,
    ratio,
    goal: { atMost: GOAL_RATIO },
  });
  console.log(
    `\nexport-memory: ${passed ? 'PASS' : 'MISS'} (goal: an export ${SCALE}x larger raises peak RSS by at most ${Math.round((GOAL_RATIO - 1) * 100)} %)`,
  );
}

function mebibytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

await main();
