/**
 * @module
 * Content coming into a community, with a log of it: every `dyi import` is recorded as an
 * import run, failed ones with the error that stopped them (the import itself kept nothing),
 * and so is every synthetic seed. The admin panel shows the latest runs.
 */
import { importNdjson, type ImportOptions, type ImportReport } from '../content/ndjson-importer.js';
import type { SeedReport } from '../content/seed-community.js';
import type { Id, ImportRun } from '../domain/index.js';
import type { BlobStore } from '../ports/blob-store.js';
import { type Clock, unixSeconds } from '../ports/clock.js';
import type { ContentStore } from '../ports/content-store.js';
import type { MetadataStore } from '../ports/metadata-store.js';
import path from 'node:path';
import { withBaseNames } from './base-names.js';

/** Longest error kept with a failed run: an import can list many problems. */
const MAX_ERROR_LENGTH = 4000;

export type ImportFilesOptions = Pick<ImportOptions, 'signal' | 'onProgress' | 'mediaRoot'>;

export class ImportService {
  readonly #store: MetadataStore;
  readonly #content: ContentStore;
  readonly #blobs: BlobStore;
  readonly #clock: Clock;

  constructor(store: MetadataStore, content: ContentStore, blobs: BlobStore, clock: Clock) {
    this.#store = store;
    this.#content = content;
    this.#blobs = blobs;
    this.#clock = clock;
  }

  /** Imports NDJSON files (see `importNdjson`) and records the run, failed or not. */
  async importFiles(
    communityId: Id,
    files: readonly string[],
    options: ImportFilesOptions = {},
  ): Promise<ImportReport> {
    const startTime = unixSeconds(this.#clock);
    const source = files.map((file) => path.basename(file)).join(', ');
    try {
      const report = await importNdjson({
        content: this.#content,
        blobs: this.#blobs,
        communityId,
        files,
        ...options,
      });
      await this.#record({
        communityId,
        source,
        startTime,
        succeeded: true,
        records: report.records,
        error: null,
      });
      return report;
    } catch (error) {
      // The run names files as the admin gave them, never by the server's folders.
      const message = withBaseNames(error instanceof Error ? error.message : String(error), files);
      await this.#record({
        communityId,
        source,
        startTime,
        succeeded: false,
        records: {},
        error:
          message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH)}…` : message,
      });
      throw error;
    }
  }

  /** Records a synthetic seed that completed (`dyi seed`, the demo). */
  async recordSeed(report: SeedReport, users: number, seed: number): Promise<void> {
    await this.#record({
      communityId: report.communityId,
      source: `synthetic seed ${seed}, ${users} members`,
      startTime: unixSeconds(this.#clock) - Math.round(report.durationMs / 1000),
      succeeded: true,
      records: report.records,
      error: null,
    });
  }

  /** The community's latest runs, newest first. */
  latest(communityId: Id, limit = 10): Promise<readonly ImportRun[]> {
    return this.#store.imports.latest(communityId, limit);
  }

  async #record(
    run: Omit<ImportRun, 'id' | 'endTime' | 'records'> & {
      records: Partial<Record<string, number>>;
    },
  ): Promise<void> {
    const records = Object.fromEntries(
      Object.entries(run.records).filter((entry): entry is [string, number] => (entry[1] ?? 0) > 0),
    );
    await this.#store.imports.record({ ...run, records, endTime: unixSeconds(this.#clock) });
  }
}
