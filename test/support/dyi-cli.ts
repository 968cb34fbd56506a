/**
 * @module
 * The `dyi` command line in a real process, as the end-to-end tests run it: compiled once per
 * test run (`DYI_TEST_CLI`, set by `cli-build-global-setup.ts`), or from the TypeScript sources
 * through tsx where no build is there (a test file run outside Vitest's global setup).
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** The CLI's entry point in the sources. */
export const DYI_MAIN = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

/** Node's arguments that run `dyi ...args`. */
export function dyiArgs(args: readonly string[]): string[] {
  const compiled = process.env.DYI_TEST_CLI;
  return compiled ? [compiled, ...args] : ['--import', 'tsx', DYI_MAIN, ...args];
}

/** Starts `dyi ...args` with `env` on top of this process's environment; stdin is closed. */
export function spawnDyi(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(process.execPath, dyiArgs(args), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `dyi ...args` to its end; `input`, when given, is what it reads on stdin. */
export function runDyi(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  input?: string,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child =
      input === undefined
        ? spawnDyi(args, env)
        : spawn(process.execPath, dyiArgs(args), {
            env: { ...process.env, ...env },
            stdio: ['pipe', 'pipe', 'pipe'],
          });
    child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `dyi ...args --data-dir <dataDir>` and throws, with its stderr, unless it exits 0. */
export async function dyiIn(
  dataDir: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliRun> {
  const run = await runDyi([...args, '--data-dir', dataDir], options.env ?? {}, options.input);
  if (run.code !== 0) {
    throw new Error(`dyi ${args.join(' ')} exited with ${run.code}:\n${run.stderr}`);
  }
  return run;
}

/** `dyi admin create` of a panel admin, the password piped on stdin as an operator would. */
export function createAdminWithCli(
  dataDir: string,
  account: { readonly email: string; readonly password: string },
): Promise<CliRun> {
  return dyiIn(dataDir, ['admin', 'create', '--email', account.email, '--password-stdin'], {
    input: `${account.password}\n`,
  });
}
