/**
 * @module
 * End to end with the spec's own client: the Python sample of `seed/dyi-export-api.txt`, read
 * verbatim at test time and pointed at the real server on a loopback port, lists every file of
 * a completed export (and skips the pending one) in exactly the lines the spec promises, with
 * the right ids, job types and sizes; each printed `download_url` then serves the stored bytes
 * to a bare GET, and resumes with `Range`.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DyiFile, DyiJob } from '../src/domain/index.js';
import {
  completeJobWithFiles,
  createExport,
  jobsOf,
  type ListeningFixture,
  seedCommunity,
  startListeningFixture,
} from './support/graph-fixture.js';
import { parseFileLine, requireSpecSample, runSpecSample } from './support/python-sample.js';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface StoredFile {
  readonly file: DyiFile;
  readonly job: DyiJob;
  readonly bytes: Buffer;
}

let fixture: ListeningFixture;
let readToken: string;
let completedExportId: string;
let pendingExportId: string;
const stored = new Map<string, StoredFile>();

beforeAll(async () => {
  fixture = await startListeningFixture();
  const { runtime } = fixture;
  const seeded = await seedCommunity(runtime, 'Sample Co', 3);
  readToken = seeded.readToken;

  const completed = await createExport(runtime, seeded.community.id);
  completedExportId = completed.id;
  for (const job of await jobsOf(runtime, completed.id)) {
    const contents = Array.from({ length: randomInt(1, 3) }, () =>
      randomBytes(randomInt(10 * 1024, 300 * 1024 + 1)),
    );
    const files = await completeJobWithFiles(runtime, job, contents);
    files.forEach((file, i) => stored.set(file.id, { file, job, bytes: contents[i] as Buffer }));
  }
  pendingExportId = (await createExport(runtime, seeded.community.id)).id;
});

afterAll(async () => {
  await fixture?.close();
});

describe("the spec's Python sample against the real server", () => {
  it('lists every file of the completed export, skips the pending one, and the URLs serve the bytes', async (ctx) => {
    await requireSpecSample(ctx);

    const result = await runSpecSample(fixture.baseUrl, readToken);
    expect(result.code, `the sample failed:\n${result.stderr}`).toBe(0);

    const lines = result.stdout.split('\n').filter((line) => line !== '');
    expect(lines.filter((line) => line.startsWith('Skipping job'))).toEqual([
      `Skipping job ${pendingExportId} because it is not completed`,
    ]);

    const fileLines = lines.filter((line) => !line.startsWith('Skipping job'));
    const urls = new Map<string, string>();
    for (const line of fileLines) {
      const printed = parseFileLine(line);
      expect(printed, `unexpected output line: ${line}`).toBeDefined();
      if (!printed) continue;
      const expected = stored.get(printed.fileId);
      expect(
        expected,
        `file ${printed.fileId} was not stored for the completed export`,
      ).toBeDefined();
      if (!expected) continue;
      expect(printed.exportId).toBe(completedExportId);
      expect(printed.jobId).toBe(expected.job.id);
      expect(printed.jobType).toBe(expected.job.jobType === 'COMPANY' ? 'Company' : 'User');
      expect(printed.fileSize).toBe(expected.bytes.length);
      expect(urls.has(printed.fileId), `file ${printed.fileId} printed twice`).toBe(false);
      urls.set(printed.fileId, printed.downloadUrl);
    }
    expect([...urls.keys()].sort()).toEqual([...stored.keys()].sort());

    for (const [fileId, url] of urls) {
      const expected = stored.get(fileId) as StoredFile;
      expect(url.startsWith(`${fixture.baseUrl}/`)).toBe(true);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.length).toBe(expected.bytes.length);
      expect(sha256(body)).toBe(sha256(expected.bytes));
    }

    // An interrupted download of the largest file: read part of the body, hang up, keep
    // what arrived up to a third of the file, then resume from there.
    const [resumedId, resumedUrl] = [...urls].sort(
      ([a], [b]) => (stored.get(b)?.bytes.length ?? 0) - (stored.get(a)?.bytes.length ?? 0),
    )[0] as [string, string];
    const whole = (stored.get(resumedId) as StoredFile).bytes;
    const cut = Math.floor(whole.length / 3);
    const first = await fetch(resumedUrl);
    const reader = (first.body as ReadableStream<Uint8Array>).getReader();
    const received: Uint8Array[] = [];
    let receivedLength = 0;
    while (receivedLength < cut) {
      const { done, value } = await reader.read();
      if (done) break;
      received.push(value);
      receivedLength += value.length;
    }
    await reader.cancel();
    const kept = Buffer.concat(received).subarray(0, cut);
    expect(kept.length).toBe(cut);
    const rest = await fetch(resumedUrl, { headers: { Range: `bytes=${cut}-` } });
    expect(rest.status).toBe(206);
    expect(rest.headers.get('content-range')).toBe(
      `bytes ${cut}-${whole.length - 1}/${whole.length}`,
    );
    const resumed = Buffer.concat([kept, Buffer.from(await rest.arrayBuffer())]);
    expect(resumed.length).toBe(whole.length);
    expect(sha256(resumed)).toBe(sha256(whole));
  });
});
