/**
 * @module
 * A seeded data dir served by real processes, for end-to-end tests that drive `dyi serve` from
 * outside (a browser, an HTTP client) and start `dyi worker` processes themselves. By default
 * it is one embedded `dyi serve --no-workers` on the data dir itself. With
 * `DYI_TEST_ON_CLUSTER=1` (`cluster-fixture.ts`) the data dir's content is put in fresh cluster
 * storage (`cluster-storage.ts`: PostgreSQL and S3 as `DYI_TEST_SCALE_OUT` says, or a shared
 * SQLite dir) and served by 2 × `dyi serve --no-workers` behind a round-robin balancer
 * (`cluster.ts`), so that a page and the form posted from it are served by different processes.
 * Either way no worker runs at start, and every CLI command and `dyi worker` a test runs on the
 * served data takes the deployment's `dataDir` and `env`.
 */
import { startCluster } from './cluster.js';
import { API_PROCESSES, ON_CLUSTER } from './cluster-fixture.js';
import { clusterStorage } from './cluster-storage.js';
import { spawnDyi } from './dyi-cli.js';
import { startServer } from './server-process.js';

export interface Deployment {
  /** Where clients send requests: the server's origin, or the balancer's. */
  readonly baseUrl: string;
  /** `--data-dir` of every process and CLI command on the served data. */
  readonly dataDir: string;
  /** Environment of every process and CLI command on the served data (settings included). */
  readonly env: Readonly<Record<string, string>>;
  /** How many API processes serve `baseUrl`: 1, or the cluster's. */
  readonly apiProcesses: number;
  /**
   * Stops the API processes (and the balancer) by PID, and removes the cluster's storage; the
   * seeded data dir is the caller's to remove.
   */
  stop(): Promise<void>;
}

/**
 * Serves the data dir `seeded` (made with the CLI, on the embedded engine), with `settings`
 * (environment variables such as `DYI_SIGN_IN_FAILURE_DELAY_MS`) given to every process.
 */
export async function serveSeeded(
  seeded: string,
  settings: Readonly<Record<string, string>> = {},
): Promise<Deployment> {
  if (!ON_CLUSTER) {
    const server = await startServer(seeded, ['--no-workers'], { ...settings });
    return {
      baseUrl: server.baseUrl,
      dataDir: seeded,
      env: settings,
      apiProcesses: 1,
      async stop() {
        await server.stop();
      },
    };
  }
  let missing = '';
  const storage = await clusterStorage({ skip: (why = '') => (missing = why) });
  if (!storage) throw new Error(`a deployment on a cluster needs ${missing}`);
  const env = { ...storage.env, ...settings };
  try {
    await storage.fill(seeded);
    const cluster = await startCluster({
      apis: API_PROCESSES,
      workers: 0,
      dataDir: storage.dataDir,
      env,
    });
    return {
      baseUrl: cluster.url,
      dataDir: storage.dataDir,
      env,
      apiProcesses: API_PROCESSES,
      async stop() {
        await cluster.stop();
        await storage.remove();
      },
    };
  } catch (error) {
    await storage.remove();
    throw error;
  }
}

/**
 * Runs one `dyi worker` (one thread) on the deployment's data until `done()` holds, asked every
 * 250 ms, then stops it gracefully by its PID; fails naming `what` after `timeoutMs`.
 */
export async function workUntil(
  deployment: Deployment,
  done: () => Promise<boolean>,
  what = 'the export',
  timeoutMs = 90_000,
): Promise<void> {
  const worker = spawnDyi(['worker', '--threads', '1', '--data-dir', deployment.dataDir], {
    ...deployment.env,
    DYI_LOG_LEVEL: 'silent',
  });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  try {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`${what} did not finish in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    if (worker.exitCode === null) worker.kill('SIGTERM');
    await exited;
  }
}
