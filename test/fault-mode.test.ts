/**
 * Fault mode (`src/server/faults/`) on the real app and storage: through `inject()` for what
 * each fault answers (statuses, Graph codes, usage headers) and how often, and through a real
 * socket for bodies that are cut or stall. Also: no faults without the option (even with
 * DYI_FAULTS in the configuration, which only `dyi serve` reads), none on the admin panel,
 * and every log line of a faulted server says so.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { buildApp } from '../src/server/app.js';
import { parseFaultProfile } from '../src/server/faults/fault-profile.js';
import {
  completeJobWithFiles,
  createExport,
  jobsOf,
  seedCommunity,
} from './support/graph-fixture.js';

const FILE_BYTES = 256 * 1024;

let dataDir: string;
let runtime: Runtime;
let token: string;
let communityId: string;
let companyJobId: string;
/** Path and query of the company file's download URL. */
let downloadPath: string;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-fault-mode-'));
  runtime = await openRuntime(
    // Logs only from the apps that ask for them (`logger`), at info to show the faults.
    loadConfig({ DYI_FAULTS: 'everything' }, { dataDir, logLevel: 'info' }),
  );
  const seeded = await seedCommunity(runtime, 'Faulty', 2);
  token = seeded.readToken;
  communityId = seeded.community.id;
  const created = await createExport(runtime, communityId);
  for (const job of await jobsOf(runtime, created.id)) {
    await completeJobWithFiles(runtime, job, [
      randomBytes(job.jobType === 'COMPANY' ? FILE_BYTES : 100),
    ]);
  }
  companyJobId = (await runtime.exports.companyJob(created.id)).id;
  const plain = await appWith(undefined);
  const files = (
    await plain.inject({
      url: `/${companyJobId}/files?fields=download_url`,
      headers: { authorization: `Bearer ${token}` },
    })
  ).json();
  const url = new URL(files.data[0].download_url);
  downloadPath = url.pathname + url.search;
});

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

afterAll(async () => {
  await runtime?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function appWith(
  spec: string | undefined,
  seed = 1,
  logStream?: NodeJS.WritableStream,
): Promise<FastifyInstance> {
  const app = await buildApp(runtime, {
    ...(spec !== undefined && { faults: { profile: parseFaultProfile(spec), seed } }),
    ...(logStream && { logger: true, logStream }),
  });
  apps.push(app);
  return app;
}

function graphGet(app: FastifyInstance, url: string) {
  return app.inject({ url, headers: { authorization: `Bearer ${token}` } });
}

/** Graph code of each of `n` answers to `url` (0 for a success). */
async function codesOf(app: FastifyInstance, url: string, n: number): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < n; i++) {
    const answer = await graphGet(app, url);
    codes.push(answer.statusCode === 200 ? 0 : answer.json().error.code);
  }
  return codes;
}

function count(codes: readonly number[], ...wanted: number[]): number {
  return codes.filter((code) => wanted.includes(code)).length;
}

describe('fault mode', () => {
  it('is off without the option, even with DYI_FAULTS in the configuration', async () => {
    expect(runtime.config.faults).toBe('everything');
    const app = await appWith(undefined);
    expect(await codesOf(app, '/community/work_dyi_jobs', 200)).toEqual(Array(200).fill(0));
    expect((await app.inject({ url: downloadPath })).statusCode).toBe(200);
  });

  it('honours the rates over 1000 calls, the same with the same seed', async () => {
    const spec = 'rate_limit=0.1,transient=0.2';
    const codes = await codesOf(await appWith(spec, 7), '/community', 1000);
    // Binomial: 100 ± 3σ (28) and 200 ± 3σ (38).
    expect(count(codes, 4, 17, 32, 613)).toBeGreaterThan(72);
    expect(count(codes, 4, 17, 32, 613)).toBeLessThan(128);
    expect(count(codes, 2)).toBeGreaterThan(162);
    expect(count(codes, 2)).toBeLessThan(238);
    for (const code of [4, 17, 32, 613]) expect(codes).toContain(code);
    expect(await codesOf(await appWith(spec, 7), '/community', 1000)).toEqual(codes);
    expect(await codesOf(await appWith(spec, 8), '/community', 1000)).not.toEqual(codes);
  });

  it('answers rate limits the way Graph does, usage headers near 100 %', async () => {
    const app = await appWith('rate_limit=1,retry_after_s=2');
    const seen = new Map<number, Awaited<ReturnType<typeof graphGet>>>();
    for (let i = 0; i < 40 && seen.size < 4; i++) {
      const answer = await graphGet(app, '/community');
      seen.set(answer.json().error.code, answer);
    }
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual([4, 17, 32, 613]);
    for (const [code, answer] of seen) {
      const { error } = answer.json();
      expect(answer.statusCode).toBe(code === 4 || code === 613 ? 403 : 400);
      expect(error).toMatchObject({
        type: 'OAuthException',
        is_transient: code === 4 || code === 613,
      });
      expect(error.message).toMatch(new RegExp(`^\\(#${code}\\) .*\\(fault mode\\)`));
      expect(answer.headers['retry-after']).toBe('2');
      const app = JSON.parse(String(answer.headers['x-app-usage']));
      const business = JSON.parse(String(answer.headers['x-business-use-case-usage']));
      const [entry] = business[communityId];
      expect(Math.max(app.call_count, entry.call_count)).toBe(100);
      expect(Math.min(app.call_count, entry.call_count)).toBeGreaterThanOrEqual(95);
      expect(entry.estimated_time_to_regain_access).toBe(1);
    }
  });

  it('answers transient faults with 500 or 503, code 2, is_transient', async () => {
    const app = await appWith('transient=1');
    const statuses = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const answer = await graphGet(app, '/community');
      statuses.add(answer.statusCode);
      expect(answer.json().error).toMatchObject({ code: 2, is_transient: true });
    }
    expect([...statuses].sort()).toEqual([500, 503]);
  });

  it('asks only pages of lists to be retried', async () => {
    const app = await appWith('page_retry=1');
    expect((await graphGet(app, '/community')).statusCode).toBe(200);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => graphGet(app, '/community/work_dyi_jobs')),
    );
    for (const answer of answers) {
      const { error } = answer.json();
      if (error.code === 1) {
        expect(answer.statusCode).toBe(500);
        expect(error.message).toBe(
          "Please reduce the amount of data you're asking for, then retry your request",
        );
      } else expect(error).toMatchObject({ code: 2, is_transient: true });
    }
    expect(new Set(answers.map((answer) => answer.json().error.code))).toEqual(new Set([1, 2]));
  });

  it('leaves a bad token its own error, and the admin panel alone', async () => {
    const app = await appWith('transient=1,slow=1,slow_ms=400');
    const refused = await app.inject({ url: '/community?access_token=nope' });
    expect(refused.json().error.code).toBe(190);
    const started = Date.now();
    const panel = await app.inject({ url: '/admin/sign-in' });
    expect(panel.statusCode).toBe(200);
    expect(panel.headers['content-type']).toMatch(/text\/html/);
    expect(Date.now() - started).toBeLessThan(200);
  });

  it('adds latency to slow answers', async () => {
    const app = await appWith('slow=1,slow_ms=300');
    const started = Date.now();
    expect((await graphGet(app, '/community')).statusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('refuses download URLs as expired, in the download route own format', async () => {
    const app = await appWith('expired=1');
    const answer = await app.inject({ url: downloadPath });
    expect(answer.statusCode).toBe(403);
    expect(answer.json().error).toMatchObject({
      type: 'OAuthException',
      code: 190,
      error_subcode: 463,
      is_transient: false,
    });
    expect(answer.json().error.message).toMatch(
      /This download URL expired at .*Fetch GET \/\{job_id\}\/files again/,
    );
    // The same as a URL that really expired.
    const tampered = downloadPath.replace(/expires=\d+/, 'expires=1');
    const real = await (await appWith(undefined)).inject({ url: tampered });
    expect(Object.keys(real.json().error).sort()).toEqual(Object.keys(answer.json().error).sort());
  });

  it('cuts download bodies mid-way, closing the connection', async () => {
    const app = await appWith('cut=1');
    for (let i = 0; i < 3; i++) {
      const got = await rawGet(app, downloadPath);
      expect(got.status).toBe(200);
      expect(got.contentLength).toBe(FILE_BYTES);
      expect(got.bytes).toBeLessThan(FILE_BYTES);
      expect(got.aborted).toBe(true);
    }
  });

  it('stalls download bodies, then closes the connection', async () => {
    const app = await appWith('stall=1,stall_ms=600');
    const started = Date.now();
    const got = await rawGet(app, downloadPath);
    expect(got.bytes).toBeLessThan(FILE_BYTES);
    expect(got.aborted).toBe(true);
    expect(got.lastByteAt - started).toBeLessThan(500);
    expect(got.closedAt - got.lastByteAt).toBeGreaterThanOrEqual(500);
  });

  it('ends stalls in progress when the server closes', async () => {
    const app = await appWith('stall=1,stall_ms=60000');
    const got = rawGet(app, downloadPath);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await got).aborted).toBe(true);
  });

  it('says fault mode on every log line', async () => {
    const log = new PassThrough();
    let text = '';
    log.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const app = await appWith('transient=0.5', 3, log);
    await codesOf(app, '/community', 10);
    await app.inject({ url: '/admin/sign-in' });
    await new Promise((resolve) => setImmediate(resolve));
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(line.faults).toBe('transient=0.5');
    expect(lines.some((line) => line.fault === 'transient')).toBe(true);
  });
});

interface RawAnswer {
  readonly status: number;
  readonly contentLength: number;
  readonly bytes: number;
  /** The connection closed before the whole body came. */
  readonly aborted: boolean;
  readonly lastByteAt: number;
  readonly closedAt: number;
}

/** A GET over a real socket, counting the body's bytes as they come. */
async function rawGet(app: FastifyInstance, pathAndQuery: string): Promise<RawAnswer> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path: pathAndQuery, agent: false });
    request.on('error', reject);
    request.on('response', (response) => {
      let bytes = 0;
      let lastByteAt = Date.now();
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        lastByteAt = Date.now();
      });
      response.on('error', () => undefined);
      response.on('close', () =>
        resolve({
          status: response.statusCode ?? 0,
          contentLength: Number(response.headers['content-length']),
          bytes,
          aborted: !response.complete,
          lastByteAt,
          closedAt: Date.now(),
        }),
      );
    });
    request.end();
  });
}
