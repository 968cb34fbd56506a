/**
 * @module
 * Starts `bench-server.ts` in a child process (through tsx, the way the benches themselves run)
 * and hands back its loopback origin and a `stop` that ends exactly that child, by its pid if
 * it does not leave on its own. Every side of a bench is served this way, so each is measured
 * under the same conditions: its own process, its own event loop, one connection pool.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ParentMessage, StartMessage } from './bench-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, '..', '..');
const SERVER_SCRIPT = path.join(here, 'bench-server.ts');
/** How long a child may take to start listening, or to stop when asked. */
const CHILD_TIMEOUT_MS = 30_000;

export interface ForkedServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly pid: number | undefined;
  /** CPU time (user + system) the server process has used so far, in microseconds. */
  readonly cpuMicros: () => Promise<number>;
  stop(): Promise<void>;
}

export async function forkServer(start: StartMessage): Promise<ForkedServer> {
  const child = fork(SERVER_SCRIPT, [], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stop = () => stopChild(child);
  try {
    const reply = new Promise<ChildMessage>((resolve, reject) => {
      child.once('message', (message: ChildMessage) => resolve(message));
      child.once('exit', (code) => reject(new Error(`bench server exited early (code ${code})`)));
    });
    const ask: ParentMessage = start;
    child.send(ask);
    const message = await withTimeout(
      reply,
      `bench server (${start.mode}) did not start listening`,
    );
    if ('error' in message) {
      throw new Error(`bench server (${start.mode}) failed: ${message.error}`);
    }
    if (!('port' in message)) throw new Error(`bench server (${start.mode}) did not say its port`);
    return {
      origin: `http://127.0.0.1:${message.port}`,
      pid: child.pid,
      cpuMicros: () => askCpu(child),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function askCpu(child: ChildProcess): Promise<number> {
  const reply = new Promise<number>((resolve) => {
    const onMessage = (message: ChildMessage) => {
      if (!('cpuMicros' in message)) return;
      child.off('message', onMessage);
      resolve(message.cpuMicros);
    };
    child.on('message', onMessage);
  });
  const ask: ParentMessage = { cpu: true };
  child.send(ask);
  return withTimeout(reply, 'bench server did not report its CPU time');
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  const ask: ParentMessage = { stop: true };
  if (child.connected) child.send(ask);
  const timer = setTimeout(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
  }, CHILD_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} within ${CHILD_TIMEOUT_MS} ms`)),
      CHILD_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
