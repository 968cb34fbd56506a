/**
 * @module
 * `dyi list` and `dyi download` in real processes against the real server on a loopback port:
 * a seeded community's export, run by the engine, lands in
 * `DIR/<export>/<company|user-<id>>/<name>` with every file's sha256 equal to the server's; a
 * rerun transfers no file bytes and touches no file; a file damaged after the run is fetched
 * again; new exports are picked up; and deep paging (3 exports × 250 user jobs, pages of 25)
 * finds every file exactly once.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunity as seedSynthetic } from '../src/content/seed-community.js';
import { filesOfExport, type JobFiles, runExport } from './support/archives.js';
import { type ClusterFixture, ON_CLUSTER } from './support/cluster-fixture.js';
import { tokensFor } from './support/export-scenarios.js';
import {
  completeJobWithFiles,
  createExport,
  jobsOf,
  type ListeningFixture,
  seedCommunity,
  startListeningFixture,
} from './support/graph-fixture.js';
import { type CliRun, runDyi } from './support/dyi-cli.js';

function events(run: CliRun): any[] {
  return run.stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where `dyi download` puts a job's file. */
function layoutPath(out: string, exportId: string, job: JobFiles['job'], name: string): string {
  const owner = job.jobType === 'COMPANY' ? 'company' : `user-${job.userId}`;
  return path.join(out, exportId, owner, name);
}

/**
 * How many GETs of download URLs the fixture's server has been sent so far: counted by the
 * in-process server, or by the cluster's balancer that every request of the scale-out run
 * passes.
 */
function fileRequestCounter(fixture: ListeningFixture): () => number {
  const isFileGet = (request: { method?: string; url?: string }): boolean =>
    request.method === 'GET' && (request.url?.startsWith('/dyi-files/') ?? false);
  if (ON_CLUSTER) {
    const { balancer } = (fixture as ClusterFixture).cluster;
    return () => balancer.served().filter(isFileGet).length;
  }
  let count = 0;
  fixture.app.server.on('request', (request: { method?: string; url?: string }) => {
    if (isFileGet(request)) count++;
  });
  return () => count;
}

describe('dyi download and dyi list against a seeded community', () => {
  let fixture: ListeningFixture;
  let token: string;
  let exportId: string;
  let out: string;
  /** GETs of download URLs the server (the cluster's balancer, in the scale-out run) answered. */
  let fileRequests: () => number;

  beforeAll(async () => {
    fixture = await startListeningFixture({ maxPartBytes: 64 * 1024 });
    const { runtime } = fixture;
    const { communityId } = await seedSynthetic(runtime, { users: 3, seed: 41 });
    token = (await tokensFor(runtime, communityId)).readToken;
    exportId = (
      await createExport(runtime, communityId, {
        data_types: ['WORKPLACE_COMPANY_METADATA_USER_PROFILE', 'POSTS_YOUR_ACTIVITY'],
        media_quality: 'LOW',
      })
    ).id;
    await runExport(runtime, exportId);
    fileRequests = fileRequestCounter(fixture);
    out = await mkdtemp(path.join(tmpdir(), 'dyi-download-'));
  });

  afterAll(async () => {
    await fixture?.close();
    if (out) await rm(out, { recursive: true, force: true });
  });

  const common = (): string[] => ['--base-url', fixture.baseUrl, '--retry-base-ms', '10'];

  it('downloads every file into the layout, each matching the server sha256', async () => {
    const run = await runDyi(['download', '--out', out, '--json', ...common()], {
      DYI_TOKEN: token,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const jobs = await filesOfExport(fixture.runtime, exportId);
    const expected = jobs.flatMap((j) => j.files);
    expect(expected.length).toBeGreaterThanOrEqual(jobs.length);
    for (const { job, files } of jobs) {
      for (const { file, bytes } of files) {
        const local = await readFile(layoutPath(out, exportId, job, file.name));
        expect(sha256(local)).toBe(file.sha256);
        expect(sha256(local)).toBe(sha256(bytes));
      }
    }
    const all = events(run);
    expect(all[0]).toMatchObject({ event: 'start', files: expected.length });
    expect(all.filter((e) => e.event === 'file-done')).toHaveLength(expected.length);
    expect(all.at(-1)).toMatchObject({ event: 'summary', ok: true, failed: 0 });
    expect(fileRequests()).toBe(expected.length);
    const state = await readFile(path.join(out, '.dyi-download-state.json'), 'utf8');
    expect(state).not.toContain(token);
    expect(Object.keys(JSON.parse(state).files)).toHaveLength(expected.length);
  }, 60_000);

  it('lists the files in the spec sample format, and as NDJSON', async () => {
    const run = await runDyi(['list', '--token', token, ...common()]);
    expect(run.code).toBe(0);
    const expected = (await filesOfExport(fixture.runtime, exportId)).flatMap(({ job, files }) =>
      files.map(
        ({ file }) =>
          `Export ID: ${exportId}, Job ID: ${job.id}, Job Type: ${job.jobType === 'COMPANY' ? 'Company' : 'User'}, File ID: ${file.id}, File Size: ${file.size}, Download URL: `,
      ),
    );
    const lines = run.stdout.trim().split('\n');
    expect(lines.map((line) => line.replace(/Download URL: .*$/, 'Download URL: '))).toEqual(
      expected,
    );
    for (const line of lines) {
      expect(line).toMatch(/Download URL: http:\/\/127\.0\.0\.1:\d+\/dyi-files\/\d+\/\S+\?/);
    }
    const json = events(await runDyi(['list', '--json', '--token', token, ...common()]));
    expect(json).toHaveLength(expected.length);
    expect(json[0]).toMatchObject({ export_id: exportId, job_type: 'COMPANY' });
    expect(json[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 30_000);

  it('skips everything on a rerun: no file bytes, no file touched', async () => {
    const jobs = await filesOfExport(fixture.runtime, exportId);
    const paths = jobs.flatMap(({ job, files }) =>
      files.map(({ file }) => layoutPath(out, exportId, job, file.name)),
    );
    const mtimes = await Promise.all(paths.map(async (p) => (await stat(p)).mtimeMs));
    const before = fileRequests();
    const run = await runDyi(['download', '--out', out, '--json', '--token', token, ...common()]);
    expect(run.code).toBe(0);
    const all = events(run);
    expect(all.filter((e) => e.event === 'file-skipped')).toHaveLength(paths.length);
    expect(all.at(-1)).toMatchObject({ event: 'summary', ok: true, done: 0, bytes_transferred: 0 });
    expect(fileRequests()).toBe(before);
    expect(await Promise.all(paths.map(async (p) => (await stat(p)).mtimeMs))).toEqual(mtimes);
  }, 30_000);

  it('fetches again a file damaged after the run, and new exports only', async () => {
    const [company] = await filesOfExport(fixture.runtime, exportId);
    const damaged = company?.files[0];
    if (!company || !damaged) throw new Error('the company job has no file');
    const local = layoutPath(out, exportId, company.job, damaged.file.name);
    const bytes = await readFile(local);
    const middle = bytes.length >> 1;
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    await writeFile(local, bytes);

    const communityId = company.job.communityId;
    const added = await createExport(fixture.runtime, communityId, {
      data_types: ['WORKPLACE_COMPANY_METADATA_USER_PROFILE'],
    });
    await runExport(fixture.runtime, added.id);
    const addedFiles = (await filesOfExport(fixture.runtime, added.id)).flatMap((j) => j.files);

    const before = fileRequests();
    const run = await runDyi(['download', '--out', out, '--json', '--token', token, ...common()]);
    expect(run.code).toBe(0);
    const done = events(run).filter((e) => e.event === 'file-done');
    expect(done.map((e) => e.file_id).sort()).toEqual(
      [damaged.file.id, ...addedFiles.map((f) => f.file.id)].sort(),
    );
    expect(fileRequests() - before).toBe(done.length);
    expect(sha256(await readFile(local))).toBe(damaged.file.sha256);
  }, 30_000);

  it('sends appsecret_proof and a version prefix, and prints plain lines off a terminal', async () => {
    const { runtime } = fixture;
    const [company] = await filesOfExport(runtime, exportId);
    const communityId = company?.job.communityId ?? '';
    const integration = await runtime.access.createIntegration(communityId, {
      name: 'Proof required',
      requireAppsecretProof: true,
    });
    const proofToken = (
      await runtime.access.createToken(integration.id, ['read_company_data_exports'])
    ).token;
    const fresh = await mkdtemp(path.join(tmpdir(), 'dyi-plain-'));
    try {
      const args = ['download', '--out', fresh, '--export', exportId, '--graph-version', 'v22.0'];
      const run = await runDyi([...args, '--appsecret', integration.appSecret, ...common()], {
        DYI_TOKEN: proofToken,
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^\d+ file\(s\), /);
      expect(run.stdout).toMatch(/^done \d+\/company\/\S+ \(/m);
      expect(run.stdout).toMatch(/All files verified: \d+ downloaded, 0 already there, 0 failed/);
      const refused = await runDyi([...args, '--appsecret', 'wrong', ...common()], {
        DYI_TOKEN: proofToken,
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/Graph code 100/);
      expect(refused.stderr).not.toContain(proofToken);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  }, 30_000);

  it('answers bad input with exit code 2 and no token with a message', async () => {
    const bad = await runDyi(['download', '--out', out, '--concurrency', '0', '--token', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--concurrency');
    const refused = await runDyi(['list', '--token', 'not-a-token', ...common()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/HTTP 400 \(Graph code 190/);
    expect(refused.stderr).not.toContain('not-a-token');
  }, 30_000);
});

describe('paging at depth', () => {
  const USERS = 250;
  const JOBS_AT_ONCE = 10;
  let fixture: ListeningFixture;
  let token: string;
  const expected = new Set<string>();

  beforeAll(async () => {
    fixture = await startListeningFixture({ maxPageSize: 25 });
    const { runtime } = fixture;
    const seeded = await seedCommunity(runtime, 'Deep', USERS);
    token = seeded.readToken;
    for (let e = 0; e < 3; e++) {
      const made = await createExport(runtime, seeded.community.id);
      const jobs = [...(await jobsOf(runtime, made.id)).entries()];
      // Several jobs at a time: on S3 each file is a round trip of its own.
      for (let from = 0; from < jobs.length; from += JOBS_AT_ONCE) {
        const batch = jobs.slice(from, from + JOBS_AT_ONCE).map(async ([index, job]) => {
          // The company job of the first export, and one user job of the second, have more
          // files than a page holds (the user job's first page comes expanded with the job).
          const many = (job.jobType === 'COMPANY' && e === 0) || (e === 1 && index === 7);
          const count = many ? 30 : 1;
          const contents = Array.from({ length: count }, (_, i) => `${job.id}:${i}`);
          for (const file of await completeJobWithFiles(runtime, job, contents)) {
            expected.add(file.id);
          }
        });
        await Promise.all(batch);
      }
    }
  }, 120_000);

  afterAll(() => fixture?.close());

  it('finds every file of 3 exports × 250 user jobs exactly once', async () => {
    const run = await runDyi(['list', '--json', '--base-url', fixture.baseUrl, '--token', token]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const ids = events(run).map((file) => file.file_id as string);
    expect(ids).toHaveLength(expected.size);
    expect(new Set(ids)).toEqual(expected);
  }, 60_000);
});
