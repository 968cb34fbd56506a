/**
 * @module
 * A large file kept in S3, downloaded two ways, same run: through our API (the signed
 * `download_url` of `DYI_DOWNLOAD_URLS=api`, the default: the download route streams the
 * object from S3) and straight from the object store (the presigned GET that
 * `DYI_DOWNLOAD_URLS=presigned` hands out). The store is OpenStack Swift with `s3api`, started
 * by the bench in its temp dir with `scripts/swift-server.sh` and stopped by its pids at the
 * end, also on failure or Ctrl-C. The bench makes a bucket, stores one file of random bytes
 * through the runtime (`JobService.storeFile`, so `S3BlobStore.put`'s multipart upload), starts
 * the compiled `dyi serve --no-workers` on that bucket in a child process, and a Node http
 * client in another child downloads the file alternately from each URL (order reversed every
 * other run), discarding the bytes: one warm-up each, then N runs each. A third line, for
 * reference only, is the least any proxy in Node costs: a bare `http` server that pipes a GET of
 * the presigned URL into its response. It prints MB/s (10^6 bytes/s) per run, the medians, the
 * ratio ours/direct (goal: at least 0.8), the CPU per GiB of the process in the middle (our
 * server, the bare proxy) and of Swift's servers, and the middle's minor page faults per GiB.
 * `--build DIR` adds a fourth line: the same download through a second server run from another
 * compiled build (e.g. the `dist/` of a checkout of the commit before a change), on the same bucket and
 * data, so that two builds' CPU per GiB are compared in the same runs. Run: `npm run bench:download-s3` (builds first) or
 * `npx tsx bench/download-s3-vs-presigned.ts [--runs 3] [--size-mib 1024] [--build DIR]`.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { openRuntime } from '../src/runtime.js';
import { benchArgs, NEEDS_BUILD, positiveInteger, text } from './support/bench-args.js';
import { reportResult } from './support/bench-result.js';
import {
  BUILT_CLI,
  loadAverage,
  startBuiltServer,
  stopChild,
  timed,
} from './support/child-process.js';
import { completeWithOnePart, tokenAndExport } from './support/bench-export.js';
import { type DownloadClient, startDownloadClient } from './support/download-client.js';
import { median } from './support/measure-load.js';
import { processTreeCpuSeconds } from './support/process-cpu.js';
import { withScratchDir } from './support/scratch-dir.js';

const GOAL_RATIO = 0.8;
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SWIFT_SCRIPT = path.join(REPO_ROOT, 'scripts', 'swift-server.sh');
/** The servers `swift-server.sh` starts, each with `<dir>/<name>.pid`. */
const SWIFT_SERVERS = ['account', 'container', 'object', 'proxy'] as const;
/** The one account of the Swift that `swift-server.sh` configures. */
const SWIFT_CREDENTIALS = { accessKeyId: 'test:tester', secretAccessKey: 'testing' };
const SWIFT_START_TIMEOUT_MS = 180_000;
/**
 * The reference proxy, as plain JavaScript for `node -e`: every request GETs the URL given and
 * pipes the answer into the response, with nothing else (no routing, checks or byte counting).
 */
const BARE_PROXY_SOURCE = `
const http = require('node:http');
const [target] = process.argv.slice(1);
http.createServer((request, response) => {
  http.get(target, { agent: false }, (answer) => {
    response.writeHead(answer.statusCode, { 'content-length': answer.headers['content-length'] });
    answer.pipe(response);
  }).on('error', () => response.destroy());
}).listen(0, '127.0.0.1', function () { process.send(this.address().port); });
process.on('disconnect', () => process.exit(0));
`;

interface Run {
  readonly bytes: number;
  readonly seconds: number;
  /** CPU (user + system) the process between client and Swift spent (our server, the proxy). */
  readonly hopCpuSeconds: number;
  /**
   * Minor page faults of that process (memory it had to be given anew), which unlike CPU time
   * do not grow with the machine's load.
   */
  readonly hopPageFaults: number;
  /** CPU Swift's servers (proxy, object, account, container) spent during the download. */
  readonly swiftCpuSeconds: number;
}

interface Contender {
  readonly name: string;
  readonly url: string;
  /** The process between the client and Swift, if any. */
  readonly hopPid?: number;
  readonly runs: Run[];
}

interface Seeded {
  readonly token: string;
  readonly companyJobId: string;
  /** The presigned GET of the file's object, as `DYI_DOWNLOAD_URLS=presigned` lists it. */
  readonly presignedUrl: string;
  readonly size: number;
}

/** CPU seconds so far of a process between client and Swift, and of Swift. */
type CpuProbe = (
  hopPid: number | undefined,
) => Promise<{ hop: number; hopFaults: number; swift: number }>;

async function main(): Promise<void> {
  const { values, fail } = benchArgs({
    summary:
      'A large file kept in S3, downloaded through our API (the download route streams it) against\n' +
      'straight from the object store by its presigned URL, MB/s (goal: at least 0.8).',
    needs: [NEEDS_BUILD, 'OpenStack Swift (scripts/swift-server.sh)'],
    options: {
      runs: positiveInteger('timed downloads per contender, after one warm-up each', 3),
      'size-mib': positiveInteger('size of the file, in MiB', 1024),
      build: text('DIR', 'also serve the file from the compiled build in DIR, in the same runs'),
    },
  });
  const { runs } = values;
  const size = values['size-mib'] * MIB;
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\`.`);
  const otherCli =
    values.build === undefined ? undefined : path.resolve(values.build, 'cli/main.js');
  if (otherCli !== undefined && !existsSync(otherCli)) {
    fail(`--build ${values.build}: ${otherCli} is missing; give a compiled dist/ folder.`);
  }

  await withScratchDir('dyi-bench-download-s3-', async ({ dir, atCleanUp }) => {
    const swiftDir = path.join(dir, 'swift');
    // Registered first, so it runs last, and even when the start itself fails half-way.
    atCleanUp(() => stopSwift(swiftDir));
    const endpoint = await startSwift(swiftDir);
    const bucket = await createBucket(endpoint);
    const env = {
      DYI_BLOB_STORE: `s3://${bucket}/bench`,
      DYI_S3_ENDPOINT: endpoint,
      DYI_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: SWIFT_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SWIFT_CREDENTIALS.secretAccessKey,
    };
    const dataDir = path.join(dir, 'data');
    const putStarted = performance.now();
    const seeded = await seedOneFile(dataDir, size, env);
    const putSeconds = (performance.now() - putStarted) / 1000;
    console.log(
      `stored ${size / MIB} MiB of random bytes in S3 (Swift at ${endpoint}) in ` +
        `${putSeconds.toFixed(1)} s (${(size / 1e6 / putSeconds).toFixed(0)} MB/s)`,
    );
    const serverEnv = { ...env, DYI_DOWNLOAD_URLS: 'api' };
    const server = await startBuiltServer(dataDir, ['--no-workers'], 30_000, serverEnv);
    atCleanUp(() => stopChild(server.child));
    const other =
      otherCli === undefined
        ? undefined
        : await startBuiltServer(dataDir, ['--no-workers'], 30_000, serverEnv, otherCli);
    if (other !== undefined) atCleanUp(() => stopChild(other.child));
    const client = startDownloadClient();
    atCleanUp(() => client.stop());
    const proxy = await startBareProxy(seeded.presignedUrl);
    atCleanUp(() => stopChild(proxy.child));
    const cpu = await cpuProbe(swiftDir);

    const contenders: Contender[] = [
      {
        name: 'ours (API from S3)',
        url: await apiDownloadUrl(server.origin, seeded),
        hopPid: server.child.pid,
        runs: [],
      },
      { name: 'direct (presigned GET)', url: seeded.presignedUrl, runs: [] },
      { name: 'bare Node proxy (ref.)', url: proxy.url, hopPid: proxy.child.pid, runs: [] },
    ];
    if (other !== undefined) {
      contenders.push({
        name: 'ours, --build',
        url: await apiDownloadUrl(other.origin, seeded),
        hopPid: other.child.pid,
        runs: [],
      });
    }
    console.log(
      `${runs} downloads from each, alternating, after one warm-up each; ` +
        `${cpus().length} CPUs, load average ${loadAverage()}`,
    );
    for (const contender of contenders) await download(client, contender, size, cpu);
    for (let run = 1; run <= runs; run += 1) {
      const order = run % 2 === 1 ? contenders : [...contenders].reverse();
      for (const contender of order) {
        const result = await download(client, contender, size, cpu);
        contender.runs.push(result);
        console.log(`  run ${run} ${describe(contender.name, [result])}`);
      }
    }
    for (const contender of contenders) {
      console.log(`median ${describe(contender.name, contender.runs)}`);
    }
    const [ours, direct, bare, built] = contenders.map((each) =>
      median(each.runs.map(mbPerSecond)),
    );
    if (ours !== undefined && direct !== undefined && bare !== undefined) {
      const ratio = ours / direct;
      const verdict = ratio >= GOAL_RATIO ? 'meets' : 'MISSES';
      console.log(`ratio ours/direct: ${ratio.toFixed(2)} (${verdict} the goal of ${GOAL_RATIO})`);
      reportResult({
        bench: 'download-s3-vs-presigned',
        measure: `one ${size / MIB} MiB file, API from S3 / presigned GET MB/s`,
        ours: `${ours.toFixed(0)} MB/s`,
        reference: `${direct.toFixed(0)} MB/s`,
        ratio,
        goal: { atLeast: GOAL_RATIO },
      });
      console.log(
        `for reference: bare proxy/direct ${(bare / direct).toFixed(2)}, ` +
          `ours/bare proxy ${(ours / bare).toFixed(2)}`,
      );
      if (built !== undefined) {
        const [oursCpu, builtCpu] = [contenders[0], contenders[3]].map((each) =>
          median((each?.runs ?? []).map(hopCpuPerGib)),
        );
        console.log(
          `--build ${values.build}: its ratio to direct ${(built / direct).toFixed(2)}; ` +
            `CPU s/GiB of this build's server / --build's ${oursCpu?.toFixed(2)} / ` +
            `${builtCpu?.toFixed(2)}`,
        );
      }
    }
    console.log(`load average at the end: ${loadAverage()}`);
  });
}

/** Starts Swift in `swiftDir` and answers its S3 endpoint. */
async function startSwift(swiftDir: string): Promise<string> {
  const started = await timed('bash', [SWIFT_SCRIPT, 'start', swiftDir], {
    timeoutMs: SWIFT_START_TIMEOUT_MS,
  });
  if (started.code !== 0) {
    throw new Error(
      `OpenStack Swift did not start (is it installed? apt-get install -y swift swift-proxy ` +
        `swift-account swift-container swift-object): ${started.stderr}`,
    );
  }
  return started.stdout.trim();
}

/** Stops the Swift servers by the pids `swift-server.sh start` wrote; nothing when none. */
async function stopSwift(swiftDir: string): Promise<void> {
  if (!existsSync(swiftDir)) return;
  const stopped = await timed('bash', [SWIFT_SCRIPT, 'stop', swiftDir], { timeoutMs: 30_000 });
  if (stopped.code !== 0) throw new Error(`swift-server.sh stop failed: ${stopped.stderr}`);
}

async function createBucket(endpoint: string): Promise<string> {
  const bucket = `dyi-bench-${randomBytes(4).toString('hex')}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: SWIFT_CREDENTIALS,
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return bucket;
}

/**
 * A community without members, a token, and an export whose company job has one file of
 * `size` random bytes, stored through the runtime on the S3 settings of `env`.
 */
async function seedOneFile(
  dataDir: string,
  size: number,
  env: Readonly<Record<string, string>>,
): Promise<Seeded> {
  const config = loadConfig(env, { dataDir, logLevel: 'silent', downloadUrls: 'presigned' });
  const runtime = await openRuntime(config);
  try {
    const community = await runtime.communities.create('Bench Co');
    const { token, exportJob } = await tokenAndExport(runtime, community.id);
    const job = await runtime.exports.companyJob(exportJob.id);
    const file = await completeWithOnePart(runtime, job, randomChunks(size));
    const { url } = await runtime.downloadLinks.sign(file);
    return { token, companyJobId: job.id, presignedUrl: url, size: file.size };
  } finally {
    await runtime.close();
  }
}

/** `size` random bytes, 1 MiB at a time (incompressible, as a zip of media is). */
function* randomChunks(size: number): Generator<Buffer> {
  for (let written = 0; written < size; written += MIB) {
    yield randomBytes(Math.min(MIB, size - written));
  }
}

/** The file's `download_url` as our Graph API lists it. */
async function apiDownloadUrl(origin: string, seeded: Seeded): Promise<string> {
  const response = await fetch(`${origin}/${seeded.companyJobId}/files?fields=download_url`, {
    headers: { authorization: `Bearer ${seeded.token}` },
  });
  if (!response.ok) throw new Error(`listing files: ${response.status} ${await response.text()}`);
  const { data } = (await response.json()) as { data: { download_url: string }[] };
  const url = data[0]?.download_url;
  if (url === undefined) throw new Error('the company job lists no file');
  return url;
}

/** The reference proxy in a child process, once it listens on 127.0.0.1. */
async function startBareProxy(target: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', BARE_PROXY_SOURCE, target], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [port] = (await once(child, 'message')) as [number];
  return { child, url: `http://127.0.0.1:${port}/` };
}

/** Reads CPU times from /proc; Swift's pids are those its script wrote. */
async function cpuProbe(swiftDir: string): Promise<CpuProbe> {
  const swiftPids = await Promise.all(
    SWIFT_SERVERS.map(async (server) =>
      Number(await readFile(path.join(swiftDir, `${server}.pid`), 'utf8')),
    ),
  );
  return async (hopPid) => ({
    hop: hopPid === undefined ? 0 : await processTreeCpuSeconds([hopPid]),
    hopFaults: hopPid === undefined ? 0 : await minorPageFaults(hopPid),
    swift: await processTreeCpuSeconds(swiftPids),
  });
}

/** Minor page faults of one process so far (field 10 of /proc/<pid>/stat). */
async function minorPageFaults(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

async function download(
  client: DownloadClient,
  contender: Contender,
  size: number,
  cpu: CpuProbe,
): Promise<Run> {
  const before = await cpu(contender.hopPid);
  const fetched = await client.get(contender.url);
  const after = await cpu(contender.hopPid);
  if (fetched.status !== 200 || fetched.bytes !== size) {
    throw new Error(
      `${contender.name} answered ${fetched.status} with ${fetched.bytes} of ${size} bytes`,
    );
  }
  return {
    bytes: fetched.bytes,
    seconds: fetched.seconds,
    hopCpuSeconds: after.hop - before.hop,
    hopPageFaults: after.hopFaults - before.hopFaults,
    swiftCpuSeconds: after.swift - before.swift,
  };
}

/** Median MB/s (10^6 bytes) and CPU seconds per GiB of the process in the middle and of Swift. */
function describe(name: string, runs: readonly Run[]): string {
  const speed = median(runs.map(mbPerSecond));
  const perGib = (seconds: (run: Run) => number): string =>
    median(runs.map((run) => seconds(run) / (run.bytes / GIB))).toFixed(2);
  return (
    `${name.padEnd(24)} ${speed.toFixed(0).padStart(6)} MB/s   CPU s/GiB: ` +
    `middle ${perGib((run) => run.hopCpuSeconds)}, Swift ${perGib((run) => run.swiftCpuSeconds)}; ` +
    `middle's page faults/GiB ${median(runs.map((run) => run.hopPageFaults / (run.bytes / GIB))).toFixed(0)}`
  );
}

function hopCpuPerGib(run: Run): number {
  return run.hopCpuSeconds / (run.bytes / GIB);
}

function mbPerSecond(run: Run): number {
  return run.bytes / 1e6 / run.seconds;
}

await main();
