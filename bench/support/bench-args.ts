/**
 * @module
 * The command line of every bench: `benchArgs({ summary, needs, options })` wraps `node:util`
 * `parseArgs`, where each option carries its meaning and default, so that `--help` prints a
 * usage text listing them, and an unknown option or a bad value prints one line saying what
 * was wrong and what is allowed, then the usage, and exits with code 2 (no stack trace). The
 * option makers (`positiveInteger`, `integerFrom`, `oneOf`, `text`, `flag`) check and convert
 * the value, so a bench reads numbers as numbers.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';

/** One option: how it shows in the usage, and how its raw value becomes `T`. */
export interface BenchOption<T> {
  readonly type: 'string' | 'boolean';
  /** What follows the option's name in the usage, e.g. `N` (none for a flag). */
  readonly placeholder: string;
  readonly description: string;
  /** The default as the usage prints it (none: the option is left out unless given). */
  readonly shownDefault?: string;
  /** The value, from the raw text given (undefined when not given); throws `BenchArgsError`. */
  readonly read: (name: string, raw: string | boolean | undefined) => T;
}

/** What a bench that runs the compiled package needs; `npm run bench:*` scripts do it first. */
export const NEEDS_BUILD = '`npm run build` (the compiled package in dist/)';

/** A command line the bench cannot run with; its message is the one line printed. */
export class BenchArgsError extends Error {
  override readonly name = 'BenchArgsError';
}

export interface BenchArgsSpec<O extends Record<string, BenchOption<unknown>>> {
  /** What the bench compares, one or two lines. */
  readonly summary: string;
  /** What it needs on the machine, e.g. `npm run build`, nginx, PostgreSQL. */
  readonly needs: readonly string[];
  readonly options: O;
  /** Arguments besides options, if the bench takes any. */
  readonly positionals?: {
    readonly placeholder: string;
    readonly description: string;
    readonly min?: number;
  };
}

/** The arguments of the A/B benches: the compiled builds they compare in one process. */
export const BUILDS_TO_COMPARE = {
  placeholder: 'BUILD...',
  description: 'compiled builds to compare, e.g. dist and an older one',
  min: 1,
} as const;

export type BenchValues<O> = { [K in keyof O]: O[K] extends BenchOption<infer T> ? T : never };

export interface BenchArgs<O> {
  readonly values: BenchValues<O>;
  readonly positionals: readonly string[];
  /** Refuses the command line for a reason the bench found itself (e.g. a missing folder). */
  readonly fail: (message: string) => never;
}

/** A whole number from `min` up, e.g. `--users`, `--rounds`. */
export function integerFrom(
  min: number,
  description: string,
  defaultValue: number,
): BenchOption<number>;
export function integerFrom(min: number, description: string): BenchOption<number | undefined>;
export function integerFrom(
  min: number,
  description: string,
  defaultValue?: number,
): BenchOption<number | undefined> {
  return {
    type: 'string',
    placeholder: 'N',
    description,
    shownDefault: defaultValue === undefined ? undefined : String(defaultValue),
    read: (name, raw) => {
      if (typeof raw !== 'string') return defaultValue;
      const value = Number(raw);
      if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
        throw new BenchArgsError(`--${name} takes a whole number from ${min}, not '${raw}'`);
      }
      return value;
    },
  };
}

/** A whole number from 1 up. */
export function positiveInteger(description: string, defaultValue: number): BenchOption<number>;
export function positiveInteger(description: string): BenchOption<number | undefined>;
export function positiveInteger(
  description: string,
  defaultValue?: number,
): BenchOption<number | undefined> {
  return defaultValue === undefined
    ? integerFrom(1, description)
    : integerFrom(1, description, defaultValue);
}

/** One of a few words, e.g. `--database sqlite|postgres`. */
export function oneOf<const C extends string>(
  choices: readonly C[],
  description: string,
  defaultValue: NoInfer<C>,
): BenchOption<C> {
  return {
    type: 'string',
    placeholder: choices.join('|'),
    description,
    shownDefault: defaultValue,
    read: (name, raw) => {
      if (typeof raw !== 'string') return defaultValue;
      const choice = choices.find((candidate) => candidate === raw);
      if (choice === undefined) {
        throw new BenchArgsError(`--${name} takes one of ${choices.join(', ')}, not '${raw}'`);
      }
      return choice;
    },
  };
}

/** Several of a few words, comma-separated, e.g. `--formats JSON,HTML_AND_JSON`. */
export function listOf<const C extends string>(
  choices: readonly C[],
  description: string,
  defaultValue: readonly NoInfer<C>[],
): BenchOption<C[]> {
  return {
    type: 'string',
    placeholder: 'A,B',
    description: `${description} (of ${choices.join(', ')})`,
    shownDefault: defaultValue.join(','),
    read: (name, raw) => {
      if (typeof raw !== 'string') return [...defaultValue];
      return raw.split(',').map((word) => {
        const choice = choices.find((candidate) => candidate === word.trim());
        if (choice === undefined) {
          throw new BenchArgsError(
            `--${name} takes a comma-separated list of ${choices.join(', ')}, not '${raw}'`,
          );
        }
        return choice;
      });
    },
  };
}

/** Free text, e.g. a folder; checked by the bench itself. */
export function text(
  placeholder: string,
  description: string,
  defaultValue: string,
): BenchOption<string>;
export function text(placeholder: string, description: string): BenchOption<string | undefined>;
export function text(
  placeholder: string,
  description: string,
  defaultValue?: string,
): BenchOption<string | undefined> {
  return {
    type: 'string',
    placeholder,
    description,
    shownDefault: defaultValue,
    read: (_name, raw) => (typeof raw === 'string' ? raw : defaultValue),
  };
}

/** An option without a value, off unless given. */
export function flag(description: string): BenchOption<boolean> {
  return { type: 'boolean', placeholder: '', description, read: (_name, raw) => raw === true };
}

/** The usage text `--help` prints. */
export function usageText(
  script: string,
  spec: BenchArgsSpec<Record<string, BenchOption<unknown>>>,
): string {
  const rows = Object.entries(spec.options).map(([name, option]) => {
    const shown = option.placeholder === '' ? `--${name}` : `--${name} ${option.placeholder}`;
    const byDefault = option.shownDefault === undefined ? '' : ` (default: ${option.shownDefault})`;
    return [shown, option.description + byDefault] as const;
  });
  rows.push(['--help', 'print this text and exit']);
  const width = Math.min(SHOWN_WIDTH, Math.max(...rows.map(([shown]) => shown.length)));
  const positional = spec.positionals;
  return [
    `usage: npx tsx ${script} [options]${positional === undefined ? '' : ` ${positional.placeholder}`}`,
    '',
    spec.summary,
    ...(positional === undefined
      ? []
      : ['', `${positional.placeholder}: ${positional.description}`]),
    '',
    'options:',
    ...rows.flatMap(([shown, meaning]) => optionLines(shown, meaning, width)),
    '',
    `needs: ${spec.needs.length === 0 ? 'nothing beyond node_modules' : spec.needs.join(', ')}`,
  ].join('\n');
}

/** Options longer than this show their meaning on the lines below. */
const SHOWN_WIDTH = 24;
const LINE_WIDTH = 100;

/** One option of the usage: its name and placeholder, then its meaning wrapped to the line. */
function optionLines(shown: string, meaning: string, width: number): string[] {
  const indent = ' '.repeat(width + 4);
  const lines = shown.length > width ? [`  ${shown}`] : [];
  let line = shown.length > width ? indent : `  ${shown.padEnd(width)}  `;
  let words = 0;
  for (const word of meaning.split(' ')) {
    if (words > 0 && line.length + 1 + word.length > LINE_WIDTH) {
      lines.push(line);
      line = indent + word;
    } else {
      line = words === 0 ? line + word : `${line} ${word}`;
    }
    words++;
  }
  lines.push(line);
  return lines;
}

/**
 * The values of `argv` (the arguments after the script), or `'help'` when `--help` is among
 * them; throws `BenchArgsError` for an unknown option or a bad value.
 */
export function parseBenchArgs<O extends Record<string, BenchOption<unknown>>>(
  spec: BenchArgsSpec<O>,
  argv: readonly string[],
): BenchArgs<O> | 'help' {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, option]) => [name, { type: option.type }]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinDashValues(spec, argv),
      options,
      allowPositionals: spec.positionals !== undefined,
      strict: true,
    });
  } catch (error) {
    throw new BenchArgsError(parseErrorLine(spec, error), { cause: error });
  }
  const min = spec.positionals?.min ?? 0;
  if (spec.positionals !== undefined && parsed.positionals.length < min) {
    throw new BenchArgsError(
      `give at least ${min} ${spec.positionals.placeholder} (${spec.positionals.description})`,
    );
  }
  const values = Object.fromEntries(
    Object.entries(spec.options).map(([name, option]) => [
      name,
      option.read(name, parsed.values[name] as string | boolean | undefined),
    ]),
  ) as BenchValues<O>;
  return { values, positionals: parsed.positionals, fail: refuse };
}

function refuse(message: string): never {
  throw new BenchArgsError(message);
}

/**
 * The bench's options from `process.argv`: prints the usage and exits 0 on `--help`; prints
 * the error line and the usage to stderr and exits 2 on a bad command line.
 */
export function benchArgs<O extends Record<string, BenchOption<unknown>>>(
  spec: BenchArgsSpec<O>,
): BenchArgs<O> {
  const script = `bench/${path.basename(process.argv[1] ?? 'bench.ts')}`;
  const exitWithUsage = (message: string): never => {
    console.error(`${script}: ${message}\n\n${usageText(script, spec)}`);
    process.exit(2);
  };
  let parsed: BenchArgs<O> | 'help';
  try {
    parsed = parseBenchArgs(spec, process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof BenchArgsError)) throw error;
    return exitWithUsage(error.message);
  }
  if (parsed === 'help') {
    console.log(usageText(script, spec));
    process.exit(0);
  }
  return { ...parsed, fail: exitWithUsage };
}

/**
 * `--users -3` as `--users=-3`, so that a negative number reaches the option's own check (and
 * its message) instead of parseArgs's "ambiguous" error.
 */
function joinDashValues(
  spec: BenchArgsSpec<Record<string, BenchOption<unknown>>>,
  argv: readonly string[],
): string[] {
  const joined: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const next = argv[index + 1];
    const option = arg.startsWith('--') ? spec.options[arg.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      index++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** parseArgs's error as one line naming what was wrong and what is allowed. */
function parseErrorLine(
  spec: BenchArgsSpec<Record<string, BenchOption<unknown>>>,
  error: unknown,
): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const named = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  const known = Object.keys(spec.options)
    .map((name) => `--${name}`)
    .concat('--help')
    .join(', ');
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${named}; the options are ${known}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''}; this bench takes only options (${known})`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const option = spec.options[named.replace(/^--/, '')];
      return option === undefined || option.type === 'boolean'
        ? `${named} takes no value`
        : `${named} needs a value: ${option.placeholder}`;
    }
    default:
      return message.split('\n')[0] ?? message;
  }
}
