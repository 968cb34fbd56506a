/**
 * @module
 * `dyi download --out DIR`: every file of every (or the chosen) export into
 * `DIR/<export id>/<company|user-<user id>>/<file name>`, resumable, verified and cached (see
 * docs/downloader.md). Progress bars on a terminal, plain lines otherwise, NDJSON events with
 * `--json`. Exit code 0 only when every file is on disk and verified; 1 otherwise, after a
 * summary of what failed and why (or, on Ctrl-C, after stopping cleanly: see `interrupt`); 2
 * for bad input (an unwritable `--out` included).
 */
import { Command } from 'commander';
import type cliProgress from 'cli-progress';
import { whyNotWritable } from '../adapters/local-disk/writable-directory.js';
import { DEFAULT_CONCURRENCY, downloadAll, type DownloadEvent } from '../client/index.js';
import { TransientError, ValidationError } from '../domain/index.js';
import { HeldLines } from './held-lines.js';
import { addClientOptions, type ClientOptions, openClient, whole } from './list-command.js';

interface DownloadOptions extends ClientOptions {
  readonly out: string;
  readonly export?: string[];
  readonly concurrency: string;
  readonly includeIncomplete?: boolean;
}

export function downloadCommand(): Command {
  return addClientOptions(
    new Command('download')
      .description('download, resume and verify every file of every (or the chosen) export')
      .requiredOption('--out <dir>', 'output directory (holds the state file too)')
      .option('--export <id...>', 'only these exports')
      .option('--concurrency <n>', 'files fetched at the same time', String(DEFAULT_CONCURRENCY))
      .option('--include-incomplete', 'also fetch the finished files of unfinished exports'),
  ).action(async (options: DownloadOptions) => {
    const concurrency = whole('concurrency', options.concurrency, 1);
    // Before the token prompt and the listing: a typo in --out costs nothing else.
    const unwritable = await whyNotWritable(options.out);
    if (unwritable !== undefined) {
      throw new ValidationError(
        'out',
        `Cannot download into --out ${options.out}: ${unwritable}; choose a directory this user can write to.`,
      );
    }
    // Until the summary says otherwise: a run that ends any other way has not verified every file.
    process.exitCode = 1;
    const output = await outputFor(options.json === true);
    const client = await openClient(options, (notice) =>
      output.event({
        event: 'retry',
        target: notice.target,
        attempt: notice.attempt,
        delay_ms: notice.delayMs,
        reason: notice.reason,
      }),
    );
    // Ctrl-C (or a TERM) stops the run cleanly: nothing new begins, files in flight keep what
    // they received, the state is saved. A second one ends the process at once (the default).
    const stopping = new AbortController();
    const interrupt = (): void =>
      stopping.abort(
        new TransientError(
          `The download was interrupted. The files verified so far are kept in ${options.out} ` +
            'and recorded; run the same command again to fetch the rest (partial files resume).',
        ),
      );
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    try {
      const summary = await downloadAll(client, {
        outDir: options.out,
        concurrency,
        includeIncomplete: options.includeIncomplete === true,
        ...(options.export && { exportIds: options.export }),
        onEvent: (event) => output.event(event),
        onProgress: (delta) => output.progress(delta),
        signal: stopping.signal,
      });
      process.exitCode = summary.ok ? 0 : 1;
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      output.stop();
      await client.close();
    }
  });
}

interface Output {
  event(event: DownloadEvent): void;
  progress(deltaBytes: number): void;
  stop(): void;
}

async function outputFor(json: boolean): Promise<Output> {
  if (json) {
    const lines = new HeldLines();
    return {
      event: (event) => lines.write(`${JSON.stringify(event)}\n`),
      progress: () => undefined,
      stop: () => lines.flush(),
    };
  }
  if (!process.stderr.isTTY) return new PlainLines();
  // Loaded for a terminal only: scripts and pipes start without it.
  const { default: progressBars } = await import('cli-progress');
  return new ProgressBars(progressBars);
}

/** One line per file, retry and failure: for logs and pipes. */
class PlainLines implements Output {
  readonly #lines = new HeldLines();
  readonly #failures: string[] = [];

  event(event: DownloadEvent): void {
    const line = describe(event);
    if (line !== undefined) this.#lines.write(`${line}\n`);
    if (event.event === 'file-failed') this.#failures.push(`  ${event.path}: ${event.reason}`);
    if (event.event === 'summary' && !event.ok) {
      // After the lines before it, as when each was written at once.
      this.#lines.flush();
      process.stderr.write(`dyi: ${event.failed} file(s) failed:\n${this.#failures.join('\n')}\n`);
    }
  }

  progress(_deltaBytes: number): void {}

  stop(): void {
    this.#lines.flush();
  }
}

/** Bytes, files, rate and ETA on the terminal; failures and the summary printed after it. */
class ProgressBars extends PlainLines {
  readonly #bar: cliProgress.SingleBar;
  #files = 0;
  #filesDone = 0;
  #bytes = 0;
  #have = 0;
  #started = Date.now();

  constructor(progressBars: typeof cliProgress) {
    super();
    this.#bar = new progressBars.SingleBar(
      {
        format:
          '{bar} {percentage}% | {have}/{want} | files {filesDone}/{files} | {rate}/s | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 50,
      },
      progressBars.Presets.shades_classic,
    );
  }

  override event(event: DownloadEvent): void {
    switch (event.event) {
      case 'start':
        this.#files = event.files;
        this.#bytes = event.bytes;
        this.#started = Date.now();
        this.#bar.start(Math.max(1, event.bytes), 0, this.#payload());
        return;
      case 'file-done':
      case 'file-skipped':
      case 'file-failed':
        this.#filesDone++;
        this.#bar.update(this.#have, this.#payload());
        if (event.event === 'file-failed') super.event(event);
        return;
      case 'retry':
        return;
      case 'summary':
        this.#bar.stop();
        super.event(event);
        return;
    }
  }

  override progress(deltaBytes: number): void {
    this.#have += deltaBytes;
    this.#bar.update(this.#have, this.#payload());
  }

  override stop(): void {
    this.#bar.stop();
    super.stop();
  }

  #payload(): Record<string, string | number> {
    const seconds = Math.max(0.001, (Date.now() - this.#started) / 1000);
    return {
      have: bytes(this.#have),
      want: bytes(this.#bytes),
      files: this.#files,
      filesDone: this.#filesDone,
      rate: bytes(this.#have / seconds),
    };
  }
}

function describe(event: DownloadEvent): string | undefined {
  switch (event.event) {
    case 'start':
      return `${event.files} file(s), ${bytes(event.bytes)} to check or fetch${event.skipped_exports.length > 0 ? ` (not completed, left out: ${event.skipped_exports.join(', ')})` : ''}`;
    case 'file-done':
      return `done ${event.path} (${bytes(event.size)}, sha256 ${event.sha256})`;
    case 'file-skipped':
      return `skipped ${event.path} (already downloaded and verified)`;
    case 'file-failed':
      return `FAILED ${event.path}: ${event.reason}`;
    case 'retry':
      return `retry ${event.target} in ${event.delay_ms} ms (attempt ${event.attempt}: ${event.reason})`;
    case 'summary':
      return `${event.ok ? 'All files verified' : 'Incomplete'}: ${event.done} downloaded, ${event.skipped} already there, ${event.failed} failed; ${bytes(event.bytes_transferred)} transferred in ${(event.elapsed_ms / 1000).toFixed(1)} s.`;
  }
}

function bytes(count: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
