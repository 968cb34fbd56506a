/**
 * @module
 * Whether this process can serve (`GET /readyz`): the database answers and its schema is the
 * one this code expects, the blob store answers, the data directory's file system has room,
 * and the export workers run where this process runs them. Each check runs with a time limit,
 * so that a database that hangs fails its check instead of hanging the probe.
 */
import { statfs } from 'node:fs/promises';
import type { BlobStore } from '../ports/blob-store.js';
import type { MetadataStore } from '../ports/metadata-store.js';

/** The outcome of one check; `detail` says why it failed (shown only where a setting allows). */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail?: string;
}

export interface ReadinessSources {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  /** The directory whose file system must keep `minFreeBytes` free (the data dir). */
  readonly dataDir: string;
  readonly minFreeBytes: number;
  /** Live export threads of this process; absent where it runs none (`--no-workers`). */
  readonly liveWorkers?: () => number;
}

/** How long one check may take before it counts as failed, in milliseconds. */
const CHECK_TIMEOUT_MS = 3000;

export class ReadinessChecks {
  readonly #sources: ReadinessSources;
  #draining = false;

  constructor(sources: ReadinessSources) {
    this.#sources = sources;
  }

  /**
   * The process is shutting down: from now on every run fails with one `shutdown` line, so
   * that balancers stop sending requests while those in flight finish.
   */
  drain(): void {
    this.#draining = true;
  }

  /** Runs every check at once; the results in a fixed order. */
  run(): Promise<readonly CheckResult[]> {
    if (this.#draining) {
      return Promise.resolve([{ name: 'shutdown', ok: false, detail: 'the process is stopping' }]);
    }
    const checks: [string, () => Promise<void>][] = [
      ['database', () => this.#database()],
      ['blob-store', () => this.#sources.blobs.probe()],
      ['disk', () => this.#disk()],
    ];
    const { liveWorkers } = this.#sources;
    if (liveWorkers) checks.push(['workers', () => workersAlive(liveWorkers())]);
    return Promise.all(checks.map(([name, check]) => runCheck(name, check)));
  }

  async #database(): Promise<void> {
    const { applied, expected } = await this.#sources.metadata.probeSchema();
    if (applied !== expected) {
      throw new Error(
        `the schema is at ${applied}, the code expects ${expected}; run dyi migrate with this version`,
      );
    }
  }

  async #disk(): Promise<void> {
    const { dataDir, minFreeBytes } = this.#sources;
    const stats = await statfs(dataDir);
    const free = stats.bavail * stats.bsize;
    if (free < minFreeBytes) {
      throw new Error(
        `${free} bytes free in the data directory's file system, below ${minFreeBytes} (DYI_READY_MIN_FREE_BYTES)`,
      );
    }
  }
}

function workersAlive(live: number): Promise<void> {
  return live > 0
    ? Promise.resolve()
    : Promise.reject(new Error('no export worker thread is running'));
}

async function runCheck(name: string, check: () => Promise<void>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([check(), timeout]);
    return { name, ok: true };
  } catch (error) {
    return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
