/**
 * The fault proxy against a plain node:http server: it forwards bytes faithfully and counts
 * them, and each fault does exactly what it says (the cut after N bytes, the stall that ends by
 * itself, the Graph error bodies and headers), deterministically.
 */
import { once } from 'node:events';
import { createServer, get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type FaultPlan,
  type FaultProxy,
  faultOnNth,
  firstOf,
  type RequestInfo,
  seededPlan,
  startFaultProxy,
} from './fault-proxy.js';

const FILE = Buffer.alloc(200 * 1024, 7).map((_, i) => (i * 31) & 0xff);
const FILE_PATH = '/dyi-files/11/part-1.zip';

let upstream: Server;
let proxy: FaultProxy;

beforeAll(async () => {
  upstream = createServer((request, response) => {
    if (request.url?.startsWith('/dyi-files/')) {
      const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      response.writeHead(range ? 206 : 200, {
        'content-type': 'application/zip',
        'content-length': String(FILE.length - start),
      });
      response.end(FILE.subarray(start));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json', 'x-app-usage': '{}' });
    response.end(JSON.stringify({ data: [{ id: '1' }] }));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { port } = upstream.address() as AddressInfo;
  proxy = await startFaultProxy({ target: `http://127.0.0.1:${port}` });
});

afterEach(() => {
  proxy.setPlan(undefined);
  proxy.setTrickle(undefined);
  proxy.reset();
});

afterAll(async () => {
  await proxy.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

interface Got {
  readonly status?: number;
  readonly headers?: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Set when the connection failed or ended before the whole body. */
  readonly error?: string;
  readonly ms: number;
}

/** One GET without keep-alive, which never throws: failures come back in `error`. */
function fetchRaw(path: string, headers: Record<string, string> = {}): Promise<Got> {
  const started = Date.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status: number | undefined;
    let answerHeaders: IncomingHttpHeaders | undefined;
    const done = (error?: string): void =>
      resolve({
        ...(status !== undefined && { status }),
        ...(answerHeaders && { headers: answerHeaders }),
        body: Buffer.concat(chunks),
        ...(error !== undefined && { error }),
        ms: Date.now() - started,
      });
    const request = get(`${proxy.origin}${path}`, { agent: false, headers }, (response) => {
      status = response.statusCode;
      answerHeaders = response.headers;
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done());
      response.on('error', (error) => done(error.message));
      response.on('aborted', () => done('aborted'));
    });
    request.on('error', (error) => done(error.message));
  });
}

describe('the fault proxy', () => {
  it('forwards bodies byte for byte and counts requests, ranges and bytes per path', async () => {
    const whole = await fetchRaw(FILE_PATH);
    expect(whole).toMatchObject({ status: 200 });
    expect(whole.body.equals(FILE)).toBe(true);
    const tail = await fetchRaw(FILE_PATH, { range: 'bytes=150000-', 'if-range': '"x"' });
    expect(tail.status).toBe(206);
    expect(tail.body.equals(FILE.subarray(150000))).toBe(true);
    const graph = await fetchRaw('/123/files?access_token=t');
    expect(JSON.parse(graph.body.toString())).toEqual({ data: [{ id: '1' }] });
    expect(graph.headers?.['x-app-usage']).toBe('{}');

    expect(proxy.stats(FILE_PATH)).toEqual({
      requests: 2,
      rangeRequests: 1,
      bodyBytes: FILE.length + FILE.length - 150000,
      faults: 0,
    });
    expect(proxy.stats('/123/files').requests).toBe(1);
    expect(proxy.log.map((r) => [r.seq, r.kind, r.range, r.ifRange])).toEqual([
      [1, 'download', undefined, undefined],
      [2, 'download', 'bytes=150000-', '"x"'],
      [3, 'graph', undefined, undefined],
    ]);
  });

  it('cuts the connection after exactly N body bytes, on the planned request only', async () => {
    proxy.setPlan(faultOnNth([1], { kind: 'cut', afterBytes: 40_000 }));
    const cut = await fetchRaw(FILE_PATH);
    expect(cut.status).toBe(200);
    expect(cut.error).toBeDefined();
    expect(cut.body.equals(FILE.subarray(0, 40_000))).toBe(true);
    const second = await fetchRaw(FILE_PATH);
    expect(second.error).toBeUndefined();
    expect(second.body.equals(FILE)).toBe(true);
    expect(proxy.stats(FILE_PATH)).toMatchObject({ bodyBytes: 40_000 + FILE.length, faults: 1 });
  });

  it('stalls before the headers or mid-body, then closes by itself', async () => {
    proxy.setPlan(
      firstOf(
        faultOnNth([1], { kind: 'stall', forMs: 300 }),
        faultOnNth([2], { kind: 'stall', forMs: 300, afterBytes: 16_384 }),
      ),
    );
    const beforeHeaders = await fetchRaw(FILE_PATH);
    expect(beforeHeaders.status).toBeUndefined();
    expect(beforeHeaders.error).toBeDefined();
    expect(beforeHeaders.ms).toBeGreaterThanOrEqual(250);
    const midBody = await fetchRaw(FILE_PATH);
    expect(midBody.status).toBe(200);
    expect(midBody.error).toBeDefined();
    expect(midBody.body.length).toBe(16_384);
    expect(midBody.ms).toBeGreaterThanOrEqual(250);
    expect(proxy.totals().byFault).toEqual({ stall: 2 });
  });

  it('answers 500 and 503 with Graph error bodies', async () => {
    proxy.setPlan(
      firstOf(
        faultOnNth([1], { kind: 'status', status: 500 }),
        faultOnNth([2], { kind: 'status', status: 503 }),
      ),
    );
    const first = await fetchRaw('/1/files');
    const second = await fetchRaw('/1/files');
    expect(first.status).toBe(500);
    expect(JSON.parse(first.body.toString()).error).toMatchObject({ code: 1, is_transient: false });
    expect(second.status).toBe(503);
    expect(JSON.parse(second.body.toString()).error).toMatchObject({ code: 2, is_transient: true });
    expect((await fetchRaw('/1/files')).status).toBe(200);
  });

  it('answers Graph rate-limit errors with usage headers near 100', async () => {
    proxy.setPlan(
      faultOnNth([1], {
        kind: 'rate-limit',
        status: 400,
        code: 17,
        isTransient: true,
        regainMinutes: 1,
      }),
    );
    const limited = await fetchRaw('/community/dyi_exports');
    expect(limited.status).toBe(400);
    expect(JSON.parse(limited.body.toString()).error).toMatchObject({
      code: 17,
      is_transient: true,
      type: 'OAuthException',
    });
    const appUsage = JSON.parse(String(limited.headers?.['x-app-usage']));
    expect(appUsage.call_count).toBe(99);
    const business = JSON.parse(String(limited.headers?.['x-business-use-case-usage']));
    expect(Object.values(business).flat()).toEqual([
      expect.objectContaining({ call_count: 99, estimated_time_to_regain_access: 1 }),
    ]);
  });

  it('expires a download URL on its first use only', async () => {
    proxy.setPlan((r) =>
      r.kind === 'download' && r.urlCount === 1 ? { kind: 'expire' } : undefined,
    );
    const expired = await fetchRaw(`${FILE_PATH}?expires=1&signature=a`);
    expect(expired.status).toBe(403);
    expect(JSON.parse(expired.body.toString()).error).toMatchObject({
      code: 190,
      error_subcode: 463,
    });
    expect((await fetchRaw(`${FILE_PATH}?expires=1&signature=a`)).status).toBe(200);
    expect((await fetchRaw(`${FILE_PATH}?expires=2&signature=b`)).status).toBe(403);
  });

  it('trickles bodies at the given rate', async () => {
    proxy.setTrickle({ bytesPerSecond: 400 * 1024 });
    const slow = await fetchRaw(FILE_PATH);
    expect(slow.body.equals(FILE)).toBe(true);
    // 200 KiB at 400 KiB/s: about half a second (the first slice goes at once).
    expect(slow.ms).toBeGreaterThanOrEqual(400);
  });

  it('makes the same seeded choices for the same requests, within maxPerPath', () => {
    const choices = [
      { fault: { kind: 'status', status: 503 } as const, on: 'graph' as const },
      { fault: { kind: 'cut', afterBytes: 10 } as const, on: 'download' as const },
    ];
    const run = (plan: FaultPlan): (string | undefined)[] => {
      const faults = new Map<string, number>();
      const picks: (string | undefined)[] = [];
      for (let i = 1; i <= 200; i++) {
        const path = i % 2 ? `/dyi-files/${i % 10}/x` : `/${i % 10}/files`;
        const info = {
          method: 'GET',
          url: path,
          path,
          kind: path.startsWith('/dyi-files/') ? 'download' : 'graph',
          headers: {},
          pathCount: i,
          urlCount: 1,
          seq: i,
          faultsOnPath: faults.get(path) ?? 0,
        } satisfies RequestInfo;
        const fault = plan(info);
        if (fault) faults.set(path, (faults.get(path) ?? 0) + 1);
        picks.push(fault?.kind);
      }
      expect(Math.max(...faults.values())).toBeLessThanOrEqual(2);
      return picks;
    };
    const options = { seed: 42, probability: 0.5, maxPerPath: 2, choices };
    const first = run(seededPlan(options));
    expect(run(seededPlan(options))).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(5);
    expect(run(seededPlan({ ...options, seed: 43 }))).not.toEqual(first);
  });

  it('closes with a stall pending, at once', async () => {
    const other = await startFaultProxy({ target: proxy.origin });
    other.setPlan(() => ({ kind: 'stall', forMs: 60_000 }));
    const pending = new Promise<string | undefined>((resolve) => {
      get(`${other.origin}/x`, { agent: false }, () => resolve('answered')).on('error', (error) =>
        resolve(error.message),
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await other.close();
    expect(await pending).toMatch(/socket hang up|ECONNRESET/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
