/**
 * @module
 * Running and stopping the other programs a bench compares against or drives (curl, python,
 * the `dyi` CLI, a server): each is timed from spawn to exit, killed by its own pid past a
 * timeout, and never outlives the bench.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';

export interface Timed {
  readonly code: number | null;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TimedOptions {
  /** Killed (SIGKILL, by pid) when still running after this many milliseconds. */
  readonly timeoutMs: number;
  readonly cwd?: string;
  /** Told the whole stdout so far, after each chunk. */
  readonly onStdout?: (text: string) => void;
}

/** Runs a command to its end, timed from spawn to exit. */
export function timed(
  command: string,
  args: readonly string[],
  options: TimedOptions,
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      stdio: ['ignore', 'pipe', 'pipe'],
      // curl and requests honour proxy settings; the servers are on loopback, never proxied.
      env: { ...process.env, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onStdout?.(stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, options.timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, ms: performance.now() - started, stdout, stderr });
    });
  });
}

/** SIGTERM by pid (a server shuts down gracefully), SIGKILL after 10 s. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

/** The machine's 1, 5 and 15 minute load averages, for the record of a run. */
export function loadAverage(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
}
