/**
 * @module
 * The loop of one export worker: claim a task from the queue, run its DYI job, repeat. Runs in
 * a worker thread started by `WorkerPool` (so that rendering, compression and image resizing
 * never run on the API's event loop), with a runtime of its own: its own database connections
 * and blob store on the same data directory.
 *
 * Failures: a run that throws is retried with exponential backoff (1 s, 4 s, 16 s ...) up to
 * MAX_ATTEMPTS; then the job ends FAILED with the last error's message. A worker that dies mid-job
 * stops renewing its lease, so the task becomes ready again and another worker re-runs the job
 * from its start (the runner removes the earlier run's files first).
 */
import { randomBytes } from 'node:crypto';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { type Runtime, openRuntime } from '../runtime.js';
import { type JobOutcome, JobRunner, jobRunnerDeps } from './job-runner.js';

/** Attempts before a job is marked FAILED. */
export const MAX_ATTEMPTS = 3;
/** How long a claimed task stays a worker's without a renewal, in milliseconds. */
export const LEASE_MS = 10_000;
/** Nice value of a worker thread (0 normal, 19 lowest). */
const WORKER_NICENESS = 19;
/** How often an idle worker looks for work, in milliseconds. */
const IDLE_POLL_MS = 250;

export interface WorkerStart {
  /** Marks our own workers' data, so that importing this module elsewhere starts nothing. */
  readonly kind: 'dyi-export-worker';
  readonly config: Config;
  /** Worker number within its pool, for names in logs and leases. */
  readonly index: number;
}

/** Messages a worker posts to its pool. */
export type WorkerEvent =
  | { readonly type: 'ready' }
  | {
      readonly type: 'job';
      readonly jobId: string;
      readonly outcome: JobOutcome | 'RETRY' | 'FAILED';
      readonly message?: string;
    }
  | { readonly type: 'stopped' };

/** Messages the pool posts to a worker. */
export type PoolCommand = { readonly type: 'wake' } | { readonly type: 'stop' };

export class ExportWorker {
  readonly #runtime: Runtime;
  readonly #runner: JobRunner;
  readonly #name: string;
  readonly #stop = new AbortController();
  readonly #post: (event: WorkerEvent) => void;
  #wake: (() => void) | undefined;

  constructor(runtime: Runtime, index: number, post: (event: WorkerEvent) => void) {
    this.#runtime = runtime;
    this.#post = post;
    this.#name = `worker-${process.pid}-${index}-${randomBytes(4).toString('hex')}`;
    this.#runner = new JobRunner(jobRunnerDeps(runtime));
  }

  /** Looks for work now instead of at the next poll. */
  wake(): void {
    this.#wake?.();
  }

  /** Stops after giving back the running task (if any) for another run. */
  stop(): void {
    this.#stop.abort(new Error('the export worker is stopping'));
    this.#wake?.();
  }

  async run(): Promise<void> {
    const { queue } = this.#runtime;
    while (!this.#stop.signal.aborted) {
      const task = await queue.claim(this.#name, LEASE_MS);
      if (!task) {
        await this.#idle();
        continue;
      }
      await this.#runTask(task.jobId, task.attempt);
    }
  }

  async #runTask(jobId: string, attempt: number): Promise<void> {
    const { queue, jobs } = this.#runtime;
    const renewal = setInterval(() => {
      void queue.renew(jobId, this.#name, LEASE_MS).catch(() => undefined);
    }, LEASE_MS / 4);
    try {
      const outcome = await this.#runner.run(jobId, this.#stop.signal);
      await queue.complete(jobId);
      this.#post({ type: 'job', jobId, outcome });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.#stop.signal.aborted) {
        await queue.retry(jobId, this.#name, 0, 'The worker stopped while running this job.');
      } else if (attempt < MAX_ATTEMPTS) {
        await queue.retry(jobId, this.#name, 1000 * 4 ** (attempt - 1), message);
        this.#post({ type: 'job', jobId, outcome: 'RETRY', message });
      } else {
        await jobs.fail(jobId, `The job failed ${attempt} times; the last error: ${message}`);
        await queue.complete(jobId);
        this.#post({ type: 'job', jobId, outcome: 'FAILED', message });
      }
    } finally {
      clearInterval(renewal);
    }
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, IDLE_POLL_MS);
      this.#wake = done;
    });
  }
}

/**
 * Export work yields the CPU to the API: on Linux a nice value belongs to a thread, and threads
 * this one starts (sharp's) inherit it, so a busy export barely moves the API's latency. Where
 * the system refuses, the worker runs at normal priority.
 */
function lowerPriority(): void {
  try {
    setPriority(0, WORKER_NICENESS);
  } catch {
    // Not permitted here: run as is.
  }
}

/** The thread's entry: one worker on its own runtime, driven by the pool's messages. */
async function main(): Promise<void> {
  const port = parentPort;
  const start = workerData as WorkerStart | undefined;
  if (!port || start?.kind !== 'dyi-export-worker') return;
  lowerPriority();
  const runtime = await openRuntime(start.config);
  const worker = new ExportWorker(runtime, start.index, (event) => port.postMessage(event));
  port.on('message', (command: PoolCommand) => {
    if (command.type === 'wake') worker.wake();
    else worker.stop();
  });
  port.postMessage({ type: 'ready' } satisfies WorkerEvent);
  try {
    await worker.run();
  } finally {
    await runtime.close();
    port.postMessage({ type: 'stopped' } satisfies WorkerEvent);
    port.close();
  }
}

await main();
