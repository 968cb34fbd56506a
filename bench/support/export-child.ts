/**
 * @module
 * One export in a process of its own, for `export-memory.ts`: opens the runtime on the data
 * directory given, creates an export of the community (every data type over the synthetic
 * period, the format and quality given), runs all its jobs with JobRunner one after another,
 * and sends the parent its peak RSS (`VmHWM`) before the export (modules loaded, runtime open) and after
 * it, with the bytes written. The process then exits, so that each figure is one export's own.
 */
import { readFileSync } from 'node:fs';
import type { DyiFormat, MediaQuality } from '../../src/domain/index.js';
import { loadIndex, loadJobRunner, loadSynthetic } from './built.js';

export interface ExportChildStart {
  readonly dataDir: string;
  readonly communityId: string;
  readonly format: DyiFormat;
  readonly quality: MediaQuality;
}

export interface ExportChildResult {
  /** Peak resident set size in bytes once the runtime was open, before the export. */
  readonly baselineMaxRss: number;
  /** Peak resident set size in bytes of the whole process life, the export included. */
  readonly maxRss: number;
  readonly jobs: number;
  readonly bytes: number;
  readonly seconds: number;
}

async function run(start: ExportChildStart): Promise<ExportChildResult> {
  const { DATA_TYPES, loadConfig, openRuntime } = await loadIndex();
  const { SYNTHETIC_PERIOD } = await loadSynthetic();
  const { JobRunner, jobRunnerDeps } = await loadJobRunner();
  const runtime = await openRuntime(loadConfig({}, { dataDir: start.dataDir, logLevel: 'silent' }));
  try {
    const baselineMaxRss = peakRss();
    const exportJob = await runtime.exports.create(start.communityId, {
      data_types: DATA_TYPES.join(','),
      dyi_format: start.format,
      media_quality: start.quality,
      start_time: String(SYNTHETIC_PERIOD.start),
      end_time: String(SYNTHETIC_PERIOD.end),
    });
    const runner = new JobRunner(jobRunnerDeps(runtime));
    const started = performance.now();
    const jobIds = await runtime.metadata.jobs.idsOfExport(exportJob.id);
    let bytes = 0;
    for (const jobId of jobIds) {
      const outcome = await runner.run(jobId);
      if (outcome !== 'COMPLETED') throw new Error(`job ${jobId} ended ${outcome}`);
      const page = await runtime.metadata.files.listByJob(jobId, { limit: 100 });
      for (const file of page.items) bytes += file.size;
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      baselineMaxRss,
      maxRss: peakRss(),
      jobs: jobIds.length,
      bytes,
      seconds,
    };
  } finally {
    await runtime.close();
  }
}

/**
 * This process's peak RSS in bytes, threads included: `VmHWM` of /proc, which starts afresh at
 * exec. `process.resourceUsage().maxRSS` does not: Linux keeps the parent's peak across fork
 * and exec, so a child forked by a bench that seeded a large community starts at that peak.
 */
function peakRss(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // No /proc (not Linux): fall back to getrusage.
  }
  return process.resourceUsage().maxRSS * 1024;
}

process.once('message', (start: ExportChildStart) => {
  run(start).then(
    (result) => process.send?.({ result }, () => process.exit(0)),
    (error: unknown) =>
      process.send?.(
        { error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
        () => process.exit(1),
      ),
  );
});
// The parent died or let go of us: never outlive it.
process.on('disconnect', () => process.exit(1));
