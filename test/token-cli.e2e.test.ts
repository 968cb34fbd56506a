/**
 * `dyi token list` and the demo's tokens, as an operator meets them: real `dyi` processes on a
 * fresh data dir. The list tells tokens apart (id, owner, permissions, when made and last used,
 * last four characters) and never shows a secret; each demo start revokes the token the last
 * start printed, so demo tokens do not pile up.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDyi } from './support/dyi-cli.js';
import { startServer } from './support/server-process.js';

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-tokens-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** The lines `dyi token list ...args` prints; fails the test on a non-zero exit. */
async function tokenList(...args: string[]): Promise<string[]> {
  const listed = await runDyi(['token', 'list', '--data-dir', dataDir, ...args]);
  expect(listed.stderr).toBe('');
  expect(listed.code).toBe(0);
  return listed.stdout.split('\n').filter(Boolean);
}

/** The token a demo start printed in its banner. */
function bannerToken(banner: string): string {
  const token = /^ {2}(DYI1\S+)$/m.exec(banner)?.[1];
  if (token === undefined) throw new Error(`no token in the banner:\n${banner}`);
  return token;
}

async function statusWith(baseUrl: string, token: string): Promise<number> {
  return (await fetch(`${baseUrl}/community?access_token=${token}`)).status;
}

describe('demo tokens', () => {
  it('revokes the token of the previous start, and lists one active demo token', async () => {
    const first = await startServer(dataDir, ['--no-workers'], {}, { demo: true });
    const firstToken = bannerToken(first.banner);
    expect(await statusWith(first.baseUrl, firstToken)).toBe(200);
    expect(await first.stop()).toBe(0);

    const second = await startServer(dataDir, ['--no-workers'], {}, { demo: true });
    const secondToken = bannerToken(second.banner);
    try {
      expect(await statusWith(second.baseUrl, firstToken)).toBe(400);
      expect(await statusWith(second.baseUrl, secondToken)).toBe(200);
    } finally {
      expect(await second.stop()).toBe(0);
    }

    const active = await tokenList();
    expect(active).toHaveLength(1);
    const [line] = active;
    expect(line).toMatch(
      /^\d+\tcommunity \d+\tintegration \d+ "Demo integration"\tread_company_data_exports,manage_company_data_exports\tcreated \d{4}-\d\d-\d\dT\d\d:\d\dZ\tlast used \d{4}-\d\d-\d\dT\d\d:\d\dZ\tends in (\S{4})$/,
    );
    expect(line?.endsWith(`ends in ${secondToken.slice(-4)}`)).toBe(true);
    const all = await tokenList('--all');
    expect(all).toHaveLength(2);
    expect(all[0]).toMatch(/\tends in \S{4}\trevoked \d{4}-\d\d-\d\dT\d\d:\d\dZ$/);
    for (const shown of [...active, ...all]) {
      expect(shown).not.toContain(firstToken);
      expect(shown).not.toContain(secondToken);
    }
  }, 400_000);
});

describe('dyi token list', () => {
  it('shows a new token as never used, then when it was used; never the token', async () => {
    const created = await runDyi(['community', 'create', '--name', 'Acme', '--data-dir', dataDir]);
    expect(created.code).toBe(0);
    const acmeId = created.stdout.trim();
    const made = await runDyi([
      'token',
      'create',
      '--permission',
      'read_company_data_exports',
      '--community',
      acmeId,
      '--data-dir',
      dataDir,
    ]);
    expect(made.code).toBe(0);
    const token = made.stdout.trim();

    const [unused, ...others] = await tokenList('--community', acmeId);
    expect(others).toEqual([]);
    expect(unused).toMatch(
      new RegExp(
        `^\\d+\\tcommunity ${acmeId}\\tintegration \\d+ "Command line"\\tread_company_data_exports\\tcreated \\S+\\tlast used never\\tends in ${token.slice(-4)}$`,
      ),
    );
    expect(await tokenList()).toHaveLength(2);

    const server = await startServer(dataDir);
    try {
      expect(await statusWith(server.baseUrl, token)).toBe(200);
    } finally {
      await server.stop();
    }
    const [used] = await tokenList('--community', acmeId);
    expect(used).toMatch(/\tlast used \d{4}-\d\d-\d\dT\d\d:\d\dZ\t/);
    expect(used).not.toContain(token);
  }, 400_000);
});
