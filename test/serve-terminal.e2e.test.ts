/**
 * What `dyi serve` shows, as a person at a terminal sees it: the banner first, then only
 * warnings and errors as short lines of text, never JSON; with `DYI_LOG_LEVEL=debug`, one line
 * per request (its secrets redacted). Off a terminal (a pipe, a log collector) the log stays
 * JSON. The terminal is a real pseudo-terminal made by util-linux `script`; the server is
 * stopped with Ctrl-C typed into it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dyiArgs, runDyi } from './support/dyi-cli.js';
import { startServer } from './support/server-process.js';

/** How long a start and a few requests may take on a busy machine, in milliseconds. */
const RUN_TIMEOUT_MS = 90_000;

let dataDir: string;
let token: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-terminal-log-'));
  expect(
    (await runDyi(['community', 'create', '--name', 'Acme', '--data-dir', dataDir])).code,
  ).toBe(0);
  const made = await runDyi([
    'token',
    'create',
    '--permission',
    'read_company_data_exports',
    '--data-dir',
    dataDir,
  ]);
  token = made.stdout.trim();
}, 60_000);

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Single-quotes a word for `sh -c`. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Calls made once the server serves: one answered, one refused (a bad token). */
async function callTwice(baseUrl: string): Promise<void> {
  expect((await fetch(`${baseUrl}/community?access_token=${token}`)).status).toBe(200);
  expect((await fetch(`${baseUrl}/community?access_token=DYI1wrong`)).status).toBe(400);
}

/** Runs `dyi serve` on a pseudo-terminal, makes two calls, types Ctrl-C; the screen, no CRs. */
function serveAtTerminal(env: NodeJS.ProcessEnv): Promise<string> {
  const args = ['serve', '--port', '0', '--no-demo', '--no-workers', '--data-dir', dataDir];
  const command = [process.execPath, ...dyiArgs(args)].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env });
    let screen = '';
    let called = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end at the terminal; it showed:\n${screen}`));
    }, RUN_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      const baseUrl = /serving the Graph API at (\S+)/.exec(screen)?.[1];
      if (called || baseUrl === undefined || !/\r?\n\r?\n/.test(screen)) return;
      called = true;
      callTwice(baseUrl).then(
        // Give the log lines of the calls a moment to reach the screen, then press Ctrl-C.
        () => setTimeout(() => child.stdin.write('\x03'), 500),
        (error: unknown) => reject(error as Error),
      );
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(screen.replaceAll('\r', ''));
    });
  });
}

function terminalEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', ...extra };
  for (const name of ['DYI_LOG_LEVEL', 'DYI_LOG_FORMAT'] as const) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

describe('dyi serve at a terminal', () => {
  it('shows the banner first, and no JSON and no request lines by default', async () => {
    const screen = await serveAtTerminal(terminalEnv({}));
    const lines = screen.split('\n').filter((line) => line.trim() !== '');
    expect(lines[0]).toMatch(/^dyi-export is serving the Graph API at http/);
    expect(lines.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    expect(screen).not.toContain('/community');
    expect(screen).not.toContain('Server listening');
    expect(screen).toContain('SIGINT: finishing work in flight, then stopping');
  }, 120_000);

  it('shows one line per request with DYI_LOG_LEVEL=debug, secrets redacted', async () => {
    const screen = await serveAtTerminal(terminalEnv({ DYI_LOG_LEVEL: 'debug' }));
    const lines = screen.split('\n').filter((line) => line.trim() !== '');
    expect(lines[0]).toMatch(/^dyi-export is serving the Graph API at http/);
    expect(lines.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    expect(screen).toMatch(
      /^\d\d:\d\d:\d\d GET \/community\?access_token=\[redacted\] 200 \d+\.\d ms \[trace \S+\]$/m,
    );
    expect(screen).toMatch(
      /^\d\d:\d\d:\d\d GET \/community\?access_token=\[redacted\] 400 \d+\.\d ms \[trace \S+\]$/m,
    );
    expect(screen).toMatch(/INFO \(#190\) Invalid OAuth access token.*\[trace \S+\]$/m);
    expect(screen).not.toContain(token);
    expect(screen).not.toContain('DYI1wrong');
  }, 120_000);

  it('keeps JSON with DYI_LOG_FORMAT=json', async () => {
    const screen = await serveAtTerminal(terminalEnv({ DYI_LOG_FORMAT: 'json' }));
    const json = screen.split('\n').filter((line) => line.startsWith('{'));
    expect(json.some((line) => line.includes('"msg":"request completed"'))).toBe(true);
  }, 120_000);
});

it('logs JSON lines when its output is not a terminal', async () => {
  const server = await startServer(dataDir, ['--no-workers'], { DYI_LOG_LEVEL: 'info' });
  try {
    await callTwice(server.baseUrl);
  } finally {
    await server.stop();
  }
  const logged = server
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; reqId?: string });
  expect(logged.filter((line) => line.msg === 'request completed')).toHaveLength(2);
  expect(server.stdout()).not.toContain(token);
}, 120_000);
