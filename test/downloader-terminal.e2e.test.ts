/**
 * @module
 * `dyi download` at a terminal, as a person runs it: with no `--token` and no `DYI_TOKEN` it
 * asks for the token without echoing it, then shows a progress bar (bytes, files, rate, ETA)
 * and ends with every file in place. The terminal is a real pseudo-terminal made by util-linux
 * `script`, whose input the test types into.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunity } from '../src/content/seed-community.js';
import { filesOfExport, runExport, sha256 } from './support/archives.js';
import { tokensFor } from './support/export-scenarios.js';
import {
  createExport,
  type ListeningFixture,
  startListeningFixture,
} from './support/graph-fixture.js';
import { dyiArgs } from './support/dyi-cli.js';

/** Single-quotes a word for `sh -c`. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Runs `dyi args` on a pseudo-terminal; types `input` once it prints `waitFor`. */
function atTerminal(
  args: readonly string[],
  waitFor: string,
  input: string,
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, ...dyiArgs(args)].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
    delete env.DYI_TOKEN;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env });
    let screen = '';
    let typed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end at the terminal; it showed:\n${screen}`));
    }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString();
      if (!typed && screen.includes(waitFor)) {
        typed = true;
        child.stdin.write(input);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

describe('dyi download at a terminal', () => {
  let fixture: ListeningFixture;
  let token: string;
  let exportId: string;
  let out: string;

  beforeAll(async () => {
    fixture = await startListeningFixture({ maxPartBytes: 64 * 1024 });
    const { runtime } = fixture;
    const { communityId } = await seedCommunity(runtime, { users: 2, seed: 5 });
    token = (await tokensFor(runtime, communityId)).readToken;
    exportId = (
      await createExport(runtime, communityId, {
        data_types: ['POSTS_YOUR_ACTIVITY'],
        media_quality: 'VERY_LOW',
      })
    ).id;
    await runExport(runtime, exportId);
    out = await mkdtemp(path.join(tmpdir(), 'dyi-terminal-'));
  });

  afterAll(async () => {
    await fixture?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('asks for the token without echoing it, then shows bytes, files and an ETA', async () => {
    const { code, screen } = await atTerminal(
      ['download', '--out', out, '--base-url', fixture.baseUrl],
      'Access token (not shown): ',
      `${token}\r`,
    );
    expect(code, screen).toBe(0);
    expect(screen).not.toContain(token);
    const jobs = await filesOfExport(fixture.runtime, exportId);
    const files = jobs.flatMap((job) => job.files);
    expect(screen).toContain(`files ${files.length}/${files.length}`);
    expect(screen).toMatch(/ETA \S+/);
    for (const { job, files: jobFiles } of jobs) {
      const owner = job.jobType === 'COMPANY' ? 'company' : `user-${job.userId}`;
      for (const { file } of jobFiles) {
        const local = await readFile(path.join(out, exportId, owner, file.name));
        expect(sha256(local)).toBe(file.sha256);
      }
    }
  }, 90_000);
});
