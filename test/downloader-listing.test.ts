/**
 * How `dyi download` lists, against the real server on a loopback port with 120 user jobs
 * (two pages at the client's page size of 100): the exports come with their company job's
 * files, so the first file to fetch is known after one call instead of three; a server that
 * does not expand fields (as the spec's Graph may not) gets the spec's fields and yields the
 * same files, which download the same; so does a server that allows fewer objects per request
 * than the expansions ask for. And a run stopped half-way by its signal (its files in flight
 * cut, the rest left, the promise rejected with the signal's reason) is finished by the next
 * run: the files done are skipped, the others fetched, every byte verified.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  downloadAll,
  type ExportFile,
  GraphClient,
  listExportFiles,
  relativePaths,
} from '../src/client/index.js';
import { GraphRequestError } from '../src/client/graph-request-error.js';
import {
  completeJobWithFiles,
  createExport,
  jobsOf,
  type ListeningFixture,
  seedCommunity,
  startListeningFixture,
} from './support/graph-fixture.js';

const MEMBERS = 120;
/** The company job's files, so that its list is more than one file. */
const COMPANY_FILES = 2;
const ALL_FILES = MEMBERS + COMPANY_FILES;

let fixture: ListeningFixture;
let token: string;
let out: string;

beforeAll(async () => {
  fixture = await startListeningFixture();
  const seeded = await seedCommunity(fixture.runtime, 'Listing', MEMBERS);
  token = seeded.readToken;
  const made = await createExport(fixture.runtime, seeded.community.id);
  for (const job of await jobsOf(fixture.runtime, made.id)) {
    const bodies =
      job.jobType === 'COMPANY'
        ? Array.from({ length: COMPANY_FILES }, (_, i) => `company part ${i} of ${job.id}`)
        : [`bytes of ${job.id}`.repeat(1 + (Number(job.id) % 7))];
    await completeJobWithFiles(fixture.runtime, job, bodies);
  }
}, 120_000);

afterAll(async () => {
  await fixture?.close();
});

beforeEach(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'dyi-listing-'));
  return () => rm(out, { recursive: true, force: true });
});

/**
 * A client that records each Graph call; with `expands: false` it answers any field list
 * that expands a job's files the way a server without field expansion would (code 100).
 */
class RecordingClient extends GraphClient {
  readonly calls: string[] = [];
  readonly #expands: boolean;

  constructor(expands = true) {
    super({ token, baseUrl: fixture.baseUrl });
    this.#expands = expands;
  }

  override async get<T>(
    pathOrUrl: string,
    params: Record<string, string> = {},
    isFinal?: (error: unknown) => boolean,
  ): Promise<T> {
    const fields = params.fields ?? new URL(pathOrUrl, 'http://x').searchParams.get('fields');
    this.calls.push(`${pathOrUrl.replace(/\?.*/, '')} ${fields ?? ''}`);
    if (!this.#expands && fields?.includes('files.')) {
      throw new GraphRequestError(`GET ${pathOrUrl}`, 400, {
        message: '(#100) Tried accessing nonexisting field (files)',
        type: 'OAuthException',
        code: 100,
      });
    }
    return super.get<T>(pathOrUrl, params, isFinal);
  }
}

/** Every file listed, and how many calls had been made when the first one came. */
async function listed(client: RecordingClient): Promise<{ files: ExportFile[]; first: number }> {
  const files: ExportFile[] = [];
  let first = 0;
  for await (const file of listExportFiles(client)) {
    if (files.length === 0) first = client.calls.length;
    files.push(file);
  }
  return { files, first };
}

/** What identifies a file and its bytes (download URLs carry a signature of their own). */
const identity = (file: ExportFile) => ({
  exportId: file.exportId,
  jobId: file.jobId,
  jobType: file.jobType,
  fileId: file.fileId,
  size: file.size,
  name: file.name,
});

/** The sha256 of every downloaded file under `dir`, by name (state file and parts left out). */
async function hashesOnDisk(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const bytes = await readFile(path.join(entry.parentPath, entry.name));
    hashes.set(entry.name, createHash('sha256').update(bytes).digest('hex'));
  }
  return hashes;
}

describe('the listing of dyi download', () => {
  it('knows the first file to fetch after one call: the exports with their company job', async () => {
    const client = new RecordingClient();
    try {
      const { files, first } = await listed(client);
      expect(files).toHaveLength(ALL_FILES);
      expect(files.slice(0, COMPANY_FILES).map((file) => file.jobType)).toEqual(
        Array(COMPANY_FILES).fill('COMPANY'),
      );
      expect(first).toBe(1);
      // The exports, then two pages of user jobs with their files: no call per job.
      expect(client.calls).toHaveLength(3);
      expect(client.calls[0]).toMatch(/^community\/work_dyi_jobs .*company_job\{.*files\./);
    } finally {
      await client.close();
    }
  });

  it('gives a server that does not expand the spec fields, and the same files', async () => {
    const expanding = new RecordingClient();
    const plain = new RecordingClient(false);
    try {
      const rich = await listed(expanding);
      const spec = await listed(plain);
      expect(spec.files.map(identity)).toEqual(rich.files.map(identity));
      expect(spec.files.map((file) => file.sha256)).toEqual(rich.files.map((file) => file.sha256));
      // Each expanding field list refused once (the exports', the user jobs'), then the
      // spec's: the exports, the export, its company job's files, two pages of user jobs,
      // each user job's files.
      expect(plain.calls.filter((call) => call.includes('files.'))).toHaveLength(2);
      expect(plain.calls).toHaveLength(2 + 1 + 1 + 1 + 2 + MEMBERS);

      const summary = await downloadAll(plain, { outDir: out });
      expect(summary).toMatchObject({ files: ALL_FILES, done: ALL_FILES, ok: true });
      const hashes = await hashesOnDisk(out);
      expect(hashes.size).toBe(ALL_FILES);
      const names = relativePaths(spec.files).map((relative) => path.basename(relative));
      spec.files.forEach((file, i) => expect(hashes.get(names[i] ?? '')).toBe(file.sha256));
    } finally {
      await expanding.close();
      await plain.close();
    }
  });
});

describe('dyi download against a server that allows fewer objects per request', () => {
  it('lists with the spec fields once the expansions are refused, at once', async () => {
    // 1,000 objects: a page of 100 jobs with their files (10,200) is refused, the spec's lists
    // (100 jobs, 100 files, 100 exports) are not.
    const small = await startListeningFixture({ graphMaxEstimatedObjects: 1000 });
    const retries: string[] = [];
    try {
      const seeded = await seedCommunity(small.runtime, 'Small budget', 12);
      const made = await createExport(small.runtime, seeded.community.id);
      for (const job of await jobsOf(small.runtime, made.id)) {
        await completeJobWithFiles(small.runtime, job, [`small budget bytes of ${job.id}`]);
      }
      const asked = new GraphClient({
        token: seeded.readToken,
        baseUrl: small.baseUrl,
        retry: { baseMs: 1 },
        onRetry: (notice) => retries.push(notice.target),
      });
      try {
        // What the server says of the expanding list: Graph's refusal, code 1, which a plain
        // request retries (Graph asks for it again, and it may pass) and the listing does not.
        const refusal = await asked
          .get(`${made.id}/user_dyi_jobs`, { fields: 'id,files.limit(100){id}', limit: '100' })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        expect(refusal).toBeInstanceOf(GraphRequestError);
        expect((refusal as GraphRequestError).isTooMuchData).toBe(true);
        expect(retries.length).toBeGreaterThan(0);
        retries.length = 0;

        const summary = await downloadAll(asked, { outDir: out });
        expect(summary).toMatchObject({ files: 13, done: 13, ok: true });
        const files: ExportFile[] = [];
        for await (const file of listExportFiles(asked)) files.push(file);
        const hashes = await hashesOnDisk(out);
        expect(hashes.size).toBe(13);
        const names = relativePaths(files).map((relative) => path.basename(relative));
        files.forEach((file, i) => expect(hashes.get(names[i] ?? '')).toBe(file.sha256));
        expect(retries).toEqual([]);
      } finally {
        await asked.close();
      }
    } finally {
      await small.close();
    }
  });
});

describe('a dyi download run interrupted half-way', () => {
  it('is finished by the next run: done files skipped, the rest fetched, all verified', async () => {
    const first = new GraphClient({ token, baseUrl: fixture.baseUrl, retry: { baseMs: 1 } });
    const stop = new AbortController();
    const stopped = new Error('stopped by the test');
    const ended: string[] = [];
    let cutDone = 0;
    try {
      const cut = downloadAll(first, {
        outDir: out,
        signal: stop.signal,
        onEvent: (event) => {
          ended.push(event.event);
          if (event.event === 'file-done' && ++cutDone === 20) stop.abort(stopped);
        },
      });
      // Stopped: the promise rejects with the signal's reason, after the files in flight end.
      await expect(cut).rejects.toBe(stopped);
      expect(cutDone).toBeGreaterThanOrEqual(20);
      expect(cutDone).toBeLessThan(ALL_FILES);
      // Files in flight when it stopped are neither done nor failed: the next run goes on.
      expect(ended.filter((event) => event === 'file-failed')).toEqual([]);
      expect(ended).not.toContain('summary');
    } finally {
      await first.close();
    }

    const client = new RecordingClient();
    try {
      const { files } = await listed(client);
      const summary = await downloadAll(client, { outDir: out });
      expect(summary).toMatchObject({ files: ALL_FILES, ok: true, skipped: cutDone });
      expect(summary.done).toBe(ALL_FILES - cutDone);
      const hashes = await hashesOnDisk(out);
      expect(hashes.size).toBe(ALL_FILES);
      const names = relativePaths(files).map((relative) => path.basename(relative));
      files.forEach((file, i) => expect(hashes.get(names[i] ?? '')).toBe(file.sha256));
      const parts = (await readdir(out, { recursive: true })).filter((name) =>
        name.endsWith('.part'),
      );
      expect(parts).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
