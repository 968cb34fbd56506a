/**
 * The SDK's `downloadFile` against the real server on a loopback port, with `.part` files and
 * state prepared the way an interrupted run leaves them: it resumes with Range + If-Range
 * (transferring only the missing bytes), starts over when the validator no longer matches or
 * the part's bytes are wrong, and replaces a refused download URL by re-reading the job's files.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  downloadFile,
  DownloadState,
  type ExportFile,
  GraphClient,
  listExportFiles,
  relativePaths,
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

const SIZE = 300 * 1024;
const HAVE = 100 * 1024;
const content = randomBytes(SIZE);
const sha256 = createHash('sha256').update(content).digest('hex');

let fixture: ListeningFixture;
let client: GraphClient;
let file: ExportFile;
let relative: string;
let out: string;
const notices: RetryNotice[] = [];

beforeAll(async () => {
  fixture = await startListeningFixture();
  const seeded = await seedCommunity(fixture.runtime, 'Resume', 1);
  const made = await createExport(fixture.runtime, seeded.community.id);
  for (const job of await jobsOf(fixture.runtime, made.id)) {
    await completeJobWithFiles(fixture.runtime, job, job.jobType === 'COMPANY' ? [content] : ['u']);
  }
  client = new GraphClient({
    token: seeded.readToken,
    baseUrl: fixture.baseUrl,
    retry: { baseMs: 1 },
    onRetry: (notice) => notices.push(notice),
  });
  const files: ExportFile[] = [];
  for await (const listed of listExportFiles(client)) files.push(listed);
  const index = files.findIndex((f) => f.jobType === 'COMPANY');
  file = files[index] as ExportFile;
  relative = relativePaths(files)[index] as string;
});

afterAll(async () => {
  await client?.close();
  await fixture?.close();
});

beforeEach(async () => {
  notices.length = 0;
  out = await mkdtemp(path.join(tmpdir(), 'dyi-sdk-'));
  return () => rm(out, { recursive: true, force: true });
});

/** A `.part` of `bytes`, recorded with `etag` the way a killed run leaves it. */
async function interrupted(bytes: Buffer, etag: string): Promise<DownloadState> {
  const part = path.join(out, `${relative}.part`);
  await mkdir(path.dirname(part), { recursive: true });
  await writeFile(part, bytes);
  const state = await DownloadState.open(out);
  state.markPartial(file.fileId, { path: relative, etag });
  await state.save();
  return state;
}

async function fetched(state: DownloadState, url = file.downloadUrl) {
  const result = await downloadFile({ ...file, downloadUrl: url }, relative, {
    client,
    state,
    outDir: out,
  });
  const local = await readFile(path.join(out, relative));
  expect(createHash('sha256').update(local).digest('hex')).toBe(sha256);
  expect(await readdir(path.dirname(path.join(out, relative)))).toEqual([file.name]);
  // The state is written at the latest when the run saves it at its end.
  await state.save();
  expect((await DownloadState.open(out)).finished(file.fileId)).toMatchObject({ sha256 });
  return result;
}

describe('downloadFile', () => {
  it('knows the name and sha256 the server gives', () => {
    expect(file).toMatchObject({ size: SIZE, sha256, jobType: 'COMPANY' });
    expect(relative).toBe(`${file.exportId}/company/${file.name}`);
  });

  it('resumes a part with Range and If-Range, fetching only the missing bytes', async () => {
    const state = await interrupted(content.subarray(0, HAVE), `"${sha256}"`);
    expect(await fetched(state)).toEqual({ sha256, bytesTransferred: SIZE - HAVE });
    expect(notices).toEqual([]);
  });

  it('starts over when the ETag no longer matches (200 instead of 206)', async () => {
    const state = await interrupted(content.subarray(0, HAVE), '"an-older-version"');
    expect((await fetched(state)).bytesTransferred).toBe(SIZE);
  });

  it('drops a part whose bytes are wrong and fetches the file again from zero', async () => {
    const state = await interrupted(randomBytes(HAVE), `"${sha256}"`);
    expect((await fetched(state)).bytesTransferred).toBe(SIZE - HAVE + SIZE);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.reason).toMatch(/^sha256 [0-9a-f]{64} instead of/);
  });

  it('replaces a refused download URL by re-reading the job files', async () => {
    const tampered = new URL(file.downloadUrl);
    tampered.searchParams.set('signature', '0'.repeat(64));
    const state = await DownloadState.open(out);
    expect((await fetched(state, tampered.toString())).bytesTransferred).toBe(SIZE);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.reason).toBe('HTTP 403 code 190');
  });
});

describe('downloadFile on a connection cut right after its first bytes', () => {
  it('keeps the bytes that arrived and resumes after them', async () => {
    const ranges: (string | undefined)[] = [];
    const server = http.createServer((request, response) => {
      ranges.push(request.headers.range);
      const start = Number(/bytes=(\d+)-/.exec(request.headers.range ?? '')?.[1] ?? 0);
      response.writeHead(start > 0 ? 206 : 200, {
        etag: `"${sha256}"`,
        'content-length': String(SIZE - start),
        ...(start > 0 && { 'content-range': `bytes ${start}-${SIZE - 1}/${SIZE}` }),
      });
      if (ranges.length > 1) return response.end(content.subarray(start));
      // Bytes and the cut arrive together, before the client has read anything.
      response.write(content.subarray(0, 4096), () => request.socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const state = await DownloadState.open(out);
      const url = `http://127.0.0.1:${port}/${file.name}`;
      expect(await fetched(state, url)).toEqual({ sha256, bytesTransferred: SIZE });
      expect(ranges).toEqual([undefined, 'bytes=4096-']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('downloadFile that fails for good', () => {
  it('leaves no empty .part behind an answer that refused the file', async () => {
    const server = http.createServer((_request, response) => {
      const body = JSON.stringify({
        error: { message: 'Gone', type: 'OAuthException', code: 100 },
      });
      response.writeHead(404, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const state = await DownloadState.open(out);
      const url = `http://127.0.0.1:${port}/${file.name}`;
      await expect(
        downloadFile({ ...file, downloadUrl: url }, relative, { client, state, outDir: out }),
      ).rejects.toMatchObject({ status: 404 });
      expect(await readdir(path.dirname(path.join(out, relative)))).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("names the file system's reason when the file's directory cannot be made", async () => {
    // A regular file where the job's directory should be.
    const blocking = path.dirname(path.join(out, relative));
    await mkdir(path.dirname(blocking), { recursive: true });
    await writeFile(blocking, 'in the way');
    const state = await DownloadState.open(out);
    await expect(downloadFile(file, relative, { client, state, outDir: out })).rejects.toThrow(
      /^(EEXIST|ENOTDIR): .*/,
    );
    expect(await readFile(blocking, 'utf8')).toBe('in the way');
    expect(state.finished(file.fileId)).toBeUndefined();
  });
});
