/**
 * @module
 * The spec's Python sample against an export made by the real engine: a seeded community's
 * export, run to the end by the JobRunner with small parts (so jobs have several files), is
 * listed by the unmodified sample, pointed at the real server on a loopback port, one line per
 * file: exactly the files the API has, with their jobs, job types and sizes. Every printed
 * `download_url` then serves, to a bare GET, bytes that hash to the file's `sha256`.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunity } from '../src/content/seed-community.js';
import { DATA_TYPES } from '../src/domain/index.js';
import { runExport } from './support/archives.js';
import { tokensFor } from './support/export-scenarios.js';
import { type ListeningFixture, startListeningFixture } from './support/graph-fixture.js';
import { parseFileLine, requireSpecSample, runSpecSample } from './support/python-sample.js';

/** The sample reads one page of user jobs and of files (25 each): the export stays within it. */
const SAMPLE_PAGE = 25;

interface ApiFile {
  readonly id: string;
  readonly file_size: number;
  readonly sha256: string;
}

let fixture: ListeningFixture;
let readToken: string;
let exportId: string;
/** "jobId jobType fileId size" of every file the API lists, and the files by id. */
const expectedLines = new Set<string>();
const apiFiles = new Map<string, ApiFile>();

async function api<T>(pathAndQuery: string): Promise<T> {
  const url = new URL(pathAndQuery, fixture.baseUrl);
  url.searchParams.set('access_token', readToken);
  const response = await fetch(url);
  const body = (await response.json()) as T;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

beforeAll(async () => {
  fixture = await startListeningFixture({ maxPartBytes: 256 * 1024 });
  const { runtime } = fixture;
  const { communityId } = await seedCommunity(runtime, { users: 6, seed: 29 });
  const tokens = await tokensFor(runtime, communityId);
  readToken = tokens.readToken;

  const created = await fetch(`${fixture.baseUrl}/v22.0/community/work_dyi_jobs`, {
    method: 'POST',
    body: new URLSearchParams({
      data_types: DATA_TYPES.join(','),
      dyi_format: 'HTML_AND_JSON',
      media_quality: 'MEDIUM',
      start_time: '2024-01-01T00:00:00Z',
      end_time: '2026-01-01T00:00:00Z',
      access_token: tokens.manageToken,
    }),
  });
  exportId = ((await created.json()) as { id: string }).id;
  const outcomes = await runExport(runtime, exportId);
  expect([...outcomes.values()]).toEqual([...outcomes.values()].map(() => 'COMPLETED'));

  // What the API has: the company job and every user job, each with all its files.
  const { company_job: company } = await api<{ company_job: { id: string } }>(
    `/${exportId}?fields=company_job`,
  );
  const users = await api<{ data: { id: string }[] }>(`/${exportId}/user_dyi_jobs?limit=100`);
  expect(users.data.length).toBeGreaterThan(0);
  expect(users.data.length).toBeLessThanOrEqual(SAMPLE_PAGE);
  const jobs = [
    { id: company.id, type: 'Company' },
    ...users.data.map((job) => ({ id: job.id, type: 'User' })),
  ];
  let mostParts = 0;
  for (const job of jobs) {
    const files = await api<{ data: ApiFile[] }>(
      `/${job.id}/files?fields=id,file_size,sha256&limit=100`,
    );
    expect(files.data.length).toBeLessThanOrEqual(SAMPLE_PAGE);
    mostParts = Math.max(mostParts, files.data.length);
    for (const file of files.data) {
      expectedLines.add(`${job.id} ${job.type} ${file.id} ${file.file_size}`);
      apiFiles.set(file.id, file);
    }
  }
  expect(mostParts).toBeGreaterThan(1);
});

afterAll(async () => {
  await fixture?.close();
});

describe("the spec's Python sample on an export made by the engine", () => {
  it('prints one line per file the API has, and each URL serves bytes of its sha256', async (ctx) => {
    await requireSpecSample(ctx);

    const result = await runSpecSample(fixture.baseUrl, readToken);
    expect(result.code, `the sample failed:\n${result.stderr}`).toBe(0);
    const lines = result.stdout.split('\n').filter((line) => line !== '');
    const printed = lines.map((line) => {
      const parsed = parseFileLine(line);
      expect(parsed, `unexpected output line: ${line}`).toBeDefined();
      return parsed;
    });
    expect(printed.every((line) => line?.exportId === exportId)).toBe(true);
    const printedLines = printed.map(
      (line) => `${line?.jobId} ${line?.jobType} ${line?.fileId} ${line?.fileSize}`,
    );
    expect(printedLines.length).toBe(new Set(printedLines).size);
    expect(new Set(printedLines)).toEqual(expectedLines);

    for (const line of printed) {
      const file = apiFiles.get(line?.fileId ?? '');
      if (!line || !file) throw new Error(`file ${line?.fileId} is not in the API`);
      expect(line.downloadUrl.startsWith(`${fixture.baseUrl}/`)).toBe(true);
      const response = await fetch(line.downloadUrl);
      expect(response.status).toBe(200);
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(bytes.length).toBe(file.file_size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    }
  });
});
