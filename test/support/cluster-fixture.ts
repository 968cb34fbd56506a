/**
 * @module
 * The test fixtures' scale-out mode. With `DYI_TEST_ON_CLUSTER=1` (the `scale-out` project of
 * `vitest.config.ts`), `startGraphFixture` and `startListeningFixture` give the tests the same
 * fixture backed by a real cluster (`cluster.ts`) instead of one in-process app:
 * - 2 × `dyi serve --no-workers` behind a round-robin balancer, so that consecutive requests go
 *   to different API processes (a paging cursor made by one is read by the other);
 * - 2 × `dyi worker --threads 1`, started when a test first runs an export's jobs
 *   (`runExport`), so that tests which run jobs by hand do so without a worker racing them;
 * - storage chosen by `DYI_TEST_SCALE_OUT` (`cluster-storage.ts`): PostgreSQL and S3 (Swift)
 *   in CI, one shared SQLite data dir by default.
 * The fixture's `runtime` is this process's own, on the same storage and with no workers: tests
 * make communities, tokens and exports with it as before, and the cluster sees them. The
 * fixture's `app` is the in-process app except for `inject`, which sends the request over HTTP
 * through the balancer and answers in `inject`'s shape, so every `inject` of a test is served
 * by the cluster (but for a request HTTP cannot carry, see `send`). A test that sets its own
 * clock (a `ManualClock`) cannot share it with other processes; such fixtures stay in-process
 * (`clusterCanRun`), as do those of `startInProcessFixture`, for what only one process's own
 * stores can show.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { LightMyRequestResponse as InjectResponse } from 'fastify';
import { Client, type Dispatcher } from 'undici';
import { ENVIRONMENT, loadConfig, type ConfigOverrides, type Config } from '../../src/config.js';
import type { Clock } from '../../src/ports/clock.js';
import { openRuntime, type Runtime } from '../../src/runtime.js';
import { buildApp } from '../../src/server/app.js';
import { type Cluster, startCluster } from './cluster.js';
import { clusterStorage, type ClusterStorage, SCALE_OUT } from './cluster-storage.js';
import { BACKEND_HEADER, startBalancer } from './round-robin-balancer.js';

/** Whether this run backs the fixtures with a cluster (the `scale-out` project). */
export const ON_CLUSTER = process.env.DYI_TEST_ON_CLUSTER === '1';

/**
 * Why this run's API processes cannot share rate limits and usage counts, or undefined when
 * they share them (one process, or a cluster on PostgreSQL). A cluster on one SQLite data dir
 * counts in each process's memory, as docs/deployment.md says.
 */
export const UNSHARED_USAGE: string | undefined =
  ON_CLUSTER && SCALE_OUT !== 'postgres'
    ? `the API processes count usage each in its own memory on ${SCALE_OUT} storage (docs/deployment.md); DYI_TEST_SCALE_OUT=postgres shares it`
    : undefined;

/** API and worker processes of every fixture's cluster; `deployment.ts` runs as many APIs. */
export const API_PROCESSES = 2;
const WORKER_PROCESSES = 2;

export interface ClusterFixture {
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  readonly config: Config;
  readonly dataDir: string;
  /** The balancer's origin, also every API process's public URL unless `publicUrl` is set. */
  readonly baseUrl: string;
  readonly port: number;
  readonly cluster: Cluster;
  /** Where the cluster keeps its data: what a test reads to see which blobs are left. */
  readonly storage: ClusterStorage;
  close(): Promise<void>;
}

interface Backing {
  readonly cluster: Cluster;
  /** Starts the worker processes, once. */
  readonly ensureWorkers: () => Promise<void>;
}

const backings = new WeakMap<Runtime, Backing>();

/** Whether a fixture with this clock can be a cluster: only one on real time can. */
export function clusterCanRun(clock: Clock | undefined): boolean {
  return ON_CLUSTER && clock === undefined;
}

/**
 * The cluster behind `runtime`'s fixture with its worker processes running, or undefined when
 * the fixture is in-process.
 */
export async function clusterWithWorkers(runtime: Runtime): Promise<Cluster | undefined> {
  const backing = backings.get(runtime);
  if (!backing) return undefined;
  await backing.ensureWorkers();
  return backing.cluster;
}

/**
 * Fresh storage, this process's runtime on it (which runs the migrations), and a cluster of
 * API processes on it with `overrides` given to every process as environment variables.
 */
export async function startClusterFixture(
  overrides: ConfigOverrides = {},
): Promise<ClusterFixture> {
  let missing = '';
  const storage = await clusterStorage({ skip: (why = '') => (missing = why) });
  if (!storage) throw new Error(`the scale-out test fixture needs ${missing}`);
  const balancer = await startBalancer();
  let runtime: Runtime | undefined;
  let cluster: Cluster | undefined;
  try {
    const config = loadConfig(storage.env, {
      ...overrides,
      dataDir: storage.dataDir,
      logLevel: 'silent',
      publicUrl: overrides.publicUrl ?? balancer.url,
    });
    runtime = await openRuntime(config);
    cluster = await startCluster({
      apis: API_PROCESSES,
      workers: 0,
      balancer,
      publicUrl: config.publicUrl,
      dataDir: storage.dataDir,
      env: { ...storage.env, ...environmentOf(overrides) },
    });
    return await fixtureOver(storage, config, runtime, cluster);
  } catch (error) {
    await (cluster ? cluster.stop() : balancer.close());
    await runtime?.close();
    await storage.remove();
    throw error;
  }
}

async function fixtureOver(
  storage: ClusterStorage,
  config: Config,
  runtime: Runtime,
  cluster: Cluster,
): Promise<ClusterFixture> {
  let workersStarted: Promise<void> | undefined;
  backings.set(runtime, {
    cluster,
    ensureWorkers: () =>
      (workersStarted ??= (async () => {
        for (let slot = 0; slot < WORKER_PROCESSES; slot++) await cluster.restartWorker(slot);
      })()),
  });
  const app = await buildApp(runtime);
  return {
    app: withInjectOver(app, cluster.url),
    runtime,
    config,
    dataDir: storage.dataDir,
    baseUrl: cluster.url,
    port: Number(new URL(cluster.url).port),
    cluster,
    storage,
    async close() {
      await cluster.stop();
      await app.close();
      await runtime.close();
      await storage.remove();
    },
  };
}

/** The settings in `overrides` as the environment variables that set them. */
function environmentOf(overrides: ConfigOverrides): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const [variable, key] of Object.entries(ENVIRONMENT)) {
    const value = overrides[key];
    if (value !== undefined) variables[variable] = String(value);
  }
  return variables;
}

/** `app` whose `inject` sends the request to `origin` over HTTP instead. */
function withInjectOver(app: FastifyInstance, origin: string): FastifyInstance {
  return new Proxy(app, {
    get(target, property) {
      if (property === 'inject') {
        return (options: InjectOptions | string) => send(origin, options, target);
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

/**
 * One `inject` request sent over HTTP; the answer in `inject`'s shape. A request that HTTP
 * cannot carry at all (a header value with control characters or characters beyond Latin-1,
 * which the client refuses to send) is injected into `app`, this process's own, instead.
 */
async function send(
  origin: string,
  injected: InjectOptions | string,
  app: FastifyInstance,
): Promise<InjectResponse> {
  const options: InjectOptions = typeof injected === 'string' ? { url: injected } : injected;
  const target = new URL(urlOf(options), origin);
  const query = options.query;
  if (query !== undefined) {
    const pairs = typeof query === 'string' ? new URLSearchParams(query) : Object.entries(query);
    for (const [name, value] of pairs) {
      for (const each of [value].flat()) target.searchParams.append(name, String(each));
    }
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = String(value);
  }
  if (options.cookies) {
    const cookies = Object.entries(options.cookies).map(([name, value]) => `${name}=${value}`);
    headers.cookie = [headers.cookie, ...cookies].filter(Boolean).join('; ');
  }
  let body = options.payload ?? options.body;
  if (body !== undefined && !isBytesOrText(body)) {
    body = JSON.stringify(body);
    headers['content-type'] ??= 'application/json';
  }
  // A connection of its own, as each `inject` stands alone: no request goes out on a socket
  // that an earlier one left mid-way (a refused body the server did not read to the end).
  const connection = new Client(origin);
  let answer: Dispatcher.ResponseData;
  let rawPayload: Buffer;
  try {
    answer = await connection.request({
      origin,
      path: target.pathname + target.search,
      method: options.method ?? 'GET',
      headers,
      ...(body !== undefined && { body: body as string | Buffer }),
    });
    rawPayload = Buffer.from(await answer.body.arrayBuffer());
  } catch (error) {
    if ((error as { code?: unknown }).code === 'UND_ERR_INVALID_ARG') return app.inject(options);
    throw error;
  } finally {
    await connection.destroy();
  }
  // What `inject` would not show: the socket's keep-alive and the balancer's own header.
  delete answer.headers['keep-alive'];
  delete answer.headers[BACKEND_HEADER];
  const payload = rawPayload.toString('utf8');
  return {
    statusCode: answer.statusCode,
    statusMessage: '',
    headers: answer.headers,
    rawPayload,
    payload,
    body: payload,
    json: () => JSON.parse(payload) as unknown,
    stream: () => {
      throw new Error('stream() is not offered by the scale-out fixture');
    },
    cookies: parseSetCookies(answer.headers['set-cookie']),
    trailers: {},
    raw: {} as InjectResponse['raw'],
  } as unknown as InjectResponse;
}

function urlOf(options: InjectOptions): string {
  const { url, path: route } = options as { url?: string | URL; path?: string | URL };
  return (url ?? route ?? '/').toString();
}

function isBytesOrText(body: unknown): boolean {
  return typeof body === 'string' || body instanceof Uint8Array;
}

interface ParsedCookie {
  name: string;
  value: string;
  [attribute: string]: unknown;
}

/** `Set-Cookie` header values parsed as `inject` does (name, value, and the attributes). */
function parseSetCookies(header: string | string[] | undefined): ParsedCookie[] {
  return [header ?? []].flat().map((line) => {
    const [pair = '', ...attributes] = line.split(';');
    const at = pair.indexOf('=');
    const cookie: ParsedCookie = {
      name: pair.slice(0, at).trim(),
      value: decodeURIComponent(pair.slice(at + 1).trim()),
    };
    for (const attribute of attributes) {
      const [key = '', ...rest] = attribute.split('=');
      const value = rest.join('=').trim();
      switch (key.trim().toLowerCase()) {
        case 'path':
          cookie.path = value;
          break;
        case 'domain':
          cookie.domain = value;
          break;
        case 'max-age':
          cookie.maxAge = Number(value);
          break;
        case 'expires':
          cookie.expires = new Date(value);
          break;
        case 'httponly':
          cookie.httpOnly = true;
          break;
        case 'secure':
          cookie.secure = true;
          break;
        case 'samesite':
          cookie.sameSite = value;
          break;
      }
    }
    return cookie;
  });
}
