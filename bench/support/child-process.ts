/**
 * @module
 * Running and stopping the other programs a bench compares against or drives (curl, python,
 * the `dyi` CLI, a server): each is timed from spawn to exit, killed by its own pid past a
 * timeout, and never outlives the bench.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/server/free-port.js';

/** The compiled CLI (`npm run build`), as `npm start` runs it. */
export const BUILT_CLI = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../dist/cli/main.js',
);

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
  /** Added to this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
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
      env: { ...process.env, ...options.env, NO_PROXY: '127.0.0.1', no_proxy: '127.0.0.1' },
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

/** SIGTERM by pid (a server shuts down gracefully), SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** The machine's 1, 5 and 15 minute load averages, for the record of a run. */
export function loadAverage(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
}

export interface BuiltServer {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>`, also its public URL (links and download URLs use it). */
  readonly origin: string;
}

/**
 * The compiled `dyi serve --no-demo` on a free loopback port of 127.0.0.1, with rate limits
 * off, once it has printed its banner; `args` add flags (e.g. `--no-workers`), `env` settings
 * (e.g. `DYI_BLOB_STORE`), `cli` another build's `cli/main.js` (to compare two builds).
 */
export async function startBuiltServer(
  dataDir: string,
  args: readonly string[] = [],
  timeoutMs = 30_000,
  env: Readonly<Record<string, string>> = {},
  cli: string = BUILT_CLI,
): Promise<BuiltServer> {
  const port = await freePort('127.0.0.1');
  const origin = `http://127.0.0.1:${port}`;
  const serve = ['serve', '--data-dir', dataDir, '--port', String(port), '--host', '127.0.0.1'];
  const child = spawn(process.execPath, [cli, ...serve, '--no-demo', ...args], {
    env: {
      ...process.env,
      ...env,
      DYI_PUBLIC_URL: origin,
      DYI_LOG_LEVEL: 'silent',
      DYI_RATE_LIMIT_CALLS: '0',
      DYI_COMMUNITY_RATE_LIMIT_CALLS: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let banner = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`dyi serve printed no banner within ${timeoutMs} ms: ${banner}`)),
        timeoutMs,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        banner += chunk.toString();
        if (banner.includes('serving the Graph API at')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`dyi serve exited with ${code}: ${banner}`));
      });
    });
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  child.stdout.resume();
  child.removeAllListeners('exit');
  return { child, origin };
}
