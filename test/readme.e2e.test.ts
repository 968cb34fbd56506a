/**
 * The README's command-line block, extracted from README.md at test time and run as written by
 * bash, the way a reader pastes it: beside a running `dyi serve` whose `./.dyi` already holds
 * a demo-like community (as after `npm start`), so that a command without `--community` would
 * stop. `dyi` is the real CLI; a pseudo-terminal (util-linux `script`) lets `dyi admin create`
 * ask for its password as it does for a person. Only the server's URL is replaced: the README
 * names port 8080, the test's server listens on a free one.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DYI_MAIN, runDyi } from './support/dyi-cli.js';
import { type ServerProcess, startServer } from './support/server-process.js';

const README = path.resolve(import.meta.dirname, '../README.md');
const PASSWORD = 'a long enough password';
/** How long the block may take, in milliseconds: a dozen CLI starts and a small seed. */
const BLOCK_TIMEOUT_MS = 120_000;

/** The first sh block after "The same from the command line" in the README. */
function commandLineBlock(readme: string): string {
  const intro = readme.indexOf('The same from the command line');
  const start = readme.indexOf('```sh\n', intro);
  const end = readme.indexOf('```', start + 6);
  if (intro < 0 || start < 0 || end < 0) throw new Error('README.md has no command-line block');
  return readme.slice(start + 6, end);
}

interface BlockRun {
  readonly code: number | null;
  /** What the terminal showed (stdout and stderr of the block, through the pseudo-terminal). */
  readonly output: string;
}

/**
 * Runs `script` in `cwd` under bash with `set -e` (a failing line fails the run) and answers
 * each password prompt as a person would: typed after it appears.
 */
function runBlock(script: string, cwd: string, binDir: string): Promise<BlockRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', `bash -e ${script}`, '/dev/null'], {
      cwd,
      env: { ...process.env, PATH: `${binDir}:${process.env.PATH ?? ''}`, DYI_LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let answered = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), BLOCK_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const prompts = (output.match(/Password \(|The same password again: /g) ?? []).length;
      for (; answered < prompts; answered++) child.stdin.write(`${PASSWORD}\r`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

let dir: string;
let server: ServerProcess;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dyi-readme-'));
  const dataDir = path.join(dir, '.dyi');
  const demo = await runDyi(['community', 'create', '--name', 'Demo Community'], {
    DYI_DATA_DIR: dataDir,
  });
  expect(demo.code).toBe(0);
  server = await startServer(dataDir, ['--no-workers']);
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Why the block cannot run here: util-linux `script` gives it a terminal for the prompt. */
function scriptUnavailable(): string | undefined {
  const probe = spawnSync('script', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 && probe.stdout.includes('util-linux')
    ? undefined
    : "util-linux's `script` is needed to give the block a terminal (apt-get install -y bsdutils)";
}

describe("the README's command-line block", () => {
  it('works as pasted beside a running server whose data dir holds another community', async (ctx) => {
    const unavailable = scriptUnavailable();
    if (unavailable !== undefined) {
      if (process.env.DYI_REQUIRE_SERVICES === '1') {
        throw new Error(`DYI_REQUIRE_SERVICES=1 but ${unavailable}`);
      }
      ctx.skip(unavailable);
    }
    const block = commandLineBlock(await readFile(README, 'utf8'));
    expect(block).toContain('dyi admin create');
    const binDir = path.join(dir, 'bin');
    const dyi = path.join(binDir, 'dyi');
    await writeFile(
      path.join(dir, 'block.sh'),
      block.replaceAll('http://localhost:8080', server.baseUrl),
    );
    await mkdir(binDir);
    // tsx by absolute URL: the block runs in the temp dir, where `--import tsx` finds nothing.
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    await writeFile(
      dyi,
      `#!/bin/sh\nexec '${process.execPath}' --import '${tsx}' '${DYI_MAIN}' "$@"\n`,
    );
    await chmod(dyi, 0o755);

    const run = await runBlock('block.sh', dir, binDir);

    expect(run.output).not.toMatch(/dyi: /);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/Created admin ops@acme\.example of community \d+/);
    expect(run.output).toMatch(/"id":"\d+","is_completed":false/);
    expect(run.output).toMatch(/Revoked access token \d+/);
    const communities = await runDyi(['community', 'list', '--data-dir', path.join(dir, '.dyi')]);
    expect(communities.stdout).toMatch(/\tDemo Community\n\d+\tAcme\n$/);
  }, 180_000);
});
