/**
 * `npm start` as a new user runs it, in real processes: stopping npm (SIGTERM to its PID, as a
 * process manager does, or Ctrl-C at the terminal, which signals npm and the server at once and
 * npm forwards the signal again) stops the server too, gracefully, and frees its port. `npm
 * start` builds first, so each case takes as long as a build.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '..');
/** A build and a start on a busy machine, in milliseconds. */
const START_TIMEOUT_MS = 300_000;
/** How long a stopped server may take to be gone, in milliseconds (its own timeout is 10 s). */
const STOP_TIMEOUT_MS = 20_000;

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-npm-start-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

interface NpmStart {
  readonly npm: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly port: number;
  /** The process that listens: the one running the CLI's entry point. */
  readonly serverPid: number;
  output(): string;
}

/** `npm start` in its own process group (as a terminal's foreground job), up to its banner. */
async function npmStart(): Promise<NpmStart> {
  const npm = spawn('npm', ['start', '--', '--port', '0', '--no-demo', '--data-dir', dataDir], {
    cwd: REPO,
    detached: true,
    env: { ...process.env, DYI_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => npm.once('exit', resolve));
  const started = Date.now();
  while (!/serving the Graph API at \S+:(\d+)[^]*\n\n/.test(output)) {
    if (npm.exitCode !== null || Date.now() - started > START_TIMEOUT_MS) {
      throw new Error(`npm start printed no banner:\n${output}`);
    }
    await pause(200);
  }
  const port = Number(/serving the Graph API at \S+:(\d+)/.exec(output)?.[1]);
  const pid = npm.pid;
  if (pid === undefined) throw new Error('npm has no PID');
  const serverPid = (await descendants(pid)).find((each) =>
    /^\S*node \S*cli\/main\.js serve/.test(each.args),
  )?.pid;
  if (serverPid === undefined) throw new Error(`no server process under npm:\n${output}`);
  return { npm, exited, port, serverPid, output: () => output };
}

/** Every process below `pid`, with its command line (from /proc). */
async function descendants(pid: number): Promise<{ pid: number; args: string }[]> {
  const found: { pid: number; args: string }[] = [];
  let parents = [pid];
  while (parents.length > 0) {
    const next: number[] = [];
    for (const parent of parents) {
      const children = await readFile(`/proc/${parent}/task/${parent}/children`, 'utf8').catch(
        () => '',
      );
      for (const child of children.split(' ').filter(Boolean).map(Number)) {
        const args = await readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '');
        found.push({ pid: child, args: args.replaceAll('\0', ' ') });
        next.push(child);
      }
    }
    parents = next;
  }
  return found;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether something accepts connections on the loopback port. */
function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until the process is gone; false if it is still there after the timeout. */
async function isGoneWithin(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (isAlive(pid) && Date.now() < until) await pause(100);
  return !isAlive(pid);
}

describe('npm start', () => {
  const cases: [string, (start: NpmStart) => void][] = [
    ['SIGTERM to npm', (start) => start.npm.kill('SIGTERM')],
    // A terminal's Ctrl-C signals the whole foreground group; npm forwards it once more.
    ['Ctrl-C', (start) => process.kill(-(start.npm.pid ?? 0), 'SIGINT')],
  ];
  it.each(cases)(
    'stops the server when npm is stopped (%s)',
    async (_name, stop) => {
      const start = await npmStart();
      expect(await isListening(start.port)).toBe(true);
      try {
        stop(start);
        // npm's own exit status varies (0, or killed by the SIGINT itself): what counts is
        // that the server is gone, after a graceful stop.
        await start.exited;
        expect(await isGoneWithin(start.serverPid, STOP_TIMEOUT_MS)).toBe(true);
        expect(await isListening(start.port)).toBe(false);
        expect(start.output()).toMatch(/SIG(TERM|INT): finishing work in flight, then stopping/);
        expect(start.output()).not.toContain('did not finish in time');
        // Printed only once its clean-up finished: the signal npm forwards did not cut it short.
        expect(start.output()).toMatch(/\nStopped\.\n/);
      } finally {
        if (isAlive(start.serverPid)) process.kill(start.serverPid, 'SIGKILL');
      }
    },
    START_TIMEOUT_MS + 60_000,
  );
});
