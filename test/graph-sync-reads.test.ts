/**
 * Graph reads answered without a promise (SQLite's read connection) and with one (PostgreSQL,
 * or any store that must wait) give the same wire answers: the same app twice on one runtime,
 * the second with every metadata read answered as a promise (`withPromisedReads`), asked the same
 * requests, answers the same status, headers and bytes. A read that fails is still a rejected
 * promise, never a throw, and its request still the same error answer.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetadataStore } from '../src/ports/metadata-store.js';
import type { Runtime } from '../src/runtime.js';
import { buildApp } from '../src/server/app.js';
import { ExportService } from '../src/services/export-service.js';
import { JobService } from '../src/services/job-service.js';
import {
  completeJobWithFiles,
  createExport,
  type GraphFixture,
  jobsOf,
  ManualClock,
  type SeededCommunity,
  seedCommunity,
  startInProcessFixture,
} from './support/graph-fixture.js';
import { withPromisedReads } from './support/promised-store.js';

let fixture: GraphFixture;
let acme: SeededCommunity;
/** The same runtime's app, its metadata reads answered as promises. */
let promisedApp: FastifyInstance;
let exportId: string;
let jobId: string;
let fileId: string;

const FILES = 5;

/** The services the Graph routes read through, rebuilt on `metadata`. */
function withMetadata(runtime: Runtime, metadata: MetadataStore): Runtime {
  const { blobs, queue, clock, config } = runtime;
  return {
    ...runtime,
    metadata,
    exports: new ExportService(metadata, blobs, queue, clock, config),
    jobs: new JobService(metadata, blobs, clock),
  };
}

beforeAll(async () => {
  // A fixed clock: download URLs are signed the same by both apps.
  fixture = await startInProcessFixture({}, new ManualClock());
  acme = await seedCommunity(fixture.runtime, 'Acme', 2);
  const made = await createExport(fixture.runtime, acme.community.id);
  exportId = made.id;
  const [company, user] = await jobsOf(fixture.runtime, made.id);
  if (!company || !user) throw new Error('the export has no user job');
  const files = await completeJobWithFiles(
    fixture.runtime,
    user,
    Array.from({ length: FILES }, (_, i) => `part ${i + 1}\n`.repeat(10)),
  );
  await completeJobWithFiles(fixture.runtime, company, ['company\n']);
  jobId = user.id;
  fileId = files[0]?.id ?? '';
  promisedApp = await buildApp(
    withMetadata(fixture.runtime, withPromisedReads(fixture.runtime.metadata)),
  );
});

afterAll(async () => {
  await promisedApp.close();
  await fixture.close();
});

/** Headers new on every request (the date, the trace id) or counting calls so far. */
const VARYING_HEADERS = ['date', 'x-fb-trace-id', 'x-app-usage', 'x-business-use-case-usage'];

/** What a client sees, but for the headers that differ from request to request. */
function seen(response: LightMyRequestResponse): unknown {
  const headers = { ...response.headers };
  for (const name of VARYING_HEADERS) delete headers[name];
  // An error's fbtrace_id is the request's trace id, new on every request.
  const body = response.body.replace(/"fbtrace_id":"[^"]*"/, '"fbtrace_id":"…"');
  return { status: response.statusCode, headers, body };
}

async function bothAnswer(url: string, method: 'GET' | 'DELETE' = 'GET'): Promise<unknown> {
  const token = `access_token=${acme.readToken}`;
  const full = `${url}${url.includes('?') ? '&' : '?'}${token}`;
  const direct = await fixture.app.inject({ method, url: full });
  const promised = await promisedApp.inject({ method, url: full });
  expect(seen(promised), url).toEqual(seen(direct));
  return seen(direct);
}

/** The body of a JSON answer. */
function bodyOf(answer: unknown): Record<string, unknown> {
  return JSON.parse((answer as { body: string }).body) as Record<string, unknown>;
}

describe('GET /{id}/{edge} with reads at hand and with promises', () => {
  it('answers the same pages, walking forward and back by cursor', async () => {
    const first = bodyOf(await bothAnswer(`/${jobId}/files?limit=2`));
    expect((first.data as unknown[]).length).toBe(2);
    const paging = first.paging as { cursors: { after: string }; next: string };
    const second = bodyOf(
      await bothAnswer(`/${jobId}/files?limit=2&after=${paging.cursors.after}`),
    );
    const back = (second.paging as { cursors: { before: string } }).cursors.before;
    expect(bodyOf(await bothAnswer(`/${jobId}/files?limit=2&before=${back}`)).data).toEqual(
      first.data,
    );
    const all = bodyOf(await bothAnswer(`/${jobId}/files`));
    expect((all.data as unknown[]).length).toBe(FILES);
    const last = (all.paging as { cursors: { after: string } }).cursors.after;
    expect(bodyOf(await bothAnswer(`/${jobId}/files?after=${last}`)).data).toEqual([]);
  });

  it('answers the same counts, field selections and other edges', async () => {
    for (const url of [
      `/${jobId}/files?limit=0&summary=true`,
      `/${jobId}/files?limit=0`,
      `/${jobId}/files?summary=1&fields=id,name,file_size,sha256,dyi_job{id,job_state}`,
      `/${jobId}/files?fields=download_url,expires_time&date_format=U`,
      `/${exportId}/user_dyi_jobs?fields=id,job_state,files{id,file_size}`,
      `/${exportId}/user_dyi_jobs?limit=1&summary=true`,
    ]) {
      expect((await bothAnswer(url)) as { status: number }).toMatchObject({ status: 200 });
    }
  });

  it('answers the same errors', async () => {
    for (const url of [
      `/${jobId}/nothing`,
      `/${fileId}/files`,
      `/${jobId}/files?limit=two`,
      `/${jobId}/files?after=nonsense`,
      `/${jobId}/files?fields=id,nope`,
      `/999999999999999/files`,
      `/${jobId}/files?method=delete`,
    ]) {
      const answer = (await bothAnswer(url)) as { status: number };
      expect(answer.status, url).toBeGreaterThanOrEqual(400);
    }
    const refused = (await bothAnswer(`/${jobId}/files`, 'DELETE')) as { status: number };
    expect(refused.status).toBeGreaterThanOrEqual(400);
  });
});

describe('a page read that fails', () => {
  it('is a rejected promise from the store, and the same error answer on the wire', async () => {
    const page = fixture.runtime.metadata.files.listByJob(jobId, { limit: 2 });
    expect(page).not.toBeInstanceOf(Promise);
    // Another connection takes the files' table away: the next read of it fails in SQLite.
    const other = new Database(path.join(fixture.dataDir, 'dyi.sqlite'));
    try {
      other.exec('ALTER TABLE dyi_files RENAME TO dyi_files_away');
      await new Promise((resolve) => setTimeout(resolve, 5));
      let failed: unknown;
      expect(() => {
        failed = fixture.runtime.metadata.files.listByJob(jobId, { limit: 2 });
      }).not.toThrow();
      expect(failed).toBeInstanceOf(Promise);
      await expect(failed).rejects.toThrow(/dyi_files/);
      const answer = (await bothAnswer(`/${jobId}/files?limit=2`)) as { status: number };
      expect(answer.status).toBe(500);
      expect(bodyOf(answer)).toMatchObject({ error: { code: 1 } });
    } finally {
      other.exec('ALTER TABLE dyi_files_away RENAME TO dyi_files');
      other.close();
    }
  });
});
