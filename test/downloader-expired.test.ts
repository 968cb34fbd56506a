/**
 * The SDK's `downloadFile` meeting an export whose retention ended: the server answers 410
 * with subcode 1410, and the downloader stops at once with the server's words instead of
 * fetching fresh URLs that can only answer the same (as it does for a URL whose own lifetime
 * ended, which a fresh one cures).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  downloadFile,
  DownloadState,
  type ExportFile,
  GraphClient,
  listExportFiles,
  type RetryNotice,
} from '../src/client/index.js';
import {
  completeJobWithFiles,
  createExport,
  jobsOf,
  type ListeningFixture,
  seedCommunity,
  startListeningFixture,
} from './support/graph-fixture.js';

let fixture: ListeningFixture;
let out: string;

beforeAll(async () => {
  fixture = await startListeningFixture();
  out = await mkdtemp(path.join(tmpdir(), 'dyi-expired-'));
});

afterAll(async () => {
  await fixture.close();
  await rm(out, { recursive: true, force: true });
});

it('stops at the first 410 of an expired export, saying it expired', async () => {
  const seeded = await seedCommunity(fixture.runtime, 'Gone', 1);
  const made = await createExport(fixture.runtime, seeded.community.id);
  for (const job of await jobsOf(fixture.runtime, made.id)) {
    await completeJobWithFiles(fixture.runtime, job, [`bytes of ${job.id}`]);
  }
  const notices: RetryNotice[] = [];
  const client = new GraphClient({
    token: seeded.readToken,
    baseUrl: fixture.baseUrl,
    retry: { baseMs: 1 },
    onRetry: (notice) => notices.push(notice),
  });
  const files: ExportFile[] = [];
  for await (const listed of listExportFiles(client)) files.push(listed);
  const file = files[0] as ExportFile;
  await fixture.runtime.retention.expireNow(seeded.community.id, made.id);

  const state = await DownloadState.open(out);
  await expect(
    downloadFile(file, 'company/part.zip', { client, state, outDir: out }),
  ).rejects.toThrow(/HTTP 410 \(Graph code 100\/1410\): .*expired on/);
  expect(notices).toEqual([]);
});
