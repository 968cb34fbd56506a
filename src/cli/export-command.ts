/**
 * @module
 * `dyi export create`: starts an export with the same parameters as
 * `POST /community/work_dyi_jobs`, and prints its id.
 */
import { Command } from 'commander';
import {
  CLI_AUDIT_CONTEXT,
  DATA_TYPES,
  DYI_FORMATS,
  MEDIA_QUALITIES,
  ValidationError,
} from '../domain/index.js';
import {
  addDataDirOption,
  type DataDirOptions,
  resolveCommunityId,
  withRuntime,
} from './cli-context.js';

interface CreateOptions extends DataDirOptions {
  readonly community?: string;
  readonly dataTypes: string;
  readonly dyiFormat?: string;
  readonly mediaQuality?: string;
  readonly startTime?: string;
  readonly endTime?: string;
  readonly userIds?: string;
  readonly idempotencyKey?: string;
  readonly keepOriginalMedia?: boolean;
  readonly withholdOthersMedia?: boolean;
  readonly name?: string;
  readonly reason?: string;
  readonly retentionDays?: string;
}

export function exportCommand(): Command {
  const exportGroup = new Command('export').description('start exports');
  addDataDirOption(
    exportGroup
      .command('create')
      .description(
        'create an export (one company job and one job per included member); prints its id',
      )
      .option('--community <id>', 'community to export (default: the only one)')
      .option(
        '--name <words>',
        'a name people know the export by, such as "Q1 legal hold" (at most 100 characters on one line; default: none)',
      )
      .requiredOption(
        '--data-types <list>',
        `ALL (alone), or a comma list of: ${DATA_TYPES.join(', ')}`,
      )
      .option('--dyi-format <format>', `one of ${DYI_FORMATS.join(', ')} (default: JSON)`)
      .option('--media-quality <quality>', `one of ${MEDIA_QUALITIES.join(', ')} (default: HIGH)`)
      .option(
        '--start-time <time>',
        'start of the range, ISO 8601 or Unix seconds (default: the beginning)',
      )
      .option('--end-time <time>', 'end of the range, exclusive (default: now)')
      .option('--user-ids <list>', 'comma list of member ids (default: every active member)')
      .option('--idempotency-key <key>', 'repeat-safe key: the same key returns the same export')
      .option(
        '--keep-original-media',
        'ship images as uploaded, with their metadata (camera, time, GPS); only with --media-quality VERY_HIGH (default: every image without metadata)',
      )
      .option(
        '--withhold-others-media',
        "leave media other people posted (e.g. photos in a shared chat) out of each member's archive, marked as withheld",
      )
      .option('--reason <text>', 'why the export is made, e.g. a ticket reference (200 characters)')
      .option(
        '--retention-days <days>',
        'days its files are kept after it ends, 1 to DYI_RETENTION_MAX_DAYS (default: DYI_RETENTION_DAYS)',
      ),
  ).action(async (options: CreateOptions) => {
    await withRuntime(options, async (runtime) => {
      const communityId = await resolveCommunityId(runtime, options.community);
      const created = await runtime.exports.create(
        communityId,
        {
          data_types: dataTypesOf(options.dataTypes),
          dyi_format: options.dyiFormat,
          media_quality: options.mediaQuality,
          start_time: options.startTime,
          end_time: options.endTime,
          user_ids: options.userIds,
          idempotency_key: options.idempotencyKey,
          keep_original_media: options.keepOriginalMedia,
          withhold_others_media: options.withholdOthersMedia,
          name: options.name,
          reason: options.reason,
          retention_days: options.retentionDays,
        },
        CLI_AUDIT_CONTEXT,
      );
      process.stdout.write(`${created.id}\n`);
    });
  });
  return exportGroup;
}

/**
 * `--data-types`: ALL (a word of the CLI, not of the Graph API) alone means every data type;
 * any other list goes to the export's own validation.
 */
function dataTypesOf(text: string): string | string[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (!items.includes('ALL')) return text;
  if (items.length === 1) return [...DATA_TYPES];
  const unknown = items.filter(
    (item) => item !== 'ALL' && !(DATA_TYPES as readonly string[]).includes(item),
  );
  throw new ValidationError(
    'data-types',
    `--data-types ALL is allowed only alone (it means every data type), not in a list ("${text}")` +
      `${unknown.length > 0 ? `; also unknown: ${unknown.map((u) => `"${u}"`).join(', ')}` : ''}` +
      `. Give ALL, or a comma list of: ${DATA_TYPES.join(', ')}.`,
  );
}
