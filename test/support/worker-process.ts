/**
 * @module
 * `dyi worker` in a real process of its own, as a scale-out deployment runs it beside
 * `dyi serve --no-workers`: started from the TypeScript sources, ready once it says how many
 * threads it runs, and stopped by its PID, gracefully (SIGTERM) or as a crash would (SIGKILL).
 * Its stderr, where it writes one line per job it finishes, is kept for the tests to read.
 */
import { type DyiProcess, startDyiProcess } from './dyi-process.js';

/** How long a worker may take to say it runs, in milliseconds (generous: CI machines are busy). */
const START_TIMEOUT_MS = 60_000;

/** Its stderr holds its start line and a line per job it finishes. */
export type WorkerProcess = DyiProcess;

/**
 * Starts `dyi worker --data-dir <dataDir> ...args` with `env` on top of this process's
 * environment (logs silenced unless it says otherwise); resolves once its threads run.
 */
export function startWorker(
  dataDir: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  return startDyiProcess(['worker', '--data-dir', dataDir, ...args], {
    env,
    isReady: ({ stderr }) => /^dyi worker: \d+ threads? on /m.test(stderr),
    timeoutMs: START_TIMEOUT_MS,
    notReady: 'did not start',
  });
}

/** Job id → how many times workers said they completed it, read from their stderr. */
export function completionsByJob(stderr: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of stderr.matchAll(/^job (\d+) COMPLETED$/gm)) {
    const jobId = match[1] as string;
    counts.set(jobId, (counts.get(jobId) ?? 0) + 1);
  }
  return counts;
}
