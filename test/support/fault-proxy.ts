/**
 * @module
 * A fault-injecting HTTP proxy on 127.0.0.1, put between a downloader and our real server. For
 * each request a plan (a function of the request's number on its path and of the faults already
 * injected there) picks a fault or none, so runs are deterministic: cut the connection after N
 * body bytes, stall (send nothing for a while, then close), answer 500 or 503, answer a Graph
 * rate-limit error with usage headers near 100, or refuse a `download_url` as expired. Without a
 * fault the request is forwarded, optionally trickled. It counts requests, Range requests and
 * body bytes sent per path, and keeps a log of every request, so tests can assert that retries
 * were bounded and that resumes moved less than whole files. Every stall ends by itself.
 */
import { once } from 'node:events';
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy may do to one request instead of forwarding it faithfully. */
export type Fault =
  /** Forwards the status and headers, then `afterBytes` of the body, then closes the socket. */
  | { readonly kind: 'cut'; readonly afterBytes: number }
  /**
   * Sends nothing more for `forMs` and then closes the socket: before the response headers when
   * `afterBytes` is undefined, else after that many body bytes.
   */
  | { readonly kind: 'stall'; readonly forMs: number; readonly afterBytes?: number }
  /** A server fault with a Graph error body (500: code 1; 503: code 2, transient). */
  | { readonly kind: 'status'; readonly status: 500 | 503 }
  /** A Graph rate-limit error with `X-App-Usage` and `X-Business-Use-Case-Usage` near 100. */
  | {
      readonly kind: 'rate-limit';
      readonly status: 400 | 403;
      readonly code: 4 | 17 | 32 | 613;
      readonly isTransient: boolean;
      /** `estimated_time_to_regain_access`, in minutes as Graph gives it; default 0. */
      readonly regainMinutes?: number;
      /** `call_count` in both usage headers; default 99 (the other budgets a little less). */
      readonly usagePercent?: number;
    }
  /** 403 with the Graph error our server gives for an expired `download_url` (190/463). */
  | { readonly kind: 'expire' };

export type FaultKind = Fault['kind'];

/** What a plan knows of a request when it picks a fault. */
export interface RequestInfo {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  /** Path without the query: the key of the counters. */
  readonly path: string;
  /** `download` for `/dyi-files/...`, `graph` for everything else. */
  readonly kind: 'download' | 'graph';
  readonly headers: IncomingHttpHeaders;
  /** 1 for the first request on this path. */
  readonly pathCount: number;
  /** 1 for the first request with exactly this path and query. */
  readonly urlCount: number;
  /** 1 for the first request the proxy received. */
  readonly seq: number;
  /** Faults already injected on this path. */
  readonly faultsOnPath: number;
}

export type FaultPlan = (request: RequestInfo) => Fault | undefined;

/** One request as the proxy saw and answered it. */
export interface RequestRecord {
  readonly seq: number;
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly kind: 'download' | 'graph';
  readonly range: string | undefined;
  readonly ifRange: string | undefined;
  readonly fault: FaultKind | undefined;
  /** Milliseconds from the proxy's start to the request's arrival. */
  readonly at: number;
  /** Status sent, or undefined when the socket closed before the headers. */
  status: number | undefined;
  /** Body bytes written to the client. */
  bodyBytes: number;
  /**
   * The whole answer went out. False for a cut or a stall that struck; true for one planned
   * past the end of a short body, which then had no effect.
   */
  complete: boolean;
}

export interface PathStats {
  readonly requests: number;
  readonly rangeRequests: number;
  readonly bodyBytes: number;
  /** Faults that took effect (see `struck`). */
  readonly faults: number;
}

export interface Trickle {
  readonly bytesPerSecond: number;
  /** Which requests to slow down; default every download. */
  readonly applies?: (request: RequestInfo) => boolean;
}

export interface FaultProxyOptions {
  /** Origin of the upstream server, e.g. `http://127.0.0.1:1234`; settable later. */
  readonly target?: string;
  readonly plan?: FaultPlan;
  readonly trickle?: Trickle;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  setTarget(origin: string): void;
  setPlan(plan: FaultPlan | undefined): void;
  setTrickle(trickle: Trickle | undefined): void;
  /** Every request so far, in arrival order. */
  readonly log: readonly RequestRecord[];
  stats(path: string): PathStats;
  /** Totals over every path. */
  totals(): PathStats & { readonly byFault: Readonly<Partial<Record<FaultKind, number>>> };
  /** Forgets the log and the counters (the plan's counts start again too). */
  reset(): void;
  /** Ends every connection and pending stall, then stops listening. */
  close(): Promise<void>;
}

const DOWNLOAD_PREFIX = '/dyi-files/';
/** Slices the body is written in, so cuts and trickles are exact to the byte. */
const SLICE_BYTES = 16 * 1024;
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade'];

export async function startFaultProxy(options: FaultProxyOptions = {}): Promise<FaultProxy> {
  let target = options.target;
  let plan = options.plan;
  let trickle = options.trickle;
  let log: RequestRecord[] = [];
  let pathCounts = new Map<string, number>();
  let urlCounts = new Map<string, number>();
  let pathFaults = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  const upstreamAgent = new Agent({ keepAlive: true });
  let closed = false;
  const startedAt = Date.now();

  const later = (ms: number, action: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };

  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    const path = url.split('?')[0] ?? url;
    const kind = path.startsWith(DOWNLOAD_PREFIX) ? 'download' : 'graph';
    const info: RequestInfo = {
      method: request.method ?? 'GET',
      url,
      path,
      kind,
      headers: request.headers,
      pathCount: bump(pathCounts, path),
      urlCount: bump(urlCounts, url),
      seq: log.length + 1,
      faultsOnPath: pathFaults.get(path) ?? 0,
    };
    const fault = plan?.(info);
    if (fault) bump(pathFaults, path);
    const record: RequestRecord = {
      seq: info.seq,
      method: info.method,
      url,
      path,
      kind,
      range: header(request.headers.range),
      ifRange: header(request.headers['if-range']),
      fault: fault?.kind,
      at: Date.now() - startedAt,
      status: undefined,
      bodyBytes: 0,
      complete: false,
    };
    log.push(record);
    const slow = trickle && (trickle.applies ?? ((r) => r.kind === 'download'))(info);
    const pace = slow ? trickle?.bytesPerSecond : undefined;

    switch (fault?.kind) {
      case 'status':
        return answerJson(response, record, fault.status, serverError(fault.status));
      case 'expire':
        return answerJson(response, record, 403, expiredUrlError());
      case 'rate-limit': {
        const percent = fault.usagePercent ?? 99;
        const usage = {
          call_count: percent,
          total_cputime: Math.max(0, percent - 4),
          total_time: Math.max(0, percent - 2),
        };
        return answerJson(response, record, fault.status, rateLimitError(fault), {
          'x-app-usage': JSON.stringify(usage),
          'x-business-use-case-usage': JSON.stringify({
            '0': [
              {
                type: 'pages',
                ...usage,
                estimated_time_to_regain_access: fault.regainMinutes ?? 0,
              },
            ],
          }),
        });
      }
      case 'stall':
        if (fault.afterBytes === undefined) {
          later(fault.forMs, () => request.socket.destroy());
          return;
        }
        break;
      case 'cut':
      case undefined:
        break;
    }
    forward(request, response, record, fault, pace);
  });

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function forward(
    request: IncomingMessage,
    response: ServerResponse,
    record: RequestRecord,
    fault: Fault | undefined,
    bytesPerSecond: number | undefined,
  ): void {
    if (target === undefined) {
      answerJson(response, record, 502, { error: 'the fault proxy has no target yet' });
      return;
    }
    const upstreamUrl = new URL(record.url, target);
    const headers: OutgoingHttpHeaders = { ...request.headers, host: upstreamUrl.host };
    for (const name of HOP_BY_HOP) delete headers[name];
    const upstream = httpRequest(upstreamUrl, {
      method: record.method,
      headers,
      agent: upstreamAgent,
    });
    // The client went away (or a fault closed its socket): stop reading from upstream.
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    upstream.on('error', () => {
      if (!response.headersSent && !closed) {
        answerJson(response, record, 502, { error: 'upstream unreachable' });
      } else {
        response.destroy();
      }
    });
    upstream.on('response', (answer) => {
      const answerHeaders: OutgoingHttpHeaders = { ...answer.headers };
      for (const name of HOP_BY_HOP) delete answerHeaders[name];
      response.writeHead(answer.statusCode ?? 502, answerHeaders);
      record.status = answer.statusCode;
      relayBody(answer, response, record, fault, bytesPerSecond);
    });
    request.pipe(upstream);
  }

  /** Writes the body slice by slice, honouring the cut, the stall and the trickle. */
  function relayBody(
    answer: IncomingMessage,
    response: ServerResponse,
    record: RequestRecord,
    fault: Fault | undefined,
    bytesPerSecond: number | undefined,
  ): void {
    const limit =
      fault?.kind === 'cut' || fault?.kind === 'stall' ? (fault.afterBytes ?? 0) : Infinity;
    const started = Date.now();
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      answer.destroy();
      if (fault?.kind === 'stall') later(fault.forMs, () => response.destroy());
      else response.destroy();
    };
    if (limit === 0) {
      // Headers go out first, then the fault strikes before any body byte.
      response.flushHeaders();
      stop();
      return;
    }
    const queue: Buffer[] = [];
    let writing = false;
    const finish = (): void => {
      if (response.writableEnded) return;
      record.complete = true;
      response.end();
    };
    const pump = (): void => {
      if (writing || stopped) return;
      const chunk = queue.shift();
      if (chunk === undefined) {
        if (answer.readableEnded) finish();
        else answer.resume();
        return;
      }
      const slice = chunk.subarray(0, Math.min(SLICE_BYTES, limit - record.bodyBytes));
      if (slice.length < chunk.length) queue.unshift(chunk.subarray(slice.length));
      writing = true;
      record.bodyBytes += slice.length;
      response.write(slice, () => {
        writing = false;
        if (record.bodyBytes >= limit) return stop();
        const due =
          bytesPerSecond === undefined ? 0 : started + (record.bodyBytes / bytesPerSecond) * 1000;
        const wait = due - Date.now();
        if (wait > 0) later(wait, pump);
        else pump();
      });
    };
    answer.on('data', (chunk: Buffer) => {
      queue.push(chunk);
      answer.pause();
      pump();
    });
    answer.on('end', () => {
      if (!writing && queue.length === 0 && !stopped) finish();
    });
    answer.on('error', () => response.destroy());
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const statsOf = (records: readonly RequestRecord[]): PathStats => ({
    requests: records.length,
    rangeRequests: records.filter((r) => r.range !== undefined).length,
    bodyBytes: records.reduce((sum, r) => sum + r.bodyBytes, 0),
    faults: records.filter(struck).length,
  });

  return {
    origin: `http://127.0.0.1:${port}`,
    setTarget(origin) {
      target = origin;
    },
    setPlan(next) {
      plan = next;
    },
    setTrickle(next) {
      trickle = next;
    },
    get log() {
      return log;
    },
    stats(path) {
      return statsOf(log.filter((r) => r.path === path));
    },
    totals() {
      const byFault: Partial<Record<FaultKind, number>> = {};
      for (const r of log.filter(struck)) {
        if (r.fault) byFault[r.fault] = (byFault[r.fault] ?? 0) + 1;
      }
      return { ...statsOf(log), byFault };
    },
    reset() {
      log = [];
      pathCounts = new Map();
      urlCounts = new Map();
      pathFaults = new Map();
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      upstreamAgent.destroy();
      await stopped;
    },
  };
}

/**
 * A plan that injects `faults` in turn, one on each of the `nth` requests (1-based) of every
 * path whose request `applies`: e.g. `{ nth: [1], faults: [cut] }` cuts each path's first try.
 */
export function faultOnNth(
  nth: readonly number[],
  fault: Fault,
  applies: (request: RequestInfo) => boolean = () => true,
): FaultPlan {
  return (request) => (applies(request) && nth.includes(request.pathCount) ? fault : undefined);
}

/** The first plan that picks a fault wins. */
export function firstOf(...plans: readonly FaultPlan[]): FaultPlan {
  return (request) => {
    for (const plan of plans) {
      const fault = plan(request);
      if (fault) return fault;
    }
    return undefined;
  };
}

/**
 * A seeded plan: each request whose path has had fewer than `maxPerPath` faults gets one with
 * `probability`, chosen among the `choices` that apply to its kind. The same seed and the same
 * request order give the same faults; `maxPerPath` bounds the retries any path needs.
 */
export function seededPlan(options: {
  readonly seed: number;
  readonly probability: number;
  readonly maxPerPath: number;
  readonly choices: readonly { readonly fault: Fault; readonly on: 'download' | 'graph' }[];
}): FaultPlan {
  let state = options.seed >>> 0 || 1;
  const next = (): number => {
    // xorshift32: small, seedable, and good enough to spread faults.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
  return (request) => {
    if (request.faultsOnPath >= options.maxPerPath) return undefined;
    const choices = options.choices.filter((choice) => choice.on === request.kind);
    if (choices.length === 0 || next() >= options.probability) return undefined;
    return choices[Math.floor(next() * choices.length)]?.fault;
  };
}

/** True when the planned fault took effect (a cut or stall past a short body does not). */
export function struck(record: RequestRecord): boolean {
  if (record.fault === 'cut' || record.fault === 'stall') return !record.complete;
  return record.fault !== undefined;
}

function bump(counts: Map<string, number>, key: string): number {
  const count = (counts.get(key) ?? 0) + 1;
  counts.set(key, count);
  return count;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function answerJson(
  response: ServerResponse,
  record: RequestRecord,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = Buffer.from(JSON.stringify(body));
  record.status = status;
  record.bodyBytes = text.length;
  record.complete = true;
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(text.length),
    ...headers,
  });
  response.end(text);
}

function graphError(fields: {
  message: string;
  code: number;
  subcode?: number;
  isTransient: boolean;
}): unknown {
  return {
    error: {
      message: `(#${fields.code}) ${fields.message}`,
      type: 'OAuthException',
      code: fields.code,
      ...(fields.subcode !== undefined && { error_subcode: fields.subcode }),
      is_transient: fields.isTransient,
      fbtrace_id: 'FaultProxy',
    },
  };
}

function serverError(status: 500 | 503): unknown {
  return status === 500
    ? graphError({ message: 'An unknown error has occurred.', code: 1, isTransient: false })
    : graphError({
        message: 'Service temporarily unavailable (injected by the fault proxy).',
        code: 2,
        isTransient: true,
      });
}

function rateLimitError(fault: Extract<Fault, { kind: 'rate-limit' }>): unknown {
  return graphError({
    message: 'Application request limit reached (injected by the fault proxy).',
    code: fault.code,
    isTransient: fault.isTransient,
  });
}

function expiredUrlError(): unknown {
  return graphError({
    message:
      'This download URL has expired (injected by the fault proxy). Read the file again for a fresh download_url.',
    code: 190,
    subcode: 463,
    isTransient: false,
  });
}
