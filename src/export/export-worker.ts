/**
 * @module
 * The loop of one export worker: claim a task from the queue, run its DYI job, repeat. Runs in
 * a worker thread started by `WorkerPool` (so that rendering, compression and image resizing
 * never run on the API's event loop), with a runtime of its own: its own database connections
 * and blob store on the same data directory.
 *
 * Failures: a run that throws is retried with exponential backoff (`jobRetryDelayMs`, then 4
 * times longer each time) up to `jobAttempts` runs; then the job ends FAILED with the last
 * error's message (for a full disk, one that says so and what to do). A worker that dies mid-job
 * stops renewing its lease (`jobLeaseMs`), so the task becomes ready again and another worker
 * re-runs the job from its start (the runner removes the earlier run's files first); that lost
 * run uses up no attempt, but a job whose runs are lost MAX_LOST_RUNS times ends FAILED. A
 * worker that was only paused (not dead) past its lease learns it at its next renewal, or when
 * it is refused the run's start, a write, or its FAILED verdict (each run fences the job with
 * its queue claim, see JobRunner.run), and stops the run without touching the task: it is the
 * newer run's. When the queue itself cannot be written (the disk is full, the database stays
 * locked), the worker reports it, waits (longer each time, up to MAX_TROUBLE_PAUSE_MS) and
 * tries again: ending the thread would only restart it into the same trouble.
 */
import { randomBytes } from 'node:crypto';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config.js';
import { RunSupersededError, StorageFullError } from '../domain/index.js';
import type { MetricsSnapshot, ProcessMetrics } from '../adapters/prometheus/process-metrics.js';
import type { ClaimedTask } from '../ports/job-queue.js';
import { type Runtime, openRuntime } from '../runtime.js';
import { renditionLookups } from './media-quality.js';
import { type JobOutcome, JobRunner, jobRunnerDeps, type RunnerShare } from './job-runner.js';
import { limitImageThreads } from './media-quality.js';
import { LIBVIPS_THREAD_NAME, lowerThreadsNamed } from './thread-niceness.js';

/** Nice value of a worker thread (0 normal, 19 lowest). */
const WORKER_NICENESS = 19;
/**
 * How often a worker that yields to the API looks for libvips threads to lower, in
 * milliseconds, when it has scaled an image since the last look: a new one runs at nice 0
 * until then. A look reads /proc for each thread of the process (about 20), about 0.5 ms of
 * CPU on this machine under load, so a thread that scales no image makes none.
 */
const LIBVIPS_LOOK_MS = 200;
/** How often an idle worker looks for work, in milliseconds. */
const IDLE_POLL_MS = 250;
/**
 * Runs of one job lost with their worker (thread crash, process killed) before the job ends
 * FAILED: lost runs use up no attempt, so a job that kills its worker every time would
 * otherwise run forever. High enough for an operator's restarts mid-job.
 */
export const MAX_LOST_RUNS = 10;
/** Longest wait between two tries of a queue that keeps failing, in milliseconds. */
const MAX_TROUBLE_PAUSE_MS = 30_000;

export interface WorkerStart {
  /** Marks our own workers' data, so that importing this module elsewhere starts nothing. */
  readonly kind: 'dyi-export-worker';
  readonly config: Config;
  /** Worker number within its pool, for names in logs and leases. */
  readonly index: number;
  /**
   * Lower the thread's priority, so that the API of the same process is served first; the
   * pool then also starts it optimizing its own code (`own-thread-compiles.ts`). Every thread
   * deflates its archives itself (`JobRunnerDeps.deflateOnOwnThread`).
   */
  readonly yieldToApi: boolean;
  /** Threads libvips may use for one image (`sharp.concurrency`); 0 leaves sharp's default. */
  readonly imageThreads: number;
  /** Images a job scales at once (`JobRunnerDeps.imagesAtOnce`). */
  readonly imagesAtOnce: number;
}

/** What is full, when a failure was a full disk (errors do not cross threads as classes). */
export interface StorageFull {
  readonly what: string;
  readonly location: string;
}

/** Messages a worker posts to its pool. */
export type WorkerEvent =
  | { readonly type: 'ready' }
  | {
      readonly type: 'job';
      readonly jobId: string;
      /** SUPERSEDED: the worker's lease ran out and the run stopped, leaving the job to another. */
      readonly outcome: JobOutcome | 'RETRY' | 'FAILED' | 'SUPERSEDED';
      readonly message?: string;
      readonly storageFull?: StorageFull;
      /** How long the run took, in seconds (absent when no run started). */
      readonly seconds?: number;
    }
  /** The latest content of the thread's metrics registry (see ProcessMetrics). */
  | { readonly type: 'metrics'; readonly snapshot: MetricsSnapshot }
  /** The queue itself failed; the worker waits `pauseMs` and tries again. */
  | {
      readonly type: 'trouble';
      readonly message: string;
      readonly pauseMs: number;
      readonly storageFull?: StorageFull;
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

  constructor(
    runtime: Runtime,
    index: number,
    post: (event: WorkerEvent) => void,
    share: RunnerShare = {},
  ) {
    this.#runtime = runtime;
    this.#post = post;
    this.#name = `worker-${process.pid}-${index}-${randomBytes(4).toString('hex')}`;
    this.#runner = new JobRunner(jobRunnerDeps(runtime, share));
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
    const { queue, config } = this.#runtime;
    let troubles = 0;
    while (!this.#stop.signal.aborted) {
      try {
        const task = await queue.claim(this.#name, config.jobLeaseMs);
        if (!task) {
          await this.#idle(IDLE_POLL_MS);
          continue;
        }
        if (task.lostRuns >= MAX_LOST_RUNS) await this.#failLost(task);
        else await this.#runTask(task);
        troubles = 0;
      } catch (error) {
        troubles += 1;
        const pauseMs = Math.min(
          MAX_TROUBLE_PAUSE_MS,
          Math.max(IDLE_POLL_MS, config.jobRetryDelayMs) * 2 ** (troubles - 1),
        );
        this.#post({
          type: 'trouble',
          message: messageOf(error),
          pauseMs,
          ...storageFullOf(error),
        });
        await this.#idle(pauseMs);
      }
    }
  }

  async #runTask({ jobId, attempt, claim }: ClaimedTask): Promise<void> {
    const { queue, config } = this.#runtime;
    const lease = new AbortController();
    const renewal = setInterval(() => {
      void queue.renew(jobId, this.#name, config.jobLeaseMs).then(
        (renewed) => {
          if (!renewed) lease.abort(new LeaseLostError(jobId));
        },
        () => undefined,
      );
    }, config.jobLeaseMs / 4);
    const startedAt = performance.now();
    const seconds = (): number => (performance.now() - startedAt) / 1000;
    try {
      const outcome = await this.#runner.run(jobId, {
        signal: AbortSignal.any([this.#stop.signal, lease.signal]),
        claim,
      });
      await queue.complete(jobId);
      this.#post({ type: 'job', jobId, outcome, seconds: seconds() });
    } catch (error) {
      if (lease.signal.aborted || error instanceof RunSupersededError) {
        this.#post({
          type: 'job',
          jobId,
          outcome: 'SUPERSEDED',
          message: messageOf(error),
          seconds: seconds(),
        });
      } else if (this.#stop.signal.aborted) await queue.release(jobId, this.#name);
      else await this.#failed({ jobId, attempt, claim }, error, seconds());
    } finally {
      clearInterval(renewal);
    }
  }

  /** A run failed: run it again later, or end the job FAILED once its attempts are used up. */
  async #failed(
    { jobId, attempt, claim }: Omit<ClaimedTask, 'lostRuns'>,
    error: unknown,
    seconds: number,
  ): Promise<void> {
    const { queue, config } = this.#runtime;
    const message = messageOf(error);
    const full = storageFullOf(error);
    // Only the worker holding the task decides: one whose lease ran out leaves it to the next.
    if (!(await queue.renew(jobId, this.#name, config.jobLeaseMs))) {
      this.#post({ type: 'job', jobId, outcome: 'SUPERSEDED', message, seconds });
      return;
    }
    if (attempt < config.jobAttempts) {
      const delayMs = config.jobRetryDelayMs * 4 ** (attempt - 1);
      await queue.retry(jobId, this.#name, delayMs, message);
      this.#post({ type: 'job', jobId, outcome: 'RETRY', message, seconds, ...full });
      return;
    }
    const verdict = `The job failed ${attempt} times; the last error: ${message}`;
    const outcome = (await this.#endFailed(jobId, claim, verdict)) ? 'FAILED' : 'SUPERSEDED';
    this.#post({ type: 'job', jobId, outcome, message, seconds, ...full });
  }

  /** Ends a job whose runs keep dying with their worker, rather than lose another worker. */
  async #failLost({ jobId, lostRuns, claim }: ClaimedTask): Promise<void> {
    const message = `The job's run was lost ${lostRuns} times, each time with the worker running it (a crash, running out of memory, or the process killed); it is not run again. Check the log for the crash, then export this member again.`;
    const outcome = (await this.#endFailed(jobId, claim, message)) ? 'FAILED' : 'SUPERSEDED';
    this.#post({ type: 'job', jobId, outcome, message });
  }

  /**
   * Ends the job FAILED and its task done; false, touching neither, when a run of a later
   * claim has started the job meanwhile (this worker paused past its lease): the job and its
   * task are that run's worker's now. A job that ended otherwise (cancelled) ends its task too.
   */
  async #endFailed(jobId: string, claim: number, message: string): Promise<boolean> {
    const { jobs, metadata, queue } = this.#runtime;
    if (!(await jobs.fail(jobId, message, claim))) {
      const current = await metadata.jobs.get(jobId);
      if (current?.state === 'PENDING' || current?.state === 'IN_PROGRESS') return false;
    }
    await queue.complete(jobId);
    return true;
  }

  /** Waits `ms`, or less when woken or stopped. */
  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}

/** The worker could not renew its lease: the task ran out and may be another worker's now. */
class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`The lease on job ${jobId} ran out before this worker renewed it; the run stops.`);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function storageFullOf(error: unknown): { storageFull?: StorageFull } {
  if (!(error instanceof StorageFullError)) return {};
  return { storageFull: { what: error.what, location: error.location } };
}

/**
 * Export work in `dyi serve` yields the CPU to the API: on Linux a nice value belongs to a
 * thread, so the export thread lowers its own, and the threads libvips scales its images on,
 * which it did not start and which do not inherit it (see `thread-niceness.ts`), are lowered
 * as they appear while it scales images (a rendition not found in the cache is one being
 * scaled); answers the timer that looks for them. Where the system refuses, the worker
 * runs at normal priority. `dyi worker` has no API to yield to, and its workers run at normal
 * priority: at nice 19 they would get the CPU last on a machine shared with anything else, the
 * database included.
 */
function lowerPriority(): NodeJS.Timeout {
  try {
    setPriority(0, WORKER_NICENESS);
  } catch {
    // Not permitted here: run as is.
  }
  let scaled = -1;
  const lowerImageThreads = (): void => {
    const { misses } = renditionLookups();
    if (misses === scaled) return;
    scaled = misses;
    lowerThreadsNamed(LIBVIPS_THREAD_NAME, WORKER_NICENESS);
  };
  return setInterval(lowerImageThreads, LIBVIPS_LOOK_MS).unref();
}

/** How often a thread posts its metrics to the process, in milliseconds (and after each job). */
const METRICS_POST_MS = 1000;

function countJob(metrics: ProcessMetrics, event: Extract<WorkerEvent, { type: 'job' }>): void {
  metrics.jobs.inc({ outcome: event.outcome });
  if (event.seconds !== undefined) {
    metrics.jobDuration.observe({ outcome: event.outcome }, event.seconds);
  }
  if (event.outcome === 'RETRY') metrics.jobsRetried.inc();
}

/** The thread's entry: one worker on its own runtime, driven by the pool's messages. */
async function main(): Promise<void> {
  const port = parentPort;
  const start = workerData as WorkerStart | undefined;
  if (!port || start?.kind !== 'dyi-export-worker') return;
  const imageThreadsTimer = start.yieldToApi ? lowerPriority() : undefined;
  if (start.imageThreads > 0) limitImageThreads(start.imageThreads);
  const runtime = await openRuntime(start.config);
  const { metrics } = runtime;
  const lookups = { hits: 0, misses: 0 };
  const postMetrics = async (): Promise<void> => {
    const now = renditionLookups();
    metrics.renditions.inc({ result: 'hit' }, now.hits - lookups.hits);
    metrics.renditions.inc({ result: 'miss' }, now.misses - lookups.misses);
    Object.assign(lookups, now);
    port.postMessage({ type: 'metrics', snapshot: await metrics.snapshot() } satisfies WorkerEvent);
  };
  const metricsTimer = setInterval(() => void postMetrics(), METRICS_POST_MS);
  const post = (event: WorkerEvent): void => {
    if (event.type === 'job') {
      countJob(metrics, event);
      void postMetrics();
    }
    port.postMessage(event);
  };
  // Every thread deflates its archives itself (the runner's default): at nice 19 this also
  // keeps the deflate off libuv's pool, which runs at the API's priority.
  const worker = new ExportWorker(runtime, start.index, post, {
    imagesAtOnce: start.imagesAtOnce,
  });
  port.on('message', (command: PoolCommand) => {
    if (command.type === 'wake') worker.wake();
    else worker.stop();
  });
  port.postMessage({ type: 'ready' } satisfies WorkerEvent);
  try {
    await worker.run();
  } finally {
    clearInterval(metricsTimer);
    clearInterval(imageThreadsTimer);
    await postMetrics();
    await runtime.close();
    port.postMessage({ type: 'stopped' } satisfies WorkerEvent);
    port.close();
  }
}

await main();
