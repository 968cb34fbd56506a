/**
 * The wire fuzz run: at least 10,000 generated requests against `dyi serve` in a process of its
 * own, over real loopback sockets (undici keep-alive, and raw sockets for bytes that are barely
 * HTTP), a few at a time. The data holds an export of more than 100 jobs, so that deep
 * `fields` nesting is expensive. Counted and printed: answers with status >= 500 other than
 * Graph code 1 or 2 (must be 0), error answers that are not Graph envelopes (must be 0),
 * requests left unanswered (must be 0), the server's peak RSS (must stay under 512 MB, read
 * from /proc), and that it still answers at the end.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openRuntime } from '../src/runtime.js';
import {
  type Answer,
  judge,
  judgeBatchItems,
  parseAnswers,
  type Verdict,
} from './support/fuzz-answers.js';
import {
  type FuzzRequest,
  type FuzzTargets,
  fuzzRequest,
  type HttpFuzzRequest,
  type RawFuzzRequest,
} from './support/fuzz-requests.js';
import {
  completeJobWithFiles,
  createExport,
  jobsOf,
  seedCommunity,
} from './support/graph-fixture.js';
import { type ServerProcess, startServer } from './support/server-process.js';

/** Requests in the run: runs of the property times requests per run. */
const RUNS = 1_250;
const PER_RUN = 8;
/** Members of the seeded community: the big export has one job per member plus one. */
const MEMBERS = 110;
const RSS_LIMIT_BYTES = 512 * 1024 * 1024;
/** How long one answer may take before it counts as unanswered, in milliseconds. */
const ANSWER_TIMEOUT_MS = 30_000;
/** Keep-alive connections to the server. */
const CONNECTIONS = 8;
/** Examples kept per kind of finding, for the failure message. */
const EXAMPLES = 5;

let dataDir: string;
let server: ServerProcess;
let targets: FuzzTargets;
let pool: Pool;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-fuzz-'));
  const runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  try {
    const seeded = await seedCommunity(runtime, 'Fuzz', MEMBERS);
    const big = await createExport(runtime, seeded.community.id);
    const jobs = await jobsOf(runtime, big.id);
    const files = [];
    for (const job of jobs.slice(0, 3))
      files.push(...(await completeJobWithFiles(runtime, job, ['a', 'bb'])));
    const small = await createExport(runtime, seeded.community.id, {
      user_ids: [(seeded.members[0] as { id: string }).id],
    });
    targets = {
      bigExport: big.id,
      smallExport: small.id,
      companyJob: (jobs[0] as { id: string }).id,
      userJob: (jobs[1] as { id: string }).id,
      file: (files[0] as { id: string }).id,
      member: (seeded.members[0] as { id: string }).id,
      community: seeded.community.id,
      readToken: seeded.readToken,
      manageToken: seeded.manageToken,
    };
    expect(jobs.length).toBeGreaterThanOrEqual(100);
  } finally {
    await runtime.close();
  }
  // No rate limits: every request should reach the code it aims at.
  server = await startServer(dataDir, ['--no-workers'], {
    DYI_RATE_LIMIT_CALLS: '0',
    DYI_COMMUNITY_RATE_LIMIT_CALLS: '0',
    DYI_CREATE_EXPORT_LIMIT: '0',
  });
  pool = new Pool(server.baseUrl, {
    connections: CONNECTIONS,
    headersTimeout: ANSWER_TIMEOUT_MS,
    bodyTimeout: ANSWER_TIMEOUT_MS,
  });
}, 120_000);

afterAll(async () => {
  await pool?.destroy();
  await server?.kill();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Peak resident set size of a process, sampled from /proc every 100 ms. */
function sampleRss(pid: number): { peak(): number; stop(): void } {
  let peak = 0;
  const read = (): void => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      // VmHWM is the kernel's own high-water mark, so a spike between samples counts too.
      for (const key of ['VmRSS', 'VmHWM']) {
        const kb = Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
        peak = Math.max(peak, kb * 1024);
      }
    } catch {
      // The process is gone; the last reading stands and the liveness check fails.
    }
  };
  read();
  const timer = setInterval(read, 100);
  return {
    peak: () => (read(), peak),
    stop: () => clearInterval(timer),
  };
}

/** The requests of the run that raised the server's peak RSS the most, for the report. */
interface Growth {
  readonly bytes: number;
  readonly requests: string[];
}

function noteGrowth(tally: Tally, requests: readonly FuzzRequest[], peak: number): void {
  const grew = tally.lastPeak === 0 ? 0 : peak - tally.lastPeak;
  tally.lastPeak = Math.max(tally.lastPeak, peak);
  if (grew <= (tally.biggestGrowth?.bytes ?? 0)) return;
  tally.biggestGrowth = {
    bytes: grew,
    requests: requests.map((request) =>
      request.kind === 'raw'
        ? `raw, ${request.bytes.length} bytes`
        : `${request.method} ${request.path.slice(0, 200)} ${request.batch ? `batch of ${request.body?.length ?? 0} bytes: ` : ''}${(request.body ?? '').slice(0, 200)}`,
    ),
  };
}

interface Tally {
  lastPeak: number;
  biggestGrowth?: Growth;
  requests: number;
  /** Answers by HTTP status (batch items by their code). */
  statuses: Record<number, number>;
  answers: Record<Verdict, number>;
  batchItems: number;
  unanswered: number;
  rawWithoutAnswer: number;
  clientRefused: number;
  /** The end of the server's stderr, once it has died. */
  died?: string;
  examples: Partial<Record<Verdict | 'unanswered', string[]>>;
}

function note(
  tally: Tally,
  kind: Verdict | 'unanswered',
  request: FuzzRequest,
  detail: string,
): void {
  const list = (tally.examples[kind] ??= []);
  if (list.length >= EXAMPLES) return;
  const what =
    request.kind === 'raw'
      ? `raw ${JSON.stringify(request.bytes.toString('latin1').slice(0, 300))}`
      : `${request.method} ${request.path.slice(0, 300)} ${JSON.stringify(request.headers)} ${request.body?.slice(0, 300) ?? ''}`;
  list.push(`${what}\n    → ${detail.slice(0, 400)}`);
}

function count(tally: Tally, request: FuzzRequest, answer: Answer, verdict: Verdict): void {
  tally.answers[verdict] += 1;
  tally.statuses[answer.status] = (tally.statuses[answer.status] ?? 0) + 1;
  if (verdict === 'server-error' || verdict === 'non-envelope') {
    note(
      tally,
      verdict,
      request,
      `${answer.status} ${JSON.stringify(answer.headers).slice(0, 200)} ${answer.body}`,
    );
  }
}

/**
 * The verdict on an HTTP answer. A HEAD answer has no body, so a HEAD that failed with a 5xx is
 * sent again as a GET: it passes when the GET fails the same way with a Graph envelope of code
 * 1 or 2 (the budget and transient errors a GET may also get).
 */
async function judgeHttp(request: HttpFuzzRequest, answer: Answer): Promise<Verdict> {
  const head = request.method === 'HEAD';
  if (!head || answer.status < 500) return judge(answer, request.path, { head });
  try {
    const response = await pool.request({
      method: 'GET',
      path: request.path,
      headers: request.headers,
    });
    const body = await response.body.text();
    const traceId = response.headers['x-fb-trace-id'];
    const replayed: Answer = {
      status: response.statusCode,
      headers: { 'x-fb-trace-id': typeof traceId === 'string' ? traceId : '' },
      body,
    };
    return replayed.status === answer.status ? judge(replayed, request.path) : 'server-error';
  } catch {
    return 'server-error';
  }
}

async function sendHttp(request: HttpFuzzRequest, tally: Tally): Promise<void> {
  let answer: Answer;
  try {
    const response = await pool.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      ...(request.body !== undefined && { body: request.body }),
    });
    const body = await response.body.text();
    const headers = Object.fromEntries(
      Object.entries(response.headers).map(([k, v]) => [
        k,
        Array.isArray(v) ? v.join(', ') : (v ?? ''),
      ]),
    );
    answer = { status: response.statusCode, headers, body };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code === 'UND_ERR_INVALID_ARG') {
      tally.clientRefused += 1;
      return;
    }
    tally.unanswered += 1;
    note(tally, 'unanswered', request, String(error));
    return;
  }
  count(tally, request, answer, await judgeHttp(request, answer));
  if (request.batch && answer.status === 200) {
    for (const verdict of judgeBatchItems(answer.body)) {
      tally.batchItems += 1;
      count(tally, request, { status: -1, headers: {}, body: answer.body.slice(0, 400) }, verdict);
    }
  }
}

function sendRaw(request: RawFuzzRequest, tally: Tally, port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), ANSWER_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const { answers, rest } = parseAnswers(Buffer.concat(chunks));
      if (answers.length === 0 && rest.length === 0) tally.rawWithoutAnswer += 1;
      const target = /^\S* (\S*)/.exec(request.bytes.toString('latin1'))?.[1] ?? '/';
      for (const answer of answers) count(tally, request, answer, judge(answer, target));
      if (rest.length > 0) {
        tally.answers['non-envelope'] += 1;
        note(
          tally,
          'non-envelope',
          request,
          `bytes that are not an HTTP answer: ${rest.toString('latin1')}`,
        );
      }
      resolve();
    });
    // Half-close after the bytes: the server sees the end and answers what it has.
    socket.end(request.bytes);
  });
}

function summary(tally: Tally, seconds: number, peak: number, alive: number): string {
  const judged = Object.values(tally.answers).reduce((a, b) => a + b, 0);
  const examples = Object.entries(tally.examples)
    .map(([kind, list]) => `  ${kind}:\n${list.map((line) => `    ${line}`).join('\n')}`)
    .join('\n');
  return [
    `wire fuzz: ${tally.requests} requests in ${seconds.toFixed(1)} s`,
    `  answers judged: ${judged} (of them ${tally.batchItems} batch items)`,
    `  by status (batch items as -1): ${JSON.stringify(tally.statuses)}`,
    `  ok: ${tally.answers.ok}, Graph 500 code 1 or 2: ${tally.answers['graph-500']}`,
    `  status >= 500 other than code 1 or 2: ${tally.answers['server-error']}`,
    `  non-envelope error answers: ${tally.answers['non-envelope']}`,
    `  unanswered (timeout or reset): ${tally.unanswered}`,
    `  raw connections closed without an answer (no request in the bytes): ${tally.rawWithoutAnswer}`,
    `  requests undici refused to send: ${tally.clientRefused}`,
    `  server peak RSS: ${(peak / 1024 / 1024).toFixed(1)} MB (limit 512 MB)`,
    `  server still answering at the end: ${alive === 200 ? 'yes' : `no (${alive})`}`,
    ...(tally.biggestGrowth === undefined
      ? []
      : [
          `  the run of ${PER_RUN} requests that raised the peak RSS most (+${(tally.biggestGrowth.bytes / 1024 / 1024).toFixed(1)} MB):`,
          ...tally.biggestGrowth.requests.map((line) => `    ${line}`),
        ]),
    ...(tally.died === undefined ? [] : [`  the server died; its stderr ends:\n${tally.died}`]),
    examples,
  ].join('\n');
}

describe('the wire fuzz run', () => {
  it(`${RUNS * PER_RUN} generated requests: no 5xx but code 1 or 2, only envelopes, RSS < 512 MB, still answering`, async () => {
    const port = Number(new URL(server.baseUrl).port);
    const tally: Tally = {
      lastPeak: 0,
      requests: 0,
      statuses: {},
      answers: { ok: 0, 'graph-500': 0, 'server-error': 0, 'non-envelope': 0 },
      batchItems: 0,
      unanswered: 0,
      rawWithoutAnswer: 0,
      clientRefused: 0,
      examples: {},
    };
    const rss = sampleRss(server.pid);
    const started = Date.now();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fuzzRequest(targets), { minLength: PER_RUN, maxLength: PER_RUN }),
          async (requests) => {
            // Once the server is dead every request would wait out its timeout: send no more.
            if (tally.died !== undefined) return;
            tally.requests += requests.length;
            await Promise.all(
              requests.map((request) =>
                request.kind === 'raw' ? sendRaw(request, tally, port) : sendHttp(request, tally),
              ),
            );
            if (!isAlive(server.pid)) tally.died = server.stderr().slice(-2000);
            noteGrowth(tally, requests, rss.peak());
          },
        ),
        // Findings are counted, not thrown, so that the run goes on and reports them all.
        { numRuns: RUNS },
      );
    } finally {
      rss.stop();
    }
    const peak = rss.peak();
    const alive = await fetch(`${server.baseUrl}/community`, {
      headers: { authorization: `Bearer ${targets.manageToken}` },
    }).then(
      (response) => response.status,
      () => 0,
    );
    const report = summary(tally, (Date.now() - started) / 1000, peak, alive);
    console.log(report);
    expect(tally.died, report).toBeUndefined();
    expect(tally.requests).toBeGreaterThanOrEqual(10_000);
    expect(tally.answers['server-error'], report).toBe(0);
    expect(tally.answers['non-envelope'], report).toBe(0);
    expect(tally.unanswered, report).toBe(0);
    expect(peak, report).toBeLessThan(RSS_LIMIT_BYTES);
    expect(alive, report).toBe(200);
  }, 600_000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
