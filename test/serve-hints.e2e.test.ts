/**
 * The next steps `dyi serve` prints under its banner work when pasted, in real processes: on an
 * empty data dir that is not the default one (so every command needs `--data-dir`), then with
 * two communities (so `token create` needs `--community`) and an admin (so no "create an
 * account"). Each printed command is run as printed and must succeed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runDyi } from './support/dyi-cli.js';
import { startServer } from './support/server-process.js';

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-hints-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** The banner of a server started on the data dir (stopped again at once). */
async function banner(): Promise<string> {
  const server = await startServer(dataDir, ['--no-workers']);
  expect(await server.stop()).toBe(0);
  return server.banner;
}

/** The `dyi` commands a banner suggests, each as the words the shell would pass. */
function suggestedCommands(text: string): string[][] {
  return [...text.matchAll(/\b(?:npx dyi|dyi) ([^)\n]+)/g)].map((match) =>
    [...(match[1] ?? '').matchAll(/'([^']*)'|(\S+)/g)].map((word) => word[1] ?? word[2] ?? ''),
  );
}

/** Runs a suggested command as pasted; an admin's password comes on stdin, as a script would. */
async function runPasted(words: string[]): Promise<{ code: number | null; stdout: string }> {
  const isAdminCreate = words[0] === 'admin' && words[1] === 'create';
  const run = isAdminCreate
    ? await runDyi([...words, '--password-stdin'], {}, 'a long enough password\n')
    : await runDyi(words);
  if (run.code !== 0) throw new Error(`dyi ${words.join(' ')} failed:\n${run.stderr}`);
  return run;
}

it('prints commands that work when pasted, whatever the setup', async () => {
  const empty = await banner();
  const first = suggestedCommands(empty);
  expect(first.map((words) => words.slice(0, 2).join(' '))).toEqual([
    'community create',
    'token create',
    'admin create',
  ]);
  for (const words of first) {
    expect(words.slice(-2)).toEqual(['--data-dir', dataDir]);
    await runPasted(words);
  }

  const second = await runDyi(['community', 'create', '--name', 'Second', '--data-dir', dataDir]);
  expect(second.code).toBe(0);
  const both = await banner();
  expect(both).not.toContain('admin create');
  const next = suggestedCommands(both);
  expect(next.map((words) => words.slice(0, 2).join(' '))).toEqual([
    'community list',
    'token create',
    'admin list',
  ]);
  for (const words of next) {
    expect(words).toContain('--data-dir');
    const { stdout } = await runPasted(words);
    if (words[1] === 'create') expect(stdout).toMatch(/^DYI1\S+\n$/);
    if (words[1] === 'list') expect(stdout).not.toBe('');
  }
}, 300_000);
