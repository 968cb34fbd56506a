/**
 * `downloadAll` fetches files while the listing still pages, against the real server on a
 * loopback port with 120 user jobs (two pages of user jobs at the client's page size of 100):
 * the request for the second page is held until a file of the first page is on disk, which a
 * run that lists everything first could never reach. The run's report still starts with
 * `start` and its totals, and a listing that fails half-way leaves the files already fetched
 * recorded, so that the next run skips them.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type DownloadEvent,
  downloadAll,
  GraphClient,
  type GraphClientOptions,
} from '../src/client/index.js';
import { STATE_FILE_NAME } from '../src/client/download-state.js';
import {
  completeJobWithFiles,
  createExport,
  jobsOf,
  type ListeningFixture,
  seedCommunity,
  startListeningFixture,
} from './support/graph-fixture.js';

const MEMBERS = 120;
/** Longest the held page waits for a first file on disk. */
const WAIT_MS = 15_000;

let fixture: ListeningFixture;
let token: string;
let out: string;

beforeAll(async () => {
  fixture = await startListeningFixture();
  const seeded = await seedCommunity(fixture.runtime, 'Pipelined', MEMBERS);
  token = seeded.readToken;
  const made = await createExport(fixture.runtime, seeded.community.id);
  for (const job of await jobsOf(fixture.runtime, made.id)) {
    await completeJobWithFiles(fixture.runtime, job, [`bytes of ${job.id}`]);
  }
}, 120_000);

afterAll(async () => {
  await fixture?.close();
});

beforeEach(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'dyi-pipelined-'));
  return () => rm(out, { recursive: true, force: true });
});

/** Downloaded files under `dir` (the state file and parts left out). */
async function filesOnDisk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter(
      (entry) => entry.isFile() && !entry.name.startsWith('.') && !entry.name.endsWith('.part'),
    )
    .map((entry) => entry.name);
}

/**
 * A client whose requests for a next page of user jobs wait until a file is on disk, then
 * go through, or fail with `failWith` when it is given.
 */
class HeldPagesClient extends GraphClient {
  readonly onDiskAtNextPage: number[] = [];
  readonly #failWith: Error | undefined;

  constructor(options: GraphClientOptions, failWith?: Error) {
    super(options);
    this.#failWith = failWith;
  }

  override async get<T>(pathOrUrl: string, params: Record<string, string> = {}): Promise<T> {
    if (/^https?:.*\/user_dyi_jobs\?.*after=/.test(pathOrUrl)) {
      const started = performance.now();
      let onDisk = await filesOnDisk(out);
      while (onDisk.length === 0 && performance.now() - started < WAIT_MS) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        onDisk = await filesOnDisk(out);
      }
      this.onDiskAtNextPage.push(onDisk.length);
      if (this.#failWith) throw this.#failWith;
    }
    return super.get<T>(pathOrUrl, params);
  }
}

describe('downloadAll while the listing pages', () => {
  it('fetches the first page of files before asking for the next, and reports start first', async () => {
    const client = new HeldPagesClient({ token, baseUrl: fixture.baseUrl });
    const events: DownloadEvent[] = [];
    let progressBeforeStart = 0;
    try {
      const summary = await downloadAll(client, {
        outDir: out,
        onEvent: (event) => events.push(event),
        onProgress: (delta) => {
          if (events.length === 0) progressBeforeStart += delta;
        },
      });
      expect(summary).toMatchObject({ files: MEMBERS + 1, done: MEMBERS + 1, ok: true });
    } finally {
      await client.close();
    }
    expect(client.onDiskAtNextPage).toHaveLength(1);
    expect(client.onDiskAtNextPage[0]).toBeGreaterThan(0);
    expect(progressBeforeStart).toBe(0);
    const start = events[0];
    expect(start).toMatchObject({ event: 'start', files: MEMBERS + 1 });
    const done = events.filter((event) => event.event === 'file-done');
    expect(done).toHaveLength(MEMBERS + 1);
    expect(start?.event === 'start' && start.bytes).toBe(
      done.reduce((sum, event) => sum + event.size, 0),
    );
    expect(events.at(-1)).toMatchObject({ event: 'summary', ok: true });
    expect((await filesOnDisk(out)).length).toBe(MEMBERS + 1);
  });

  it('records the files fetched before a listing failure, and the next run skips them', async () => {
    const failing = new HeldPagesClient(
      { token, baseUrl: fixture.baseUrl },
      new Error('listing cut'),
    );
    await expect(downloadAll(failing, { outDir: out })).rejects.toThrow('listing cut');
    await failing.close();
    const fetched = await filesOnDisk(out);
    expect(fetched.length).toBeGreaterThan(0);
    // Each file on disk is in the state file, saved before the error came out.
    const saved = JSON.parse(await readFile(path.join(out, STATE_FILE_NAME), 'utf8')) as {
      files: Record<string, unknown>;
    };
    expect(Object.keys(saved.files)).toHaveLength(fetched.length);

    const client = new GraphClient({ token, baseUrl: fixture.baseUrl });
    try {
      const summary = await downloadAll(client, { outDir: out });
      expect(summary).toMatchObject({ files: MEMBERS + 1, ok: true, skipped: fetched.length });
      expect(summary.done).toBe(MEMBERS + 1 - fetched.length);
    } finally {
      await client.close();
    }
  });
});
