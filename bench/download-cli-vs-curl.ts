/**
 * @module
 * `dyi download` against curl on one 1 GiB file served by our server, same run. The bench
 * makes a community, a token and an export whose company job holds one 1 GiB file (written
 * through `JobService.storeFile` into a temp data directory; the community has no members, so
 * the export has no user jobs), then starts the compiled `dyi serve` in a child process on
 * 127.0.0.1 (rate limits off) and times, alternately after one warm-up each, the compiled
 * `dyi download` of the whole export (Graph listing, `.part`, sha256 check, rename: what a user
 * runs) and the fair reference, `curl -s URL | tee FILE | openssl dgst -sha256` of the file's
 * `download_url` (a download that also hashes what it writes, as dyi does; its digest is checked
 * against the file's), each writing into the temp dir. All are timed from process start to exit.
 * Two more lines are for information only: `curl -s -o FILE` (no hash at all) and the least a
 * Node downloader does (undici's `request` through a sha256 into a file). It prints MB/s (10^6
 * bytes/s) per run, the medians and the ratio dyi / (curl | tee | openssl) (goal: at least 1.0).
 * It stops the server by its pid and removes the temp dir at the end, also on Ctrl-C.
 * Run: `npm run bench:download-cli` (builds first) or
 * `npx tsx bench/download-cli-vs-curl.ts [--runs 3] [--size-mib 1024]`.
 */
import { existsSync } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { openRuntime } from '../src/runtime.js';
import { benchArgs, NEEDS_BUILD, positiveInteger } from './support/bench-args.js';
import { completeWithOnePart, tokenAndExport } from './support/bench-export.js';
import { reportResult } from './support/bench-result.js';
import { loadAverage, startBuiltServer, stopChild, timed } from './support/child-process.js';
import { median } from './support/measure-load.js';
import { withScratchDir } from './support/scratch-dir.js';

const GOAL_RATIO = 1.0;
const MIB = 1024 * 1024;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(REPO_ROOT, 'dist', 'cli', 'main.js');
/**
 * A reference, not a contender: the least a Node downloader does (undici's `request`, the
 * client dyi uses, piped to a file through a sha256), to tell what Node costs from what dyi
 * adds. Plain JavaScript for `node -e`, run from the repository so that `undici` resolves.
 */
const NODE_MINIMAL_SOURCE = `
const { request } = require('undici');
const { createWriteStream } = require('node:fs');
const { createHash } = require('node:crypto');
const { pipeline } = require('node:stream/promises');
(async () => {
  const [url, file] = process.argv.slice(1);
  const { statusCode, body } = await request(url);
  if (statusCode !== 200) throw new Error('status ' + statusCode);
  const hash = createHash('sha256');
  await pipeline(body, async function* (source) {
    for await (const chunk of source) { hash.update(chunk); yield chunk; }
  }, createWriteStream(file, { highWaterMark: 1024 * 1024 }));
  console.log(hash.digest('hex'));
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** Longest any one child may run before the bench kills it (by its pid) and fails. */
const CHILD_TIMEOUT_MS = 300_000;
const RUN = { timeoutMs: CHILD_TIMEOUT_MS, cwd: REPO_ROOT };

interface Seeded {
  readonly token: string;
  readonly exportId: string;
  readonly fileName: string;
  readonly size: number;
  readonly sha256: string;
}

async function main(): Promise<void> {
  const { values } = benchArgs({
    summary:
      '`dyi download` against `curl | tee | openssl dgst -sha256` on one large file served by the\n' +
      'compiled `dyi serve`, MB/s (goal: at least 1.0).',
    needs: [NEEDS_BUILD, 'curl', 'openssl'],
    options: {
      runs: positiveInteger('timed downloads per contender, after one warm-up each', 3),
      'size-mib': positiveInteger('size of the file, in MiB', 1024),
    },
  });
  const { runs } = values;
  const size = Number(values['size-mib']) * MIB;
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);

  await withScratchDir('dyi-bench-cli-curl-', async ({ dir, atCleanUp }) => {
    const dataDir = path.join(dir, 'data');
    const setupStarted = performance.now();
    const seeded = await seedOneFile(dataDir, size);
    console.log(
      `stored one ${size / MIB} MiB file in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
    );
    const started = await startBuiltServer(dataDir, ['--no-workers']);
    atCleanUp(() => stopChild(started.child));
    const origin = started.origin;
    const url = await downloadUrlOf(origin, seeded);

    console.log(
      `${runs} runs of each, alternating, after one warm-up each; ${cpus().length} CPUs, load average ${loadAverage()}`,
    );
    const results = {
      dyi: [] as number[],
      hashing: [] as number[],
      curl: [] as number[],
      node: [] as number[],
    };
    const contenders = ['dyi', 'hashing', 'curl', 'node'] as const;
    for (let run = 0; run <= runs; run++) {
      const order = run % 2 === 0 ? contenders : [...contenders].reverse();
      for (const contender of order) {
        const out = path.join(dir, `${contender}-${run}`);
        const ms =
          contender === 'dyi'
            ? await runDyi(origin, seeded, out)
            : contender === 'hashing'
              ? await runCurlHashing(url, out, seeded)
              : contender === 'curl'
                ? await runCurl(url, out, seeded.size)
                : await runNodeMinimal(url, out, seeded.size);
        await rm(out, { recursive: true, force: true });
        const speed = seeded.size / 1e6 / (ms / 1000);
        if (run === 0) {
          console.log(`  warm-up ${contender.padEnd(7)} ${speed.toFixed(0).padStart(6)} MB/s`);
          continue;
        }
        results[contender].push(speed);
        console.log(
          `  run ${run} ${contender.padEnd(7)} ${speed.toFixed(0).padStart(6)} MB/s (${(ms / 1000).toFixed(2)} s)`,
        );
      }
    }
    const dyi = median(results.dyi);
    const hashing = median(results.hashing);
    const ratio = dyi / hashing;
    console.log(`median dyi download                ${dyi.toFixed(0).padStart(6)} MB/s`);
    console.log(`median curl | tee | openssl dgst   ${hashing.toFixed(0).padStart(6)} MB/s`);
    console.log(
      `median curl -o                     ${median(results.curl).toFixed(0).padStart(6)} MB/s (information: no hash)`,
    );
    console.log(
      `median minimal Node                ${median(results.node).toFixed(0).padStart(6)} MB/s (information: undici + sha256 + file)`,
    );
    console.log(
      `ratio dyi / (curl | tee | openssl): ${ratio.toFixed(2)} (${ratio >= GOAL_RATIO ? 'meets' : 'MISSES'} the goal of ${GOAL_RATIO})`,
    );
    reportResult({
      bench: 'download-cli-vs-curl',
      measure: `one ${size / MIB} MiB file, dyi download / curl | tee | openssl dgst MB/s`,
      ours: `${dyi.toFixed(0)} MB/s`,
      reference: `${hashing.toFixed(0)} MB/s`,
      ratio,
      goal: { atLeast: GOAL_RATIO },
    });
    reportResult({
      bench: 'download-cli-vs-curl',
      measure: `one ${size / MIB} MiB file, dyi download / curl -o (no hash) MB/s`,
      ours: `${dyi.toFixed(0)} MB/s`,
      reference: `${median(results.curl).toFixed(0)} MB/s`,
      ratio: dyi / median(results.curl),
      goal: undefined,
    });
    console.log(`load average at the end: ${loadAverage()}`);
  });
}

/** A community without members, a token, and an export whose company job has one file. */
async function seedOneFile(dataDir: string, size: number): Promise<Seeded> {
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  try {
    const community = await runtime.communities.create('Bench Co');
    const { token, exportJob } = await tokenAndExport(runtime, community.id);
    const job = await runtime.exports.companyJob(exportJob.id);
    const file = await completeWithOnePart(runtime, job, patternBytes(size));
    return {
      token,
      exportId: exportJob.id,
      fileName: file.name,
      size: file.size,
      sha256: file.sha256,
    };
  } finally {
    await runtime.close();
  }
}

/** `size` bytes of a fixed pattern, 1 MiB at a time. */
async function* patternBytes(size: number): AsyncGenerator<Buffer> {
  const chunk = Buffer.alloc(MIB);
  for (let i = 0; i < chunk.length; i += 1) chunk[i] = (i * 7919) & 0xff;
  for (let written = 0; written < size; written += chunk.length) {
    yield written + chunk.length <= size ? chunk : chunk.subarray(0, size - written);
    await Promise.resolve();
  }
}

async function downloadUrlOf(origin: string, seeded: Seeded): Promise<string> {
  const exportJob = (await graphGet(origin, seeded, `/${seeded.exportId}?fields=company_job`)) as {
    company_job: { id: string };
  };
  const files = (await graphGet(origin, seeded, `/${exportJob.company_job.id}/files`)) as {
    data: { download_url: string }[];
  };
  const url = files.data[0]?.download_url;
  if (url === undefined) throw new Error('the company job has no file');
  return url;
}

async function graphGet(origin: string, seeded: Seeded, pathAndQuery: string): Promise<unknown> {
  const response = await fetch(`${origin}${pathAndQuery}`, {
    headers: { authorization: `Bearer ${seeded.token}` },
  });
  if (!response.ok)
    throw new Error(`GET ${pathAndQuery}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function runDyi(origin: string, seeded: Seeded, out: string): Promise<number> {
  const result = await timed(
    process.execPath,
    [
      CLI,
      'download',
      '--out',
      out,
      '--export',
      seeded.exportId,
      '--base-url',
      origin,
      '--token',
      seeded.token,
      '--json',
    ],
    RUN,
  );
  if (result.code !== 0) {
    throw new Error(`dyi download exited with ${result.code}: ${result.stderr}${result.stdout}`);
  }
  const summary = result.stdout
    .split('\n')
    .filter((line) => line.includes('"summary"'))
    .map((line) => JSON.parse(line) as { elapsed_ms?: number; ok?: boolean })[0];
  if (summary?.ok !== true)
    throw new Error(`dyi download did not report success: ${result.stdout}`);
  console.log(`    (dyi's own summary: ${((summary.elapsed_ms ?? 0) / 1000).toFixed(2)} s)`);
  const local = path.join(out, seeded.exportId, 'company', seeded.fileName);
  const { size } = await stat(local);
  if (size !== seeded.size) throw new Error(`dyi download wrote ${size} of ${seeded.size} bytes`);
  return result.ms;
}

async function runCurl(url: string, out: string, expected: number): Promise<number> {
  const file = `${out}.bin`;
  const result = await timed('curl', ['-sS', '--fail', '-o', file, url], RUN);
  if (result.code !== 0) throw new Error(`curl exited with ${result.code}: ${result.stderr}`);
  const { size } = await stat(file);
  await rm(file, { force: true });
  if (size !== expected) throw new Error(`curl wrote ${size} of ${expected} bytes`);
  return result.ms;
}

/**
 * The fair reference: curl's download piped through `tee` into the file and through `openssl
 * dgst -sha256`, the shell's way to download and hash at once; the digest must be the file's.
 */
async function runCurlHashing(url: string, out: string, seeded: Seeded): Promise<number> {
  const file = `${out}.bin`;
  const script = 'curl -sS --fail "$1" | tee "$2" | openssl dgst -sha256';
  const result = await timed('bash', ['-o', 'pipefail', '-c', script, 'bash', url, file], RUN);
  if (result.code !== 0) {
    throw new Error(`curl | tee | openssl exited with ${result.code}: ${result.stderr}`);
  }
  const digest = result.stdout.trim().split('= ').pop();
  const { size } = await stat(file);
  await rm(file, { force: true });
  if (size !== seeded.size) throw new Error(`curl | tee wrote ${size} of ${seeded.size} bytes`);
  if (digest !== seeded.sha256) {
    throw new Error(`openssl's digest ${digest} is not the file's ${seeded.sha256}`);
  }
  return result.ms;
}

async function runNodeMinimal(url: string, out: string, expected: number): Promise<number> {
  const file = `${out}.bin`;
  const result = await timed(process.execPath, ['-e', NODE_MINIMAL_SOURCE, url, file], RUN);
  if (result.code !== 0)
    throw new Error(`minimal Node exited with ${result.code}: ${result.stderr}`);
  const { size } = await stat(file);
  await rm(file, { force: true });
  if (size !== expected) throw new Error(`minimal Node wrote ${size} of ${expected} bytes`);
  return result.ms;
}

await main();
