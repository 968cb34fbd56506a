/**
 * @module
 * A scale-out deployment in real processes, for end-to-end tests: N × `dyi serve --no-workers`
 * behind a round-robin balancer (see `round-robin-balancer.ts`) and M × `dyi worker
 * --threads 1`, all on the same data location. Where that is comes from `env` and `dataDir`
 * alone: a shared SQLite data dir by default, or PostgreSQL and S3 when `env` sets
 * `DYI_DATABASE_URL` and `DYI_BLOB_STORE` (see `cluster-storage.ts`). The servers' public URL
 * is the balancer's, so paging links and download URLs lead back through it. Workers can be
 * killed with SIGKILL and restarted; everything is stopped by PID.
 */
import { freePort } from '../../src/server/free-port.js';
import { type RoundRobinBalancer, startBalancer } from './round-robin-balancer.js';
import { type ServerProcess, startServer } from './server-process.js';
import { startWorker, type WorkerProcess } from './worker-process.js';

const HOST = '127.0.0.1';
/** How long a process may take to stop after SIGTERM before it gets SIGKILL, in ms. */
const STOP_TIMEOUT_MS = 15_000;

export interface ClusterOptions {
  /** API processes (`dyi serve --no-workers`); default 2. */
  readonly apis?: number;
  /** Worker processes (`dyi worker --threads 1`); default 2. */
  readonly workers?: number;
  /** `--data-dir` of every process (the SQLite file and blobs, unless `env` says otherwise). */
  readonly dataDir: string;
  /** Added to every process's environment: the database, the blob store, engine settings. */
  readonly env?: Record<string, string>;
  /**
   * A balancer already started (its URL known before the processes are), which the cluster
   * then owns and closes; by default the cluster starts its own.
   */
  readonly balancer?: RoundRobinBalancer;
  /**
   * The API processes' public URL (in their `download_url` and paging links): the balancer's
   * unless set, as by a test that puts a proxy of its own in front of the balancer.
   */
  readonly publicUrl?: string;
}

export interface Cluster {
  /** The balancer's origin: where clients send requests. */
  readonly url: string;
  readonly balancer: RoundRobinBalancer;
  /** The API processes; `directUrl` is each one's own origin (`baseUrl` is the balancer's). */
  readonly apis: readonly (ServerProcess & { readonly directUrl: string })[];
  /** The worker processes now running (a restarted one replaces the killed one). */
  workers(): readonly WorkerProcess[];
  /** SIGKILL of worker `i`, as a crash or the OOM killer would; resolves once it is gone. */
  killWorker(i: number): Promise<void>;
  /** Starts a new worker in slot `i` (after `killWorker(i)`); resolves once it runs. */
  restartWorker(i: number): Promise<void>;
  /** What every process (killed ones too) wrote on stderr, each under its name and PID. */
  stderr(): string;
  /**
   * Stops the balancer, then every process still running: SIGTERM by PID, and SIGKILL for one
   * still there after STOP_TIMEOUT_MS.
   */
  stop(): Promise<void>;
}

/** Starts the balancer, the API processes and the workers; resolves once all serve. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { dataDir, env = {} } = options;
  const balancer = options.balancer ?? (await startBalancer());
  const apis: (ServerProcess & { directUrl: string })[] = [];
  const workers: WorkerProcess[] = [];
  const everyWorker: { slot: number; worker: WorkerProcess }[] = [];
  const startWorkerIn = async (slot: number): Promise<void> => {
    const worker = await startWorker(dataDir, ['--threads', '1'], env);
    workers[slot] = worker;
    everyWorker.push({ slot, worker });
  };
  const cluster: Cluster = {
    url: balancer.url,
    balancer,
    apis,
    workers: () => workers,
    async killWorker(i) {
      await workerIn(workers, i).kill();
    },
    restartWorker: startWorkerIn,
    stderr: () =>
      [
        ...apis.map((api, i) => `--- api ${i} (PID ${api.pid}):\n${api.stderr()}`),
        ...everyWorker.map(
          ({ slot, worker }) => `--- worker ${slot} (PID ${worker.pid}):\n${worker.stderr()}`,
        ),
      ].join('\n'),
    async stop() {
      await balancer.close();
      await Promise.all([...apis, ...workers].map(stopOrKill));
    },
  };
  try {
    // One at a time: on two busy cores, processes started together can each miss their
    // start-up deadline, and starting them in turn takes hardly longer.
    for (let i = 0; i < (options.apis ?? 2); i++) {
      apis.push(await startApi(dataDir, options.publicUrl ?? balancer.url, env));
    }
    balancer.setBackends(apis.map((api) => api.directUrl));
    for (let i = 0; i < (options.workers ?? 2); i++) await startWorkerIn(i);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** `dyi serve --no-workers` on a port of its own, with `publicUrl` (the balancer's, or a proxy's). */
async function startApi(
  dataDir: string,
  publicUrl: string,
  env: Record<string, string>,
): Promise<ServerProcess & { directUrl: string }> {
  // The banner names the public URL (the balancer), so the port is chosen here.
  const port = await freePort(HOST);
  const server = await startServer(
    dataDir,
    ['--no-workers', '--host', HOST, '--port', String(port), '--public-url', publicUrl],
    env,
  );
  return Object.assign(server, { directUrl: `http://${HOST}:${port}` });
}

async function stopOrKill(child: ServerProcess | WorkerProcess): Promise<void> {
  const timer = setTimeout(() => void child.kill(), STOP_TIMEOUT_MS);
  try {
    await child.stop();
  } finally {
    clearTimeout(timer);
  }
}

function workerIn(workers: readonly WorkerProcess[], i: number): WorkerProcess {
  const worker = workers[i];
  if (!worker) throw new Error(`no worker ${i} (there are ${workers.length})`);
  return worker;
}
