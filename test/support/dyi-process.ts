/**
 * @module
 * A long-running `dyi` command (`serve`, `worker`) in a real process of its own, started from
 * the TypeScript sources: ready once its output says so, and stopped by its PID, gracefully
 * (SIGTERM) or as a crash or an OOM killer would (SIGKILL). What it printed is kept for the
 * tests to read and for failure messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dyiArgs } from './dyi-cli.js';

export interface DyiProcess {
  readonly pid: number;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then the exit code once it has exited. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown, no lease given back; resolves once it has exited. */
  kill(): Promise<void>;
}

export interface StartOptions {
  /** Added to this process's environment; logs are silenced unless it says otherwise. */
  readonly env?: Record<string, string>;
  /** True once the output so far shows the process ready; checked on each new chunk. */
  readonly isReady: (output: { stdout: string; stderr: string }) => boolean;
  /** How long it may take to be ready, and what to say when it was not. */
  readonly timeoutMs: number;
  readonly notReady: string;
}

/** Starts `dyi ...args`; resolves once `isReady` holds, rejects (and kills it) otherwise. */
export function startDyiProcess(
  args: readonly string[],
  options: StartOptions,
): Promise<DyiProcess> {
  const child = spawn(process.execPath, dyiArgs(args), {
    env: { ...process.env, DYI_LOG_LEVEL: 'silent', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const command = `dyi ${args[0] ?? ''}`;

  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (): void => {
      settled = true;
      clearTimeout(timer);
      child.stdout.off('data', onOutput);
      child.stderr.off('data', onOutput);
    };
    const fail = (why: string): void => {
      if (settled) return;
      settle();
      if (isRunning(child) && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`${command} ${why}\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`));
    };
    const timer = setTimeout(
      () => fail(`${options.notReady} in ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    void exited.then((code) => fail(`exited with ${code} before it was ready`));
    const onOutput = (): void => {
      if (settled || !options.isReady(output)) return;
      settle();
      resolve(processOf(child, exited, output));
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
  });
}

function processOf(
  child: ChildProcess,
  exited: Promise<number | null>,
  output: { readonly stdout: string; readonly stderr: string },
): DyiProcess {
  const pid = child.pid;
  if (pid === undefined) throw new Error('the dyi process has no PID');
  return {
    pid,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
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
