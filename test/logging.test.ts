/**
 * What the server log holds: every request with its trace id, never an access token, an
 * appsecret_proof, a download signature or the key of a panel's one-time page; the stack of a
 * bug, which the client never sees.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { buildApp } from '../src/server/app.js';
import {
  completeJobWithFiles,
  createExport,
  jobsOf,
  localPath,
  seedCommunity,
} from './support/graph-fixture.js';

let dataDir: string;
let runtime: Runtime;
const lines: string[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-log-'));
  runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'info' }));
});

afterAll(async () => {
  await runtime.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('logs requests with their trace id and without secrets', async () => {
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  const app = await buildApp(runtime, { logger: true, logStream: stream });
  const acme = await seedCommunity(runtime, 'Acme', 1);
  const made = await createExport(runtime, acme.community.id);
  const [company] = await jobsOf(runtime, made.id);
  if (!company) throw new Error('no company job');
  await completeJobWithFiles(runtime, company, ['secret bytes']);

  const listed = await app.inject({
    url: `/v19.0/${company.id}/files?access_token=${acme.readToken}&appsecret_proof=${'ab'.repeat(32)}`,
  });
  const traceId = String(listed.headers['x-fb-trace-id']);
  const files = await app.inject({ url: `/${company.id}/files?access_token=${acme.readToken}` });
  const downloadUrl = localPath(
    files.json<{ data: { download_url: string }[] }>().data[0]?.download_url ?? '',
  );
  const download = await app.inject({ url: downloadUrl });
  expect(download.statusCode).toBe(200);
  const revealKey = 'k'.repeat(43);
  await app.inject({ url: `/admin/tokens/created?reveal=${'i'.repeat(24)}.${revealKey}` });
  await app.close();

  const text = lines.join('\n');
  expect(lines.length).toBeGreaterThanOrEqual(6);
  expect(text).not.toContain(acme.readToken);
  expect(text).not.toContain('ab'.repeat(32));
  expect(text).not.toContain(new URL(downloadUrl, 'http://x').searchParams.get('signature'));
  expect(text).toContain('access_token=[redacted]');
  expect(text).not.toContain(revealKey);
  expect(text).toContain('reveal=[redacted]');
  const traced = lines
    .map((line) => JSON.parse(line) as { fbtrace_id?: string })
    .filter((l) => l.fbtrace_id === traceId);
  expect(traced.length).toBeGreaterThanOrEqual(2);
});

it('logs the stack of a bug while the client gets code 1 only', async () => {
  const stream = new PassThrough();
  const bugLines: string[] = [];
  stream.on('data', (chunk: Buffer) => bugLines.push(chunk.toString()));
  const app = await buildApp(runtime, { logger: true, logStream: stream });
  const acme = await seedCommunity(runtime, 'Buggy', 1);
  await runtime.metadata.close();
  const answer = await app.inject({ url: `/community?access_token=${acme.readToken}` });
  await runtime.metadata.init();
  await app.close();
  expect(answer.statusCode).toBe(500);
  expect(answer.body).not.toContain('at ');
  expect(answer.json()).toMatchObject({
    error: { code: 1, message: '(#1) An unknown error has occurred.' },
  });
  const logged = bugLines.join('');
  expect(logged).toContain('unexpected error');
  expect(logged).toContain('SqliteMetadataStore used before init');
  expect(logged).toContain('"stack"');
});
