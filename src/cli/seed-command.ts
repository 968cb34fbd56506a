/**
 * @module
 * `dyi seed`: fills a community with a deterministic synthetic one (members, posts, chats,
 * events, surveys ... and real JPEG photos, shared by many records or, with
 * `--distinct-images`, one per image record) to try exports at realistic volumes. Prints the
 * community id alone on stdout (so `ID=$(dyi seed --users 50)` works); progress and the
 * summary go to stderr, as a one-line bar on a terminal and as plain lines otherwise.
 */
import { Command } from 'commander';
import {
  MAX_SEED,
  MAX_SEED_USERS,
  type SeedReport,
  seedCommunity,
} from '../content/seed-community.js';
import { ValidationError } from '../domain/index.js';
import {
  addDataDirOption,
  type DataDirOptions,
  resolveCommunityId,
  withRuntime,
} from './cli-context.js';

interface SeedCommandOptions extends DataDirOptions {
  readonly users: string;
  readonly seed: string;
  readonly community?: string;
  readonly name?: string;
  readonly distinctImages?: boolean;
}

/** Width of the progress bar, in characters. */
const BAR_WIDTH = 30;

export function seedCommand(): Command {
  return addDataDirOption(
    new Command('seed')
      .description(
        'fill a community with synthetic content (same seed, same content); prints its id',
      )
      .requiredOption('--users <n>', `members to make, 1 to ${MAX_SEED_USERS}`)
      .option('--seed <s>', `seed of the content, 0 to ${MAX_SEED}`, '1')
      .option('--community <id>', 'community to fill (default: a new one)')
      .option('--name <name>', 'name of the new community (default: Synthetic <seed>)')
      .option(
        '--distinct-images',
        'give every image record a photo of its own instead of sharing 20 (slower: one JPEG per image record, about 7 per member)',
      ),
  ).action(async (options: SeedCommandOptions) => {
    const users = wholeNumber('users', options.users, MAX_SEED_USERS, 1);
    const seed = wholeNumber('seed', options.seed, MAX_SEED, 0);
    if (options.community !== undefined && options.name !== undefined) {
      throw new ValidationError(
        'name',
        'Give either --community ID (fill that community) or --name NAME (create one), not both.',
      );
    }
    await withRuntime(options, async (runtime) => {
      const report = await seedCommunity(runtime, {
        users,
        seed,
        ...(options.community !== undefined && {
          communityId: await resolveCommunityId(runtime, options.community),
        }),
        ...(options.name !== undefined && { name: options.name }),
        distinctImages: options.distinctImages === true,
        onProgress: progressPrinter(process.stderr),
      });
      await runtime.imports.recordSeed(report, users, seed);
      process.stderr.write(summary(report));
      process.stdout.write(`${report.communityId}\n`);
    });
  });
}

function wholeNumber(option: string, text: string, max: number, min: number): number {
  const value = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new ValidationError(
      option,
      `--${option} takes a whole number from ${min} to ${max}, not "${text}".`,
    );
  }
  return value;
}

/** A `\r`-redrawn bar on a terminal; a line per tenth done otherwise, to keep logs short. */
function progressPrinter(stream: NodeJS.WriteStream): (done: number, total: number) => void {
  let lastTenth = -1;
  return (done, total) => {
    const fraction = done / total;
    if (stream.isTTY) {
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`;
      const end = done === total ? '\n' : '';
      stream.write(`\r[${bar}] ${Math.floor(fraction * 100)}% ${done}/${total} users${end}`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth === lastTenth) return;
    lastTenth = tenth;
    stream.write(`seeding: ${done}/${total} users written\n`);
  };
}

function summary(report: SeedReport): string {
  const seconds = report.durationMs / 1000;
  const writeSeconds = report.writeDurationMs / 1000;
  const rate = Math.round(report.totalRecords / Math.max(writeSeconds, 0.001));
  const kinds = Object.entries(report.records)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  return [
    `Seeded community ${report.communityId} in ${seconds.toFixed(1)} s: ${report.totalRecords} records written in ${writeSeconds.toFixed(1)} s (${rate} records/s).`,
    `  ${kinds}`,
    `  media: ${report.media.count} records showing ${megabytes(report.media.bytes)}; ${report.blobs.count} distinct files stored (${megabytes(report.blobs.bytes)})`,
    '',
  ].join('\n');
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}
