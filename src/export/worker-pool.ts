/**
 * @module
 * The export workers of one process: N worker threads (default: one per CPU core), each
 * running `ExportWorker` on its own runtime. The pool first queues every unfinished job (a
 * process that died between creating an export and queuing it, or mid-job, loses nothing),
 * restarts a thread that crashes, and on `stop()` asks each thread to give back its task and
 * waits for it, then terminates what is left after a timeout.
 *
 * Each thread scales images with its share of the cores (images at once and libvips threads
 * per image, see `#imageShare`), so that threads scaling at once do not fight over them.
 *
 * It also keeps the operator's log short and telling: a full disk is logged once when its
 * first failure arrives (naming what is full) and once when work completes again, however many
 * jobs and threads meet it in between; a thread's crash is logged with its error.
 */
import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ProcessMetrics } from '../adapters/prometheus/process-metrics.js';
import type { Config } from '../config.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import type { PoolCommand, StorageFull, WorkerEvent, WorkerStart } from './export-worker.js';
import { startWithOwnCompiles } from './own-thread-compiles.js';

/** Where the pool's own lines go: pino's methods fit, as does `poolLogToStderr`. */
export interface PoolLog {
  warn(message: string): void;
  error(message: string): void;
  info(message: string): void;
}

/** Lines on stderr, for the CLI commands that have no request logger. */
export const poolLogToStderr: PoolLog = {
  warn: (message) => process.stderr.write(`dyi: ${message}\n`),
  error: (message) => process.stderr.write(`dyi: ${message}\n`),
  info: (message) => process.stderr.write(`dyi: ${message}\n`),
};

export interface WorkerPoolOptions {
  readonly config: Config;
  readonly metadata: MetadataStore;
  readonly queue: JobQueue;
  /** Threads; 0 or absent means `config.workers`, and that 0 means one per CPU core. */
  readonly threads?: number;
  /** How long `stop()` waits for threads to finish before terminating them, in ms. */
  readonly stopTimeoutMs?: number;
  /** Where storage episodes and thread crashes are logged (default: stderr). */
  readonly log?: PoolLog;
  /**
   * Whether the threads yield the CPU to an API served by the same process (nice 19, see
   * `export-worker.ts`, with their code optimization on their own thread); a
   * process that only runs workers (`dyi worker`) has nothing to yield to.
   */
  readonly yieldToApi?: boolean;
  /** Where the threads' metrics are added up (the process's); absent, they are dropped. */
  readonly metrics?: ProcessMetrics;
  /**
   * How each thread scales images, in place of its share of the cores (see `#imageShare`):
   * for benches and tests that compare ways; archives are the same bytes with any.
   */
  readonly images?: ImageShare;
}

/** How one export thread scales images. */
export type ImageShare = Pick<WorkerStart, 'imageThreads' | 'imagesAtOnce'>;

/** Emits `job` with each WorkerEvent of type `job` (for logs and tests). */
export class WorkerPool extends EventEmitter<{ job: [Extract<WorkerEvent, { type: 'job' }>] }> {
  readonly #options: WorkerPoolOptions;
  readonly #workers = new Set<Worker>();
  #stopping = false;
  /** What is full during a full-disk episode (logged once), undefined while there is room. */
  #full: StorageFull | undefined;
  /** Threads started, replacements included (a crash loop shows here). */
  #spawned = 0;

  constructor(options: WorkerPoolOptions) {
    super();
    this.#options = Object.freeze({ ...options });
  }

  /** Threads started so far, replacements of crashed ones included. */
  get threadsStarted(): number {
    return this.#spawned;
  }

  /** Threads running now (0 once all died and none was replaced yet, or after `stop()`). */
  get liveThreads(): number {
    return this.#workers.size;
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
    const data: WorkerStart = {
      kind: 'dyi-export-worker',
      config: this.#options.config,
      index,
      yieldToApi: this.#options.yieldToApi ?? false,
      ...this.#imageShare,
    };
    // From the TypeScript sources (tests, tsx), the thread registers tsx's loader first.
    const start = (): Worker =>
      WORKER_URL.pathname.endsWith('.ts')
        ? new Worker(
            `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER_URL.href)}); })`,
            { eval: true, workerData: data },
          )
        : new Worker(WORKER_URL, { workerData: data });
    // Yielding to the API, the thread also optimizes its code itself, at its own priority.
    const worker = data.yieldToApi ? startWithOwnCompiles(start) : start();
    this.#workers.add(worker);
    this.#spawned += 1;
    return new Promise((resolve, reject) => {
      worker.on('message', (event: WorkerEvent) => {
        if (event.type === 'ready') resolve();
        if (event.type === 'metrics') this.#options.metrics?.acceptSnapshot(index, event.snapshot);
        if (event.type === 'job') this.emit('job', event);
        if (event.type === 'job' || event.type === 'trouble') this.#watchStorage(event);
        if (event.type === 'trouble' && !event.storageFull) {
          this.#log.warn(
            `Export worker ${index} cannot use the job queue (${event.message}); it tries again in ${event.pauseMs} ms.`,
          );
        }
      });
      worker.once('error', (error) => {
        this.#log.error(`Export worker ${index} crashed: ${error.stack ?? String(error)}`);
        reject(error);
      });
      worker.once('exit', () => {
        this.#workers.delete(worker);
        this.#options.metrics?.retireThread(index);
        // A thread that died on its own is replaced (after a pause, so that one failing at
        // start does not spin); its task's lease runs out and the job is re-run.
        if (this.#stopping) return;
        setTimeout(() => {
          if (!this.#stopping) void this.#spawn(index).catch(() => undefined);
        }, RESPAWN_DELAY_MS).unref();
      });
    });
  }

  /**
   * How each thread scales images: its share of the cores, as images scaled at once (at most
   * MAX_IMAGES_AT_ONCE) times libvips threads per image. Separate images keep cores busier than
   * libvips's threads on one image (a JPEG is decoded on one thread); two threads each letting
   * libvips use both cores of a 2-core machine spent 18 % more CPU time on the same export
   * than with one each (`bench/export-images.ts`; docs/benchmarks.md). Each image in flight
   * holds its original and its rendition in memory, hence the bound.
   */
  get #imageShare(): ImageShare {
    if (this.#options.images) return this.#options.images;
    const share = Math.max(1, Math.floor(availableParallelism() / this.size));
    const imagesAtOnce = Math.min(share, MAX_IMAGES_AT_ONCE);
    return { imagesAtOnce, imageThreads: Math.max(1, Math.floor(share / imagesAtOnce)) };
  }

  get #log(): PoolLog {
    return this.#options.log ?? poolLogToStderr;
  }

  /** Logs the start of a full-disk episode once, and its end when work completes again. */
  #watchStorage(event: Extract<WorkerEvent, { type: 'job' | 'trouble' }>): void {
    if (event.storageFull) {
      if (this.#full) return;
      this.#full = event.storageFull;
      this.#log.error(
        `Storage is full: no space is left for ${event.storageFull.what} (${event.storageFull.location}). Export jobs wait and retry, and end FAILED once their attempts are used up; free space there (deleting exports works on a full disk) and queued work resumes by itself.`,
      );
    } else if (this.#full && event.type === 'job' && event.outcome === 'COMPLETED') {
      this.#log.info(
        `Storage has room again (${this.#full.location}): export jobs complete again.`,
      );
      this.#full = undefined;
    }
  }
}

/** Most images one thread scales at once (each holds its original and rendition in memory). */
const MAX_IMAGES_AT_ONCE = 2;

/** Pause before a thread that died is replaced, in milliseconds. */
const RESPAWN_DELAY_MS = 1000;

const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './export-worker.ts' : './export-worker.js',
  import.meta.url,
);
