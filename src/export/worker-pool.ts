/**
 * @module
 * The export workers of one process: N worker threads (default: one per CPU core), each
 * running `ExportWorker` on its own runtime. The pool first queues every unfinished job (a
 * process that died between creating an export and queuing it, or mid-job, loses nothing),
 * restarts a thread that crashes, and on `stop()` asks each thread to give back its task and
 * waits for it, then terminates what is left after a timeout.
 */
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { PoolCommand, WorkerEvent, WorkerStart } from './export-worker.js';

export interface WorkerPoolOptions {
  readonly config: Config;
  readonly metadata: MetadataStore;
  readonly queue: JobQueue;
  /** Threads; 0 or absent means `config.workers`, and that 0 means one per CPU core. */
  readonly threads?: number;
  /** How long `stop()` waits for threads to finish before terminating them, in ms. */
  readonly stopTimeoutMs?: number;
}

/** Emits `job` with each WorkerEvent of type `job` (for logs and tests). */
export class WorkerPool extends EventEmitter<{ job: [Extract<WorkerEvent, { type: 'job' }>] }> {
  readonly #options: WorkerPoolOptions;
  readonly #workers = new Set<Worker>();
  #stopping = false;

  constructor(options: WorkerPoolOptions) {
    super();
    this.#options = Object.freeze({ ...options });
  }

  get size(): number {
    const wanted = this.#options.threads || this.#options.config.workers;
    return wanted > 0 ? wanted : availableParallelism();
  }

  async start(): Promise<void> {
    await this.#options.queue.enqueue(await this.#options.metadata.jobs.unfinishedIds());
    await Promise.all(Array.from({ length: this.size }, (_, index) => this.#spawn(index)));
  }

  /** Tells idle workers to look for work now (e.g. right after an export was created). */
  wake(): void {
    for (const worker of this.#workers) worker.postMessage({ type: 'wake' } satisfies PoolCommand);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    const exits = [...this.#workers].map(
      (worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve())),
    );
    for (const worker of this.#workers) worker.postMessage({ type: 'stop' } satisfies PoolCommand);
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), this.#options.stopTimeoutMs ?? 10_000).unref(),
    );
    if ((await Promise.race([Promise.all(exits), timeout])) === 'timeout') {
      await Promise.all([...this.#workers].map((worker) => worker.terminate()));
    }
    this.#workers.clear();
  }

  #spawn(index: number): Promise<void> {
    const data: WorkerStart = { kind: 'dyi-export-worker', config: this.#options.config, index };
    // From the TypeScript sources (tests, tsx), the thread registers tsx's loader first.
    const worker = WORKER_URL.pathname.endsWith('.ts')
      ? new Worker(
          `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`,
          { eval: true, workerData: data },
        )
      : new Worker(WORKER_URL, { workerData: data });
    this.#workers.add(worker);
    return new Promise((resolve, reject) => {
      worker.on('message', (event: WorkerEvent) => {
        if (event.type === 'ready') resolve();
        if (event.type === 'job') this.emit('job', event);
      });
      worker.once('error', (error) => {
        reject(error);
      });
      worker.once('exit', () => {
        this.#workers.delete(worker);
        // A thread that died on its own is replaced (after a pause, so that one failing at
        // start does not spin); its task's lease runs out and the job is re-run.
        if (this.#stopping) return;
        setTimeout(() => {
          if (!this.#stopping) void this.#spawn(index).catch(() => undefined);
        }, RESPAWN_DELAY_MS).unref();
      });
    });
  }
}

/** Pause before a thread that died is replaced, in milliseconds. */
const RESPAWN_DELAY_MS = 1000;

const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './export-worker.ts' : './export-worker.js',
  import.meta.url,
);
