/**
 * @module
 * `dyi import FILE...`: imports NDJSON files of community content (docs/import-format.md) as
 * one transaction, and prints what was written. Ctrl-C aborts the import cleanly (nothing is
 * kept), instead of leaving media blobs that no record names.
 */
import path from 'node:path';
import { Command } from 'commander';
import type { ImportReport } from '../content/ndjson-importer.js';
import { TransientError } from '../domain/index.js';
import {
  addDataDirOption,
  type DataDirOptions,
  resolveCommunityId,
  withRuntime,
} from './cli-context.js';

interface ImportOptions extends DataDirOptions {
  readonly community?: string;
  readonly mediaRoot?: string;
}

export function importCommand(): Command {
  return addDataDirOption(
    new Command('import')
      .description(
        'import community content from NDJSON files, all in one transaction (format: docs/import-format.md)',
      )
      .argument(
        '<file...>',
        'NDJSON files, one record per line; media paths are relative to each (or --media-root)',
      )
      .option('--community <id>', 'community to import into (default: the only one)')
      .option(
        '--media-root <dir>',
        "folder media paths are relative to and must stay inside (default: each NDJSON file's)",
      ),
  ).action(async (files: string[], options: ImportOptions) => {
    await withRuntime(options, async (runtime) => {
      const communityId = await resolveCommunityId(runtime, options.community);
      const controller = new AbortController();
      const interrupt = (): void =>
        controller.abort(new TransientError('The import was interrupted; nothing was imported.'));
      process.once('SIGINT', interrupt);
      try {
        const report = await runtime.imports.importFiles(communityId, files, {
          signal: controller.signal,
          ...(options.mediaRoot !== undefined && { mediaRoot: path.resolve(options.mediaRoot) }),
        });
        process.stdout.write(summaryOf(report, communityId));
      } finally {
        process.off('SIGINT', interrupt);
      }
    });
  });
}

function summaryOf(report: ImportReport, communityId: string): string {
  const kinds = Object.entries(report.records).filter(([, count]) => count > 0);
  const total = kinds.reduce((sum, [, count]) => sum + count, 0);
  const width = Math.max(0, ...kinds.map(([kind]) => kind.length));
  const lines = [
    `Imported ${plural(total, 'record')} from ${plural(report.files, 'file')} into community ${communityId}:`,
  ];
  for (const [kind, count] of kinds) lines.push(`  ${kind.padEnd(width)}  ${count}`);
  const { media } = report;
  lines.push(
    `Media: ${plural(media.count, 'file')}, ${plural(media.bytes, 'byte')} (${plural(media.newBlobs, 'new blob')} stored).`,
  );
  return `${lines.join('\n')}\n`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
