/**
 * @module
 * `dyi worker` in a real process of its own, as a scale-out deployment runs it beside
 * `dyi serve --no-workers`: started from the TypeScript sources, ready once it says how many
 * threads it runs, and stopped by its PID, gracefully (SIGTERM) or as a crash would (SIGKILL).
 * Its stderr, where it writes one line per job it finishes, is kept for the tests to read.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dyiArgs } from './dyi-cli.js';

/** How long a worker may take to say it runs, in milliseconds (generous: CI machines are busy). */
const START_TIMEOUT_MS = 60_000;

export interface WorkerProcess {
  readonly pid: number;
  /** Everything the process wrote to stderr so far: its start line and a line per job. */
  stderr(): string;
  /** SIGTERM, then the exit code once it has exited. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown, no lease given back; resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * Starts `dyi worker --data-dir <dataDir> ...args` with `env` on top of this process's
 * environment (logs silenced unless it says otherwise); resolves once its threads run.
 */
export function startWorker(
  dataDir: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, dyiArgs(['worker', '--data-dir', dataDir, ...args]), {
    env: { ...process.env, DYI_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (isRunning(child) && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`dyi worker ${why}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    };
    const timer = setTimeout(
      () => fail(`did not start in ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS,
    );
    void exited.then((code) => fail(`exited with ${code} before running`));
    const onOutput = (): void => {
      if (settled || !/^dyi worker: \d+ threads? on /m.test(stderr)) return;
      settled = true;
      clearTimeout(timer);
      child.stderr.off('data', onOutput);
      resolve(workerOf(child, exited, () => stderr));
    };
    child.stderr.on('data', onOutput);
  });
}

function workerOf(
  child: ChildProcess,
  exited: Promise<number | null>,
  stderr: () => string,
): WorkerProcess {
  const pid = child.pid;
  if (pid === undefined) throw new Error('dyi worker has no PID');
  return {
    pid,
    stderr,
    async stop() {
      if (isRunning(child)) process.kill(pid, 'SIGTERM');
      return exited;
    },
    async kill() {
      if (isRunning(child)) process.kill(pid, 'SIGKILL');
      await exited;
    },
  };
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
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
