/**
 * What the `dyi` command line answers a person, in real processes: the exit code (0 done,
 * 2 something to fix, 1 our failure), one line on stderr that names the thing and what to do,
 * and no stack trace unless asked for with --debug. Also --version, help of subcommands and
 * the URLs it names (admin panel, the local server for `dyi list`).
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runDyi } from './support/dyi-cli.js';
import { startServer } from './support/server-process.js';

let dir: string;
let dataDir: string;
let aFile: string;
const communities: string[] = [];

/** A user error as the scheme promises: exit code 2, one line on stderr, no stack trace. */
function expectOneLineError(run: CliRun, ...parts: (string | RegExp)[]): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).toMatch(/^dyi: [^\n]+\n$/);
  for (const part of parts) expect(run.stderr).toMatch(part);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dyi-answers-'));
  dataDir = path.join(dir, 'data');
  aFile = path.join(dir, 'a-file');
  await writeFile(aFile, 'not a directory\n');
  for (const name of ['Demo Community', 'Acme']) {
    const made = await runDyi(['community', 'create', '--name', name, '--data-dir', dataDir]);
    communities.push(made.stdout.trim());
  }
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('dyi answers operational errors with one line and exit code 2', () => {
  it('names a busy port and how to choose another', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const run = await runDyi(
        ['serve', '--port', String(port), '--no-demo', '--data-dir', dataDir],
        { DYI_LOG_LEVEL: 'silent' },
      );
      expectOneLineError(run, `Port ${port} on 127.0.0.1 is taken`, /--port N/, /PORT=N/);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 60_000);

  it('names a --data-dir that is a file, or lies under one', async () => {
    const file = await runDyi(['community', 'list', '--data-dir', aFile]);
    expectOneLineError(file, aFile, /is a file, not a directory/, /--data-dir DIR/);
    const under = path.join(aFile, 'data');
    const below = await runDyi(['community', 'list'], { DYI_DATA_DIR: under });
    expectOneLineError(below, under, /a part of its path is a file/);
  });

  it('names a --data-dir it may not write in', async (ctx) => {
    const locked = path.join(dir, 'locked');
    await mkdir(locked);
    if (process.getuid?.() !== 0) {
      await chmod(locked, 0o500);
      const run = await runDyi(['community', 'list', '--data-dir', path.join(locked, 'data')]);
      expectOneLineError(run, locked, /permission denied/);
      return;
    }
    // Root may write in any directory, but not on a read-only file system.
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', locked], {
        stdio: 'pipe',
      });
    } catch (error) {
      const why = `root, and cannot mount a read-only tmpfs: ${(error as Error).message.split('\n')[0]}`;
      if (process.env.DYI_REQUIRE_SERVICES === '1') throw new Error(why, { cause: error });
      ctx.skip(why);
    }
    try {
      const run = await runDyi(['community', 'list', '--data-dir', path.join(locked, 'data')]);
      expectOneLineError(run, path.join(locked, 'data'), /read-only/);
    } finally {
      execFileSync('umount', [locked]);
    }
  });

  it('names a `dyi download --out` it cannot write into, before asking for anything', async () => {
    const out = path.join(aFile, 'downloads');
    const run = await runDyi(['download', '--out', out, '--base-url', 'http://127.0.0.1:9']);
    expectOneLineError(run, `--out ${out}`, /a part of its path is a file/);
  });

  it('prints the stack trace only with --debug or DYI_LOG_LEVEL=debug', async () => {
    const debug = await runDyi(['community', 'list', '--data-dir', aFile, '--debug']);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^\s+at /m);
    const level = await runDyi(['community', 'list', '--data-dir', aFile], {
      DYI_LOG_LEVEL: 'debug',
    });
    expect(level.stderr).toMatch(/^\s+at /m);
  });
});

describe('dyi speaks as a CLI, not as the Graph API', () => {
  it('answers "No such token" to a token it does not know', async () => {
    const run = await runDyi(['token', 'revoke', 'DYI1garbage', '--data-dir', dataDir]);
    expectOneLineError(run, /^dyi: No such token/, dataDir);
    expect(run.stderr).not.toContain('Unsupported');
    expect(run.stderr).not.toContain('DYI1garbage');
  });

  it('names the communities there are when --community names none', async () => {
    const run = await runDyi(['token', 'create', '--permission', 'read_company_data_exports'], {
      DYI_DATA_DIR: dataDir,
    });
    expectOneLineError(run, /There are 2 communities; choose one with --community ID/);
    const wrong = await runDyi([
      'export',
      'create',
      '--community',
      '42',
      '--data-types',
      'ALL',
      '--data-dir',
      dataDir,
    ]);
    expectOneLineError(
      wrong,
      `No community 42 in this data dir (${dataDir}); communities: ${communities[0]} Demo Community, ${communities[1]} Acme.`,
    );
    expect(wrong.stderr).not.toContain('Unsupported');
    const seeded = await runDyi([
      'seed',
      '--users',
      '1',
      '--community',
      '42',
      '--data-dir',
      dataDir,
    ]);
    expectOneLineError(seeded, /No community 42 in this data dir/);
    const integration = await runDyi(['integration', 'require-proof', '42', 'on'], {
      DYI_DATA_DIR: dataDir,
    });
    expectOneLineError(integration, /^dyi: Nothing with id 42 in this data dir/);
    expect(integration.stderr).not.toContain('Unsupported');
  });
});

describe('help, version and usage', () => {
  it('prints its version', async () => {
    const pkg = JSON.parse(
      await readFile(path.resolve(import.meta.dirname, '../package.json'), 'utf8'),
    ) as { version: string };
    const run = await runDyi(['--version']);
    expect(run).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('shows the help of a subcommand with `dyi help`, required options marked', async () => {
    const run = await runDyi(['help', 'export', 'create']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: dyi export create [options]');
    expect(run.stdout).toMatch(/--data-types <list> +\(required\) ALL \(alone\)/);
    expect(run.stdout).not.toMatch(/--community <id>[^\n]*\(required\)/);
  });

  it('writes every default one way, and documents the exit codes', async () => {
    const helps = await Promise.all(
      [['--help'], ['help', 'download'], ['help', 'serve'], ['help', 'seed']].map((a) => runDyi(a)),
    );
    const text = helps.map((h) => h.stdout.replace(/\s+/g, ' ')).join('\n');
    expect(text).toContain('(default: 8)');
    expect(text).toContain('(env PORT; default: 8080; 0 picks a free one)');
    expect(text).toContain('(env DYI_BASE_URL; default: https://graph.workplace.com)');
    // Not "(default 8080)" nor commander's quoted '(default: "8")'.
    expect(text).not.toMatch(/\(default [^:]|default: "/);
    expect(helps[0]?.stdout).toMatch(
      /Exit codes:\n {2}0 {2}done\n {2}1 [^]*?\n {2}2 {2}something to fix/,
    );
  });

  it('exits 2 on a usage error, as on bad input', async () => {
    const missing = await runDyi(['export', 'create', '--data-dir', dataDir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: required option '--data-types <list>' not specified");
    const unknown = await runDyi(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });

  it('says that ALL stands alone, and names a defaulted end time', async () => {
    const base = ['export', 'create', '--community', communities[1] ?? '', '--data-dir', dataDir];
    const mixed = await runDyi([...base, '--data-types', 'ALL,FOO']);
    expectOneLineError(mixed, /--data-types ALL is allowed only alone/, /unknown: "FOO"/);
    const future = await runDyi([...base, '--data-types', 'ALL', '--start-time', '2999-01-01']);
    expectOneLineError(
      future,
      /end_time was not given, so it is now \(\d{4}-\d\d-\d\dT[\d:]+Z\), which is not later than start_time \(2999-01-01T00:00:00Z\)/,
    );
  });
});

describe('the URLs dyi names', () => {
  it('names the panel URL of the settings, or of the running server, after `admin create`', async () => {
    const made = await runDyi(
      [
        'admin',
        'create',
        '--email',
        'ops@acme.example',
        '--community',
        communities[1] ?? '',
        '--password-stdin',
        '--data-dir',
        dataDir,
      ],
      { PORT: '9876' },
      'correct horse battery\n',
    );
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('sign in at http://localhost:9876/admin once `dyi serve` runs');

    const server = await startServer(dataDir);
    try {
      const again = await runDyi(
        [
          'admin',
          'create',
          '--email',
          'ops2@acme.example',
          '--community',
          communities[1] ?? '',
          '--password-stdin',
        ],
        { DYI_DATA_DIR: dataDir },
        'correct horse battery\n',
      );
      expect(again.stdout).toContain(`sign in at ${server.baseUrl}/admin\n`);

      // `dyi list` run beside a running server: names its URL instead of going to Workplace.
      const token = (
        await runDyi(
          ['token', 'create', '--permission', 'read_company_data_exports', '--community'].concat(
            communities[1] ?? '',
          ),
          { DYI_DATA_DIR: dataDir },
        )
      ).stdout.trim();
      const guessed = await runDyi(['list'], { DYI_DATA_DIR: dataDir, DYI_TOKEN: token });
      expectOneLineError(
        guessed,
        `has a dyi server running at ${server.baseUrl}: pass --base-url ${server.baseUrl} (or set DYI_BASE_URL=${server.baseUrl})`,
      );
      const listed = await runDyi(['list', '--json'], {
        DYI_DATA_DIR: dataDir,
        DYI_TOKEN: token,
        DYI_BASE_URL: server.baseUrl,
      });
      expect(listed).toMatchObject({ code: 0, stdout: '', stderr: '' });
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Stopped: the record of the running server is gone with it.
    await expect(readFile(path.join(dataDir, 'server.json'))).rejects.toThrow(/ENOENT/);
  }, 90_000);
});
