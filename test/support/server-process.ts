/**
 * @module
 * `dyi serve` in a real process of its own, as an operator runs it: started from the TypeScript
 * sources on a free port, found by the URL its banner prints, and stopped by its PID, either
 * gracefully (SIGTERM) or the hard way (SIGKILL, as a crash or an OOM killer would).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dyiArgs } from './dyi-cli.js';

/** How long a server may take to print its banner, in milliseconds. */
const START_TIMEOUT_MS = 30_000;
/** The same when it makes the demo (50 members with images; slow on a busy machine). */
const DEMO_START_TIMEOUT_MS = 180_000;

export interface ServerProcess {
  readonly pid: number;
  /** The origin the banner printed (also the server's public URL, in download links). */
  readonly baseUrl: string;
  /** What it printed on stdout up to the end of its banner. */
  readonly banner: string;
  /** Everything the process wrote to stdout so far (the banner, and logs if not silenced). */
  stdout(): string;
  /** Everything the process wrote to stderr so far, for failure messages. */
  stderr(): string;
  /** SIGTERM, then the exit code once it has exited. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown, no lease given back; resolves once it has exited. */
  kill(): Promise<void>;
}

/**
 * Starts `dyi serve --port 0 --no-demo --data-dir <dataDir> ...args` and resolves once it is
 * serving. `env` adds to this process's environment (logs are silenced unless it says otherwise).
 * With `demo`, `--no-demo` is left out: an empty data dir gets the demo community.
 */
export function startServer(
  dataDir: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
  { demo = false }: { demo?: boolean } = {},
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    dyiArgs([
      'serve',
      '--port',
      '0',
      ...(demo ? [] : ['--no-demo']),
      '--data-dir',
      dataDir,
      ...args,
    ]),
    { env: { ...process.env, DYI_LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
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
      child.stdout.off('data', onOutput);
      if (isRunning(child) && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(new Error(`dyi serve ${why}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    };
    const timeout = demo ? DEMO_START_TIMEOUT_MS : START_TIMEOUT_MS;
    const timer = setTimeout(() => fail(`printed no banner in ${timeout} ms`), timeout);
    void exited.then((code) => fail(`exited with ${code} before serving`));
    const onOutput = (): void => {
      const at = stdout.indexOf('serving the Graph API at ');
      // The banner ends with an empty line, printed once the workers have started.
      if (settled || at < 0 || !stdout.includes('\n\n', at)) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.off('data', onOutput);
      const baseUrl = /serving the Graph API at (\S+)/.exec(stdout)?.[1] ?? '';
      resolve(
        serverOf(child, { baseUrl, banner: stdout }, exited, {
          stdout: () => stdout,
          stderr: () => stderr,
        }),
      );
    };
    child.stdout.on('data', onOutput);
  });
}

function serverOf(
  child: ChildProcess,
  { baseUrl, banner }: { baseUrl: string; banner: string },
  exited: Promise<number | null>,
  output: { stdout: () => string; stderr: () => string },
): ServerProcess {
  const pid = child.pid;
  if (pid === undefined) throw new Error('dyi serve has no PID');
  return {
    pid,
    baseUrl,
    banner,
    ...output,
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
