/**
 * @module
 * How fast the download route serves a large archive, side by side with nginx serving the same
 * file with `sendfile on`, the fastest plain file server at hand. Both serve one blob written by
 * the LocalDiskBlobStore into a temp directory, on loopback; a Node http client in a child
 * process (so that it shares neither the server's event loop nor its process) downloads it
 * alternately from each,
 * discarding the bytes, and the bench prints each run, the medians and the ratio ours/nginx
 * (goal: at least 0.9). Run: `npx tsx bench/download-vs-nginx.ts [--runs 5] [--size-mib 1024]`.
 * It starts nginx itself (Debian's `/usr/sbin/nginx`) and stops it by its pid at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { cpus } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { LocalDiskBlobStore } from '../src/adapters/local-disk/local-disk-blob-store.js';
import { SqliteMetadataStore } from '../src/adapters/sqlite/sqlite-metadata-store.js';
import type { DyiFile } from '../src/domain/types.js';
import { blobKeyForFile } from '../src/ports/blob-store.js';
import { registerDownloadRoute } from '../src/server/download-route.js';
import { freePort } from '../src/server/free-port.js';
import { AuditService } from '../src/services/audit-service.js';
import { DownloadUrlSigner } from '../src/services/download-url-signer.js';
import { benchArgs, positiveInteger } from './support/bench-args.js';
import { reportResult } from './support/bench-result.js';
import { loadAverage } from './support/child-process.js';
import { type DownloadClient, startDownloadClient } from './support/download-client.js';
import { median } from './support/measure-load.js';
import { processTreeCpuSeconds } from './support/process-cpu.js';
import { withScratchDir } from './support/scratch-dir.js';

const NGINX = '/usr/sbin/nginx';
const GOAL_RATIO = 0.9;
const MIB = 1024 * 1024;

interface Run {
  readonly bytes: number;
  readonly seconds: number;
  /** CPU time the server spent on this download: user plus system, all its threads. */
  readonly cpuSeconds: number;
}

interface Contender {
  readonly name: string;
  readonly url: string;
  /** The server's CPU time so far; differences of it are what a download cost. */
  readonly cpuSeconds: () => Promise<number>;
  readonly runs: Run[];
}

async function main(): Promise<void> {
  const { values } = benchArgs({
    summary:
      'How fast the download route serves a large archive, against nginx serving the same file\n' +
      'with `sendfile on`, MB/s (goal: at least 0.9).',
    needs: ['nginx (/usr/sbin/nginx)'],
    options: {
      runs: positiveInteger('timed downloads per server, alternating', 5),
      'size-mib': positiveInteger('size of the file, in MiB', 1024),
    },
  });
  const { runs } = values;
  const size = Number(values['size-mib']) * MIB;
  const hasNginx = existsSync(NGINX);
  if (!hasNginx) {
    console.log(`${NGINX} is missing, so only our route is measured. Install it with:`);
    console.log('  apt-get install -y nginx');
  }

  await withScratchDir('dyi-bench-download-', async ({ dir, atCleanUp }) => {
    // nginx's workers run as an unprivileged user when started by root; they must read the blob.
    await chmod(dir, 0o755);
    const client = startDownloadClient();
    atCleanUp(() => client.stop());
    const blobs = new LocalDiskBlobStore({ root: path.join(dir, 'blobs') });
    atCleanUp(() => blobs.close());
    await blobs.init();
    const file = await storeBlob(blobs, size);
    const signer = new DownloadUrlSigner({
      secret: 'bench-secret',
      publicUrl: 'http://127.0.0.1',
      ttlSeconds: 24 * 3600,
      clock: { now: () => Date.now() },
    });
    const app = Fastify({ logger: false });
    atCleanUp(() => app.close());
    // Each download is recorded in the audit trail, as in `dyi serve`: its cost is measured.
    const metadata = new SqliteMetadataStore({ filename: ':memory:' });
    await metadata.init();
    atCleanUp(() => metadata.close());
    registerDownloadRoute(app, {
      files: { get: (id) => Promise.resolve(id === file.id ? file : undefined) },
      blobs,
      signer,
      audit: new AuditService(metadata, { now: () => Date.now() }),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const signed = new URL(signer.sign(file).url);
    const ourUrl = `http://127.0.0.1:${portOf(app)}${signed.pathname}${signed.search}`;

    const contenders: Contender[] = [
      {
        name: 'ours (download route)',
        url: ourUrl,
        cpuSeconds: () => Promise.resolve(processCpuSeconds()),
        runs: [],
      },
    ];
    if (hasNginx) {
      const port = await freePort('127.0.0.1');
      const started = await startNginx(dir, path.join(dir, 'blobs'), port);
      atCleanUp(() => stopProcess(started, 'SIGTERM'));
      contenders.push({
        name: 'nginx (sendfile on)',
        url: `http://127.0.0.1:${port}/${file.blobKey}`,
        cpuSeconds: () => processTreeCpuSeconds([started.pid ?? 0]),
        runs: [],
      });
    }

    console.log(
      `file: ${size / MIB} MiB; ${runs} downloads from each, alternating, after one warm-up; ` +
        `${cpus().length} CPUs, load average ${loadAverage()}`,
    );
    for (const contender of contenders) await download(client, contender, size);
    for (let run = 1; run <= runs; run += 1) {
      for (const contender of contenders) {
        const result = await download(client, contender, size);
        contender.runs.push(result);
        console.log(`  run ${run} ${describe(contender.name, [result])}`);
      }
    }

    for (const contender of contenders)
      console.log(`median ${describe(contender.name, contender.runs)}`);
    const [ours, theirs] = contenders.map((contender) => median(contender.runs.map(mbPerSecond)));
    if (ours !== undefined && theirs !== undefined) {
      const ratio = ours / theirs;
      const verdict = ratio >= GOAL_RATIO ? 'meets' : 'MISSES';
      console.log(`ratio ours/nginx: ${ratio.toFixed(2)} (${verdict} the goal of ${GOAL_RATIO})`);
      reportResult({
        bench: 'download-vs-nginx',
        measure: `one ${size / MIB} MiB file, download route / nginx MB/s`,
        ours: `${ours.toFixed(0)} MB/s`,
        reference: `${theirs.toFixed(0)} MB/s`,
        ratio,
        goal: { atLeast: GOAL_RATIO },
      });
    }
    console.log(`load average at the end: ${loadAverage()}`);
  });
}

/** Writes `size` bytes through the store, so the bench serves what `put` really produces. */
async function storeBlob(blobs: LocalDiskBlobStore, size: number): Promise<DyiFile> {
  const chunk = Buffer.alloc(MIB);
  for (let i = 0; i < chunk.length; i += 1) chunk[i] = (i * 7919) & 0xff;
  async function* body(): AsyncGenerator<Buffer> {
    for (let written = 0; written < size; written += chunk.length) {
      yield written + chunk.length <= size ? chunk : chunk.subarray(0, size - written);
      await Promise.resolve();
    }
  }
  const blobKey = blobKeyForFile('1', '2', '3');
  const stored = await blobs.put(blobKey, body());
  return {
    id: '3',
    jobId: '2',
    communityId: '1',
    name: 'bench-part-1.zip',
    leftOutCount: 0,
    size: stored.size,
    sha256: stored.sha256,
    contentType: 'application/zip',
    partNumber: 1,
    blobKey,
    createTime: Math.floor(Date.now() / 1000),
    expiredTime: null,
  };
}

/** Starts nginx in the foreground with a config that keeps every path inside `dir`. */
async function startNginx(dir: string, root: string, port: number): Promise<ChildProcess> {
  const temp = path.join(dir, 'nginx-temp');
  await mkdir(temp);
  const errorLog = path.join(dir, 'nginx-error.log');
  const config = path.join(dir, 'nginx.conf');
  await writeFile(
    config,
    `daemon off;
worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
events { worker_connections 64; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${temp}/client;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`,
  );
  const nginx = spawn(NGINX, ['-p', dir, '-c', config, '-e', errorLog], { stdio: 'inherit' });
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (nginx.exitCode !== null) break;
    if (await isListening(port)) return nginx;
    await sleep(50);
  }
  if (nginx.exitCode === null) nginx.kill('SIGTERM');
  const log = await readFile(errorLog, 'utf8').catch(() => '');
  throw new Error(`nginx did not start on port ${port}; its error log says:\n${log}`);
}

/** Stops a child by its own pid (for nginx: SIGTERM is its fast shutdown) and waits for it. */
async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, signal);
  await exited;
}

async function download(client: DownloadClient, contender: Contender, size: number): Promise<Run> {
  const cpuBefore = await contender.cpuSeconds();
  const reply = await client.get(contender.url);
  const cpuSeconds = (await contender.cpuSeconds()) - cpuBefore;
  if (reply.status !== 200 || reply.bytes !== size) {
    throw new Error(
      `GET ${contender.url} answered ${reply.status} with ${reply.bytes} of ${size} bytes`,
    );
  }
  return { bytes: reply.bytes, seconds: reply.seconds, cpuSeconds };
}

/** Median MB/s (10^6 bytes) and server CPU seconds per GiB of the runs. */
function describe(name: string, runs: readonly Run[]): string {
  const speed = median(runs.map(mbPerSecond));
  const cpu = median(runs.map((run) => run.cpuSeconds / (run.bytes / (1024 * MIB))));
  return `${name.padEnd(24)} ${speed.toFixed(0).padStart(6)} MB/s   server CPU ${cpu.toFixed(2)} s/GiB`;
}

function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function mbPerSecond(run: Run): number {
  return run.bytes / 1e6 / run.seconds;
}

function portOf(app: FastifyInstance): number {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('server is not on TCP');
  return address.port;
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

await main();
