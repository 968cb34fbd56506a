/**
 * @module
 * Health, metrics and correlation in real processes, as an operator meets them: `dyi serve`
 * with its data directory on a small tmpfs, whose `/readyz` turns 503 naming the disk when the
 * file system is filled and the database when its file is moved away (as root, chmod stops no
 * read; a moved file is what a process starting now would not find), and 200 once each is put
 * right; a Graph error's `fbtrace_id` found in the server's JSON log; SIGTERM letting a request
 * in flight finish before the process exits; and `dyi worker --metrics-port`, whose export
 * threads' counters reach the process's `/metrics`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rename, rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openRuntime } from '../src/runtime.js';
import { createExport, jobsOf, seedCommunity } from './support/graph-fixture.js';
import { parsePrometheusText, sumOf, valueOf } from './support/prometheus-text.js';
import { type ServerProcess, startServer } from './support/server-process.js';
import { startWorker } from './support/worker-process.js';

const MIB = 1024 * 1024;
/** The small disk of the data dir: room for the database, its reserve and the filler. */
const DISK_BYTES = 48 * MIB;

let mountPoint: string | undefined;
let unavailable: string | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dyi-readyz-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES}`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
    mountPoint = dir;
  } catch (error) {
    unavailable = `cannot mount a tmpfs (needs root, as in CI): ${String((error as Error).message).split('\n')[0]}`;
    await rm(dir, { recursive: true, force: true });
  }
});

afterAll(async () => {
  if (mountPoint) {
    execFileSync('umount', [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  }
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function newDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dyi-operator-'));
  dirs.push(dir);
  return dir;
}

async function readyz(baseUrl: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${baseUrl}/readyz`);
  return { status: response.status, body: await response.text() };
}

describe('dyi serve: /readyz', () => {
  it('turns 503 naming the disk when it is full and the database when its file is gone, 200 once fixed', async (context) => {
    if (unavailable !== undefined || mountPoint === undefined) {
      context.skip(unavailable);
      return;
    }
    const dataDir = path.join(mountPoint, 'data');
    const server = await startServer(dataDir, ['--no-workers', '--metrics-port', '0'], {
      DYI_READY_MIN_FREE_BYTES: String(MIB),
    });
    try {
      expect(await readyz(server.baseUrl)).toEqual({
        status: 200,
        body: 'database ok\nblob-store ok\ndisk ok\n',
      });
      // The metrics port of `dyi serve` counts the API port's requests.
      const metricsUrl = /Metrics at (http:\S+)/.exec(server.stderr())?.[1] ?? '';
      const families = parsePrometheusText(await (await fetch(metricsUrl)).text());
      expect(
        valueOf(families, 'dyi_http_requests_total', {
          route: '/readyz',
          method: 'GET',
          status: '200',
        }),
      ).toBe(1);

      // Fill the file system: every byte it has left.
      const stats = await statfs(mountPoint);
      const filler = path.join(mountPoint, 'filler');
      await writeFile(filler, Buffer.alloc(stats.bavail * stats.bsize)).catch(() => undefined);
      expect((await statfs(mountPoint)).bavail * stats.bsize).toBeLessThan(MIB);
      expect(await readyz(server.baseUrl)).toEqual({
        status: 503,
        body: 'database ok\nblob-store ok\ndisk fail\n',
      });
      // The process is still alive: /healthz is not readiness.
      expect((await fetch(`${server.baseUrl}/healthz`)).status).toBe(200);
      await rm(filler);
      expect((await readyz(server.baseUrl)).status).toBe(200);

      const database = path.join(dataDir, 'dyi.sqlite');
      await rename(database, `${database}.moved`);
      expect(await readyz(server.baseUrl)).toEqual({
        status: 503,
        body: 'database fail\nblob-store ok\ndisk ok\n',
      });
      await rename(`${database}.moved`, database);
      expect(await readyz(server.baseUrl)).toEqual({
        status: 200,
        body: 'database ok\nblob-store ok\ndisk ok\n',
      });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('dyi serve: correlation and shutdown', () => {
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.kill();
  });

  it('logs each request under the fbtrace_id its answer gives, and finishes it on SIGTERM', async () => {
    const dataDir = await newDataDir();
    // Every Graph answer waits 2 to 4 s (fault mode's slow answers), so one is in flight
    // when SIGTERM arrives.
    server = await startServer(dataDir, ['--no-workers', '--faults', 'slow=1,slow_ms=4000'], {
      DYI_LOG_LEVEL: 'info',
      DYI_LOG_FORMAT: 'json',
    });
    const inFlight = fetch(`${server.baseUrl}/me`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const signalled = Date.now();
    const exited = server.stop();
    const answer = await inFlight;
    const body = (await answer.json()) as { error: { code: number; fbtrace_id: string } };
    // The answer arrived in full: Graph's missing-token error, with its trace id.
    expect(body.error.code).toBe(104);
    expect(body.error.fbtrace_id).toBe(answer.headers.get('x-fb-trace-id'));
    const code = await exited;
    expect(code, server.stderr()).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);

    const lines = server
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { fbtrace_id?: string; msg?: string; code?: number });
    const traced = lines.filter((line) => line.fbtrace_id === body.error.fbtrace_id);
    expect(traced.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['incoming request', 'request completed']),
    );
    expect(traced.some((line) => line.code === 104)).toBe(true);
    server = undefined;
  });
});

describe('dyi worker --metrics-port', () => {
  it("serves /metrics where its threads' job counters and archive bytes arrive", async () => {
    const dataDir = await newDataDir();
    const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
    const acme = await seedCommunity(runtime, 'Metered', 2);
    const made = await createExport(runtime, acme.community.id);
    const jobCount = (await jobsOf(runtime, made.id)).length;
    await runtime.close();

    const worker = await startWorker(dataDir, ['--threads', '2', '--metrics-port', '0']);
    try {
      const url = /metrics at (http:\S+)/.exec(worker.stderr())?.[1];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const scrape = async () => parsePrometheusText(await (await fetch(url ?? '')).text());
      let families = await scrape();
      const deadline = Date.now() + 60_000;
      while (valueOf(families, 'dyi_jobs_total', { outcome: 'COMPLETED' }) < jobCount) {
        if (Date.now() > deadline) throw new Error(`jobs did not complete:\n${worker.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
        families = await scrape();
      }
      expect(valueOf(families, 'dyi_jobs_total', { outcome: 'COMPLETED' })).toBe(jobCount);
      expect(valueOf(families, 'dyi_job_duration_seconds_count', { outcome: 'COMPLETED' })).toBe(
        jobCount,
      );

      // The bytes counted are the bytes of the files the export lists.
      const reader = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
      let bytes = 0;
      for (const job of await jobsOf(reader, made.id)) {
        for (const file of (await reader.metadata.files.listByJob(job.id, { limit: 100 })).items) {
          bytes += file.size;
        }
      }
      await reader.close();
      expect(bytes).toBeGreaterThan(0);
      expect(valueOf(families, 'dyi_archive_bytes_written_total')).toBe(bytes);
      // The threads' store operations reach the process too.
      expect(
        sumOf(families, 'dyi_blob_store_operation_duration_seconds_count', { operation: 'put' }),
      ).toBeGreaterThan(0);
      expect(valueOf(families, 'process_resident_memory_bytes')).toBeGreaterThan(0);

      const ready = await fetch(url?.replace(/metrics$/, 'readyz') ?? '');
      expect(await ready.text()).toBe('database ok\nblob-store ok\ndisk ok\nworkers ok\n');
    } finally {
      expect(await worker.stop()).toBe(0);
    }
  });
});
