/**
 * @module
 * Reading DYI archives the way a user would: with `unzip -t` and with a JS zip reader (yauzl),
 * and running a community's jobs to the end in this process.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { type DyiFile, type DyiJob, isFinalJobState } from '../../src/domain/index.js';
import { JobRunner, type JobOutcome, jobRunnerDeps } from '../../src/export/job-runner.js';
import type { Runtime } from '../../src/runtime.js';
import type { Cluster } from './cluster.js';
import { clusterWithWorkers } from './cluster-fixture.js';

const run = promisify(execFile);

/** `unzip -t` of a file: throws with unzip's output when the archive is not sound. */
export async function unzipTest(file: string): Promise<void> {
  await run('unzip', ['-tq', file]);
}

/**
 * Extracts every part into `folder` with `unzip -n` (never overwrite, never ask), as a user
 * would; returns the relative paths of every file found there afterwards, sorted. A path that
 * two parts share shows up once, so callers compare with the entries they expect.
 */
export async function extractAll(parts: readonly string[], folder: string): Promise<string[]> {
  for (const part of parts) await run('unzip', ['-n', '-q', part, '-d', folder]);
  const found = await readdir(folder, { recursive: true, withFileTypes: true });
  return found
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/**
 * Checks a job's parts as a machine would: each part's manifest (its own name) gives the
 * size and SHA-256 of every entry of the part; the last part's manifest says how many parts
 * there are; the part index in it lists every other part with its size and SHA-256.
 */
export function checkPartIndex(
  parts: JobFiles['files'],
  entries: ReadonlyMap<string, Buffer>,
): void {
  for (const { file } of parts) {
    const manifest = JSON.parse(
      entries.get(`manifest-part-${file.partNumber}.json`)?.toString() ?? '{}',
    ) as {
      part: number;
      part_count?: number;
      entries: { path: string; size: number; sha256: string }[];
    };
    if (manifest.part !== file.partNumber)
      throw new Error(`part ${file.partNumber}: no manifest of its own`);
    for (const entry of manifest.entries) {
      const data = entries.get(entry.path);
      if (!data || data.length !== entry.size || sha256(data) !== entry.sha256) {
        throw new Error(`part ${file.partNumber}: ${entry.path} does not match its manifest`);
      }
    }
    const isLast = file.partNumber === parts.length;
    if ((manifest.part_count === parts.length) !== isLast) {
      throw new Error(`part ${file.partNumber}: part_count is ${manifest.part_count}`);
    }
  }
  const index = JSON.parse(entries.get('parts-index.json')?.toString() ?? '{}') as {
    part_count: number;
    parts: unknown[];
  };
  const expected = parts.map(({ file, bytes }, i) => ({
    part: file.partNumber,
    file_name: file.name,
    size: i === parts.length - 1 ? null : bytes.length,
    sha256: i === parts.length - 1 ? null : sha256(bytes),
  }));
  if (
    index.part_count !== parts.length ||
    JSON.stringify(index.parts) !== JSON.stringify(expected)
  ) {
    throw new Error(`the part index does not list the job's parts: ${JSON.stringify(index)}`);
  }
}

/** One entry of a zip, with its bytes (read and CRC-checked by yauzl). */
export interface ZipEntry {
  readonly path: string;
  readonly data: Buffer;
  /** Compression method 8 (deflate); false for 0 (stored). */
  readonly deflated: boolean;
}

/** Every entry of a zip held in memory, in the order the archive lists them. */
export async function zipEntries(bytes: Buffer): Promise<ZipEntry[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, opened) =>
      error ? reject(error) : resolve(opened),
    ),
  );
  const entries: ZipEntry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        buffer(stream).then((data) => {
          entries.push({ path: entry.fileName, data, deflated: entry.compressionMethod === 8 });
          zip.readEntry();
        }, reject);
      });
    });
    zip.on('end', () => resolve());
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

/** Every entry of a zip, by path, with its bytes. */
export async function readZip(bytes: Buffer): Promise<Map<string, Buffer>> {
  return new Map((await zipEntries(bytes)).map((entry) => [entry.path, entry.data]));
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Runs every job of the export in this process, in id order; returns each job's outcome. On a
 * cluster fixture (`cluster-fixture.ts`), the cluster's worker processes run them instead.
 */
export async function runExport(
  runtime: Runtime,
  exportId: string,
): Promise<Map<string, JobOutcome>> {
  const cluster = await clusterWithWorkers(runtime);
  if (cluster) return outcomesOnCluster(runtime, exportId, cluster);
  const runner = new JobRunner(jobRunnerDeps(runtime));
  const outcomes = new Map<string, JobOutcome>();
  for (const jobId of await runtime.metadata.jobs.idsOfExport(exportId)) {
    outcomes.set(jobId, await runner.run(jobId));
  }
  return outcomes;
}

export interface JobFiles {
  readonly job: DyiJob;
  readonly files: readonly { readonly file: DyiFile; readonly bytes: Buffer }[];
}

/** Every job of the export with its files' bytes, read back from the blob store. */
export async function filesOfExport(runtime: Runtime, exportId: string): Promise<JobFiles[]> {
  const result: JobFiles[] = [];
  for (const jobId of await runtime.metadata.jobs.idsOfExport(exportId)) {
    const job = await runtime.metadata.jobs.get(jobId);
    if (!job) throw new Error(`job ${jobId} is gone`);
    const page = await runtime.metadata.files.listByJob(jobId, { limit: 100 });
    const files = [];
    for (const file of page.items) {
      files.push({ file, bytes: await buffer(await runtime.blobs.openRead(file.blobKey)) });
    }
    result.push({ job, files });
  }
  return result;
}

/** How long the cluster's workers may take to finish an export's jobs, in milliseconds. */
const CLUSTER_EXPORT_TIMEOUT_MS = 120_000;

/**
 * Waits for the cluster's workers to end every job of the export; returns each job's outcome,
 * and throws, as the in-process runner does, for a job that FAILED.
 */
async function outcomesOnCluster(
  runtime: Runtime,
  exportId: string,
  cluster: Cluster,
): Promise<Map<string, JobOutcome>> {
  const deadline = Date.now() + CLUSTER_EXPORT_TIMEOUT_MS;
  for (;;) {
    const jobs = await Promise.all(
      (await runtime.metadata.jobs.idsOfExport(exportId)).map((id) =>
        Promise.resolve(runtime.metadata.jobs.get(id)),
      ),
    );
    if (jobs.every((job) => job !== undefined && isFinalJobState(job.state))) {
      const failed = jobs.find((job) => job?.state === 'FAILED');
      if (failed) throw new Error(`job ${failed.id} FAILED: ${failed.stateMessage ?? ''}`);
      return new Map(jobs.map((job) => [job!.id, job!.state as JobOutcome]));
    }
    if (Date.now() > deadline) {
      const states = jobs.map((job) => `${job?.id} ${job?.state}`).join(', ');
      throw new Error(
        `the cluster left export ${exportId} unfinished: ${states}\n${cluster.stderr()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
