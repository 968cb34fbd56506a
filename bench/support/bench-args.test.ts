/**
 * @module
 * `benchArgs`: the usage `--help` prints lists every option with its default, and a bad
 * command line is refused with one line naming the option and what it allows, then exit code 2
 * from a real bench process (no stack trace).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BenchArgsError,
  flag,
  integerFrom,
  listOf,
  oneOf,
  parseBenchArgs,
  positiveInteger,
  text,
  usageText,
} from './bench-args.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const SPEC = {
  summary: 'Ours against theirs.',
  needs: ['nginx'],
  options: {
    rounds: positiveInteger('rounds to run', 3),
    warmup: integerFrom(0, 'seconds of warm-up', 2),
    database: oneOf(['sqlite', 'postgres'], 'the store', 'sqlite'),
    formats: listOf(['JSON', 'HTML'], 'formats', ['JSON']),
    build: text('DIR', 'another build'),
    media: flag('with media'),
  },
};

function refusal(argv: string[]): string {
  try {
    parseBenchArgs(SPEC, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(BenchArgsError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

describe('benchArgs', () => {
  it('lists every option with its placeholder, meaning and default, and what the bench needs', () => {
    const usage = usageText('bench/x.ts', SPEC);
    expect(usage).toContain('usage: npx tsx bench/x.ts [options]');
    expect(usage).toContain('Ours against theirs.');
    expect(usage).toMatch(/--rounds N +rounds to run \(default: 3\)/);
    expect(usage).toMatch(/--warmup N +seconds of warm-up \(default: 2\)/);
    expect(usage).toMatch(/--database sqlite\|postgres\s+the store \(default: sqlite\)/);
    expect(usage).toMatch(/--formats A,B +formats \(of JSON, HTML\) \(default: JSON\)/);
    expect(usage).toMatch(/--build DIR +another build\n/);
    expect(usage).toMatch(/--media +with media\n/);
    expect(usage).toContain('--help');
    expect(usage).toContain('needs: nginx');
  });

  it('gives the defaults, and the values given converted', () => {
    expect(parseBenchArgs(SPEC, [])).toMatchObject({
      values: { rounds: 3, warmup: 2, database: 'sqlite', formats: ['JSON'], media: false },
    });
    const given = parseBenchArgs(SPEC, [
      ...['--rounds', '7', '--warmup', '0', '--database', 'postgres'],
      ...['--formats', 'HTML,JSON', '--build', 'old', '--media'],
    ]);
    expect(given).toMatchObject({
      values: { rounds: 7, warmup: 0, database: 'postgres', formats: ['HTML', 'JSON'] },
    });
    expect(given !== 'help' && given.values.build).toBe('old');
    expect(parseBenchArgs(SPEC, ['--rounds', '2', '--help'])).toBe('help');
  });

  it('names an unknown option and the options there are', () => {
    expect(refusal(['--round', '3'])).toBe(
      'unknown option --round; the options are --rounds, --warmup, --database, --formats, ' +
        '--build, --media, --help',
    );
  });

  it('names the option of a bad value and what it allows', () => {
    expect(refusal(['--rounds', 'abc'])).toBe("--rounds takes a whole number from 1, not 'abc'");
    expect(refusal(['--rounds', '-3'])).toBe("--rounds takes a whole number from 1, not '-3'");
    expect(refusal(['--rounds=2.5'])).toBe("--rounds takes a whole number from 1, not '2.5'");
    expect(refusal(['--warmup', '-1'])).toBe("--warmup takes a whole number from 0, not '-1'");
    expect(refusal(['--database', 'mysql'])).toBe(
      "--database takes one of sqlite, postgres, not 'mysql'",
    );
    expect(refusal(['--formats', 'JSON,PDF'])).toBe(
      "--formats takes a comma-separated list of JSON, HTML, not 'JSON,PDF'",
    );
    expect(refusal(['--rounds'])).toBe('--rounds needs a value: N');
    expect(refusal(['--media=yes'])).toBe('--media takes no value');
    expect(refusal(['stray'])).toMatch(/^unexpected argument stray; this bench takes only options/);
  });

  it('makes a bench print the error line and its usage, and exit 2 without a stack trace', () => {
    const bench = path.join(REPO_ROOT, 'bench', 'graph-allocation.ts');
    const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const answer = spawnSync(tsx, [bench, '--rounds', 'abc'], { encoding: 'utf8' });
    expect(answer.status).toBe(2);
    expect(answer.stdout).toBe('');
    const [first, ...rest] = answer.stderr.split('\n');
    expect(first).toBe(
      "bench/graph-allocation.ts: --rounds takes a whole number from 1, not 'abc'",
    );
    expect(rest.join('\n')).toContain('usage: npx tsx bench/graph-allocation.ts [options]');
    expect(answer.stderr).not.toMatch(/^\s+at /m);

    const help = spawnSync(tsx, [bench, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(
      /--requests N +calls per build and request in each round \(default: 2000\)/,
    );
  });
});
