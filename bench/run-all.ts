/**
 * @module
 * `npm run bench`: every bench, one after another, at sizes that finish in about 10 minutes on
 * a 2-core machine, then one table of what each compares: bench, ours, reference, ratio, goal,
 * PASS or MISS. Each bench prints its own detailed output into `bench/.out/<name>.log` (kept
 * after the run) and ends with `BENCH-RESULT` lines (`bench/support/bench-result.ts`), which are
 * what the table shows. A bench whose needs are missing on this machine (nginx, PostgreSQL,
 * Swift) is listed as skipped with the reason; one that fails is listed as failed and the run
 * exits 1 at the end. MISS is a result, not a failure.
 *
 * Run: `npm run bench` (builds first) or `npx tsx bench/run-all.ts [--only a,b] [--markdown]`.
 * `--markdown` prints the table as Markdown too, for docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { benchArgs, flag, text } from './support/bench-args.js';
import { type BenchResult, goalText, resultsIn, verdict } from './support/bench-result.js';
import { loadAverage } from './support/child-process.js';
import { printTable } from './support/measure-load.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(BENCH_DIR, '..');
const LOG_DIR = path.join(BENCH_DIR, '.out');
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
/** Longest one bench may run before it is stopped (by its pid) and listed as failed. */
const BENCH_TIMEOUT_MS = 10 * 60_000;

type Need = 'nginx' | 'postgres' | 'swift' | 'curl';

interface Bench {
  readonly name: string;
  readonly args: readonly string[];
  readonly needs: readonly Need[];
  /** What the run shows when a need is missing; the output's log names the same. */
  readonly note?: string;
}

/** The benches and the sizes `npm run bench` runs them at (their defaults are larger). */
const BENCHES: readonly Bench[] = [
  { name: 'graph-vs-bare', args: ['--rounds', '3', '--duration', '3'], needs: [] },
  { name: 'deep-paging', args: ['--jobs', '100000'], needs: [] },
  { name: 'download-vs-nginx', args: ['--runs', '3', '--size-mib', '1024'], needs: ['nginx'] },
  { name: 'import-vs-sqlite', args: ['--users', '300', '--rounds', '5'], needs: [] },
  { name: 'export-vs-yazl', args: ['--users', '200'], needs: [] },
  { name: 'export-images', args: ['--users', '30'], needs: [] },
  { name: 'export-memory', args: ['--rounds', '1'], needs: [] },
  { name: 'api-latency-during-export', args: ['--users', '200', '--duration', '5'], needs: [] },
  {
    name: 'download-cli-vs-curl',
    args: ['--runs', '3', '--size-mib', '1024'],
    needs: ['curl'],
  },
  {
    name: 'download-many-vs-python',
    args: ['--users', '2000', '--rounds', '2'],
    needs: ['curl'],
  },
  {
    name: 'export-workers-postgres',
    args: ['--users', '60'],
    needs: ['postgres', 'swift'],
  },
  {
    name: 'deep-paging',
    args: ['--database', 'postgres', '--jobs', '100000'],
    needs: ['postgres'],
    note: 'PostgreSQL',
  },
  {
    name: 'graph-postgres-vs-sqlite',
    args: ['--rounds', '3', '--duration', '3'],
    needs: ['postgres'],
  },
  {
    name: 'download-s3-vs-presigned',
    args: ['--runs', '3', '--size-mib', '256'],
    needs: ['postgres', 'swift'],
  },
];

interface Outcome {
  readonly bench: Bench;
  readonly seconds: number;
  readonly results: readonly BenchResult[];
  /** Why it did not run, or how it failed; undefined when it ran to the end. */
  readonly problem?: { readonly kind: 'skipped' | 'failed'; readonly why: string };
}

async function main(): Promise<void> {
  const { values, fail } = benchArgs({
    summary:
      'Every bench, one after another, at sizes that finish in about 10 minutes on 2 cores, then one\n' +
      'table: bench, ours, reference, ratio, goal, PASS or MISS.',
    needs: [
      '`npm run build`',
      'for some benches nginx, curl, PostgreSQL, OpenStack Swift (else listed as skipped)',
    ],
    options: {
      only: text('A,B', 'run only these benches, comma-separated (default: all)'),
      markdown: flag('print the table as Markdown too, for docs/benchmarks.md'),
    },
  });
  const only = values.only?.split(',').map((name) => name.trim());
  const unknown = only?.filter((name) => !BENCHES.some((bench) => bench.name === name)) ?? [];
  if (unknown.length > 0) {
    fail(
      `--only names no bench called ${unknown.join(', ')}; the benches are: ` +
        [...new Set(BENCHES.map((bench) => bench.name))].join(', '),
    );
  }
  const chosen = BENCHES.filter((bench) => only === undefined || only.includes(bench.name));
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (`npm run bench` does).');
  }
  await mkdir(LOG_DIR, { recursive: true });
  const missing = await missingNeeds();
  const startLoad = loadAverage();
  const started = performance.now();
  console.log(
    `${chosen.length} benches, one after another; ${cpus().length} CPUs, ` +
      `${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${startLoad}; logs in bench/.out/`,
  );

  const outcomes: Outcome[] = [];
  for (const [index, bench] of chosen.entries()) {
    const label = `[${index + 1}/${chosen.length}] ${title(bench)}`;
    const lacking = bench.needs.map((need) => missing.get(need)).filter((why) => why !== undefined);
    if (lacking.length > 0) {
      console.log(`${label}: skipped (${lacking.join('; ')})`);
      outcomes.push({
        bench,
        seconds: 0,
        results: [],
        problem: { kind: 'skipped', why: lacking[0] ?? '' },
      });
      continue;
    }
    const outcome = await runBench(bench, label);
    outcomes.push(outcome);
    const shown = outcome.problem
      ? `FAILED: ${outcome.problem.why}`
      : outcome.results.map((result) => `${result.ratio.toFixed(2)} ${verdict(result)}`).join(', ');
    if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
    console.log(`${label}: ${shown} (${outcome.seconds.toFixed(0)} s)`);
  }

  const minutes = (performance.now() - started) / 60_000;
  console.log(
    `\nAll benches in ${minutes.toFixed(1)} min; load average ${startLoad} at the start, ${loadAverage()} at the end.\n`,
  );
  const rows = tableRows(outcomes);
  printTable(['bench', 'measure', 'ours', 'reference', 'ratio', 'goal', 'result'], rows);
  if (values.markdown) {
    console.log('');
    printMarkdown(['bench', 'measure', 'ours', 'reference', 'ratio', 'goal', 'result'], rows);
  }
  const misses = outcomes
    .flatMap((outcome) => outcome.results)
    .filter((r) => verdict(r) === 'MISS');
  const failed = outcomes.filter((outcome) => outcome.problem?.kind === 'failed');
  console.log(
    `\n${misses.length} MISS, ${failed.length} failed, ` +
      `${outcomes.filter((outcome) => outcome.problem?.kind === 'skipped').length} skipped.`,
  );
  if (failed.length > 0) process.exitCode = 1;
}

function title(bench: Bench): string {
  return bench.note === undefined ? bench.name : `${bench.name} (${bench.note})`;
}

/** Runs one bench through tsx, its output into its log; its results, or why it failed. */
async function runBench(bench: Bench, label: string): Promise<Outcome> {
  const logName = `${bench.name}${bench.note === undefined ? '' : `-${bench.note.toLowerCase()}`}.log`;
  const log = createWriteStream(path.join(LOG_DIR, logName));
  const started = performance.now();
  const child = spawn(TSX, [path.join(BENCH_DIR, `${bench.name}.ts`), ...bench.args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let lastLine = '';
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    output += text;
    log.write(chunk);
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    lastLine = lines.at(-1) ?? lastLine;
    if (process.stdout.isTTY) {
      const elapsed = ((performance.now() - started) / 1000).toFixed(0);
      const room = Math.max(20, (process.stdout.columns || 100) - label.length - 12);
      process.stdout.write(`\r\x1b[K${label} ${elapsed} s: ${lastLine.trim().slice(0, room)}`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGTERM'), BENCH_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve) => {
    child.on('close', (exitCode) => resolve(exitCode));
  });
  clearTimeout(timer);
  await new Promise<void>((resolve) => log.end(resolve));
  const seconds = (performance.now() - started) / 1000;
  const results = resultsIn(output);
  if (code !== 0) {
    return {
      bench,
      seconds,
      results,
      problem: { kind: 'failed', why: `exit ${code}; see bench/.out/${logName}` },
    };
  }
  if (results.length === 0) {
    return {
      bench,
      seconds,
      results,
      problem: { kind: 'failed', why: `no BENCH-RESULT line; see bench/.out/${logName}` },
    };
  }
  return { bench, seconds, results };
}

function tableRows(outcomes: readonly Outcome[]): string[][] {
  return outcomes.flatMap((outcome) => {
    if (outcome.problem !== undefined && outcome.results.length === 0) {
      return [
        [
          title(outcome.bench),
          outcome.problem.why,
          '',
          '',
          '',
          '',
          outcome.problem.kind.toUpperCase(),
        ],
      ];
    }
    return outcome.results.map((result) => [
      title(outcome.bench),
      result.measure,
      result.ours,
      result.reference,
      result.ratio.toFixed(2),
      goalText(result.goal),
      verdict(result),
    ]);
  });
}

function printMarkdown(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
  console.log(line(header));
  console.log(line(header.map((_, i) => (i >= 2 && i <= 4 ? '---:' : '---'))));
  for (const row of rows) console.log(line(row));
}

/** What this machine lacks for some benches, by need, with the reason shown. */
async function missingNeeds(): Promise<Map<Need, string>> {
  const missing = new Map<Need, string>();
  if (!existsSync('/usr/sbin/nginx')) missing.set('nginx', 'needs nginx: apt-get install -y nginx');
  if (!(await commandAnswers('curl', ['--version']))) missing.set('curl', 'needs curl');
  if (!(await commandAnswers('swift-proxy-server', ['--help']))) {
    missing.set(
      'swift',
      'needs Swift: apt-get install -y swift swift-proxy swift-account swift-container swift-object',
    );
  }
  const url = process.env.DYI_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch {
    missing.set(
      'postgres',
      `needs PostgreSQL at ${url.replace(/\/\/[^@]*@/, '//')} (or DYI_TEST_POSTGRES_URL)`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  return missing;
}

function commandAnswers(command: string, args: readonly string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', () => resolve(true));
  });
}

await main();
