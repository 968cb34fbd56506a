/**
 * Retention on a manual clock, on real stores (SQLite, and PostgreSQL where it runs): an
 * export expires its retention after its last job ended, its blobs are gone from the blob
 * store, its download URLs answer 410 with a Graph error body, and it stays listed as expired
 * with its files; admins extend it or expire it at once over the Graph API; a running export
 * does not expire until its jobs end; two runtimes sweeping one database at once each expire
 * an export once and both end cleanly (PostgreSQL; real processes on SQLite in
 * `retention.e2e.test.ts`); a sweep that died half-way is finished by the next.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import type { AuditRecord, Id } from '../src/domain/index.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { buildApp } from '../src/server/app.js';
import {
  completeJobWithFiles,
  graph,
  jobsOf,
  localPath,
  ManualClock,
  seedCommunity,
  type SeededCommunity,
} from './support/graph-fixture.js';
import { postgresOrSkip, type TestDatabase } from './support/postgres.js';

const DAY_MS = 86_400_000;

interface Setup {
  readonly clock: ManualClock;
  readonly runtime: Runtime;
  readonly app: FastifyInstance;
  /** A second runtime on the same database and blob store: another process's. */
  other(): Promise<Runtime>;
}

const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

async function setUp(database?: TestDatabase): Promise<Setup> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-retention-'));
  closers.push(() => rm(dataDir, { recursive: true, force: true }));
  const config = loadConfig(
    {},
    {
      dataDir,
      logLevel: 'silent',
      retentionDays: 7,
      retentionMaxDays: 90,
      ...(database && { databaseUrl: database.url }),
    },
  );
  const clock = new ManualClock();
  const open = async (): Promise<Runtime> => {
    const runtime = await openRuntime(config, { clock });
    closers.push(() => runtime.close());
    return runtime;
  };
  const runtime = await open();
  const app = await buildApp(runtime);
  closers.push(() => app.close());
  return { clock, runtime, app, other: open };
}

const ENGINES = [
  { name: 'SQLite', database: (): Promise<TestDatabase | undefined> => Promise.resolve(undefined) },
  {
    name: 'PostgreSQL',
    database: async (ctx: { skip(note?: string): void }): Promise<TestDatabase | undefined> => {
      const database = await postgresOrSkip(ctx);
      if (database) closers.unshift(() => database.drop());
      return database;
    },
  },
];

/** An export made over the Graph API, its jobs run to the end with one file each. */
async function finishedExport(
  setup: Setup,
  seeded: SeededCommunity,
  form: Record<string, string> = {},
): Promise<{ id: Id; bytes: Buffer[] }> {
  const made = await graph(setup.app, 'POST', '/community/work_dyi_jobs', {
    token: seeded.manageToken,
    form: {
      data_types: 'WORKPLACE_COMPANY_METADATA_USER_PROFILE,POSTS_YOUR_ACTIVITY',
      user_ids: seeded.members.map((m) => m.id).join(','),
      ...form,
    },
  });
  expect(made.status, JSON.stringify(made.body)).toBe(200);
  const id = made.body.id as Id;
  const bytes: Buffer[] = [];
  for (const job of await jobsOf(setup.runtime, id)) {
    const content = Buffer.from(`archive of job ${job.id}`);
    await completeJobWithFiles(setup.runtime, job, [content]);
    bytes.push(content);
  }
  return { id, bytes };
}

async function blobsOf(runtime: Runtime, exportId: Id): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of runtime.blobs.list(`exports/${exportId}/`)) keys.push(blob.key);
  return keys;
}

/** A fresh `download_url` of every file of the export, from the Graph API. */
async function downloadUrls(setup: Setup, token: string, exportId: Id): Promise<string[]> {
  const urls: string[] = [];
  for (const job of await jobsOf(setup.runtime, exportId)) {
    const files = await graph(setup.app, 'GET', `/${job.id}/files?fields=download_url`, { token });
    expect(files.status).toBe(200);
    for (const file of files.body.data as { download_url: string }[]) urls.push(file.download_url);
  }
  return urls;
}

describe.each(ENGINES)('retention on $name', ({ name, database }) => {
  it('expires an export its retention after it ended: blobs gone, downloads 410, still listed', async (ctx) => {
    const setup = await setUp(await database(ctx));
    const seeded = await seedCommunity(setup.runtime, 'Keep', 2);
    const { id, bytes } = await finishedExport(setup, seeded, { reason: 'LEGAL-7' });
    const endedAt = Math.floor(setup.clock.now() / 1000);
    expect(await blobsOf(setup.runtime, id)).toHaveLength(bytes.length);

    const before = await graph(
      setup.app,
      'GET',
      `/${id}?fields=expires_time,is_expired,retention_days,reason&date_format=U`,
      { token: seeded.readToken },
    );
    expect(before.body).toEqual({
      id,
      expires_time: endedAt + 7 * 86_400,
      is_expired: false,
      retention_days: 7,
      reason: 'LEGAL-7',
    });
    const urls = await downloadUrls(setup, seeded.readToken, id);
    const first = await setup.app.inject({ method: 'GET', url: localPath(urls[0] ?? '') });
    expect(first.statusCode).toBe(200);

    // One second short of seven days after it ended: kept.
    setup.clock.advance(7 * DAY_MS - 1000);
    expect((await setup.runtime.retention.sweep()).expired).toEqual([]);
    expect(await blobsOf(setup.runtime, id)).toHaveLength(bytes.length);

    setup.clock.advance(1000);
    const report = await setup.runtime.retention.sweep();
    expect(report.expired).toEqual([
      {
        exportId: id,
        communityId: seeded.community.id,
        files: bytes.length,
        bytes: bytes.reduce((sum, b) => sum + b.length, 0),
      },
    ]);
    expect(await blobsOf(setup.runtime, id)).toEqual([]);
    expect((await setup.runtime.retention.sweep()).expired).toEqual([]);
    // The audit trail has the expiry once, by the server itself, with what it deleted.
    const expiries = await expiryRecords(setup.runtime, seeded.community.id);
    expect(expiries).toMatchObject([
      {
        objectId: id,
        actorType: 'system',
        details: JSON.stringify({
          bytes: bytes.reduce((sum, b) => sum + b.length, 0),
          files: bytes.length,
        }),
      },
    ]);

    for (const url of await downloadUrls(setup, seeded.readToken, id)) {
      const answer = await setup.app.inject({ method: 'GET', url: localPath(url) });
      expect(answer.statusCode).toBe(410);
      const body = JSON.parse(answer.body) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 1410,
        is_transient: false,
      });
      expect(body.error.message).toMatch(/expired on \d{4}-\d\d-\d\dT.*retention period/);
    }
    const listed = await graph(
      setup.app,
      'GET',
      '/community/work_dyi_jobs?fields=id,is_expired,expired_time,reason,is_completed&date_format=U',
      { token: seeded.readToken },
    );
    expect(listed.body.data).toEqual([
      {
        id,
        is_expired: true,
        expired_time: endedAt + 7 * 86_400,
        reason: 'LEGAL-7',
        is_completed: true,
      },
    ]);
    const company = await setup.runtime.exports.companyJob(id);
    const files = await graph(setup.app, 'GET', `/${company.id}/files?fields=name,is_expired`, {
      token: seeded.readToken,
    });
    expect(files.body.data).toHaveLength(1);
    expect(files.body.data[0].is_expired).toBe(true);
  });

  it('does not expire an export whose jobs still run, until they end', async (ctx) => {
    const setup = await setUp(await database(ctx));
    const seeded = await seedCommunity(setup.runtime, 'Run', 1);
    const made = await graph(setup.app, 'POST', '/community/work_dyi_jobs', {
      token: seeded.manageToken,
      form: { data_types: 'WORKPLACE_COMPANY_METADATA_USER_PROFILE,POSTS_YOUR_ACTIVITY' },
    });
    const id = made.body.id as Id;
    const [company, member] = await jobsOf(setup.runtime, id);
    if (!company || !member) throw new Error('expected two jobs');
    await completeJobWithFiles(setup.runtime, company, ['company part']);
    // The member's job runs (a worker holds it and writes its blobs).
    expect(await setup.runtime.jobs.start(member.id, 'running')).toBe(true);
    const extend = await graph(setup.app, 'POST', `/${id}`, {
      token: seeded.manageToken,
      form: { expires_time: String(Math.floor(setup.clock.now() / 1000) + 3600) },
    });
    expect(extend.status).toBe(200);
    setup.clock.advance(30 * DAY_MS);
    expect((await setup.runtime.retention.sweep()).expired).toEqual([]);
    expect(await blobsOf(setup.runtime, id)).toHaveLength(1);
    const early = await graph(setup.app, 'POST', `/${id}`, {
      token: seeded.manageToken,
      form: { expires_time: 'now' },
    });
    expect(early.status).toBe(400);
    expect(early.body.error.message).toContain('still running');

    await setup.runtime.jobs.complete(member.id, 'running');
    const report = await setup.runtime.retention.sweep();
    expect(report.expired.map((e) => e.exportId)).toEqual([id]);
    expect(await blobsOf(setup.runtime, id)).toEqual([]);
  });

  it('lets an admin extend an export within the maximum, or expire it at once', async (ctx) => {
    const setup = await setUp(await database(ctx));
    const seeded = await seedCommunity(setup.runtime, 'Extend', 1);
    const { id } = await finishedExport(setup, seeded);
    const now = Math.floor(setup.clock.now() / 1000);

    const tooFar = await graph(setup.app, 'POST', `/${id}`, {
      token: seeded.manageToken,
      form: { expires_time: String(now + 91 * 86_400) },
    });
    expect(tooFar.status).toBe(400);
    expect(tooFar.body.error.message).toContain('at most 90 days from now');
    const readOnly = await graph(setup.app, 'POST', `/${id}`, {
      token: seeded.readToken,
      form: { expires_time: String(now + 86_400) },
    });
    expect(readOnly.status).toBe(403);
    const missing = await graph(setup.app, 'POST', `/${id}`, { token: seeded.manageToken });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('expires_time');

    const extended = await graph(setup.app, 'POST', `/${id}?date_format=U`, {
      token: seeded.manageToken,
      form: { expires_time: String(now + 30 * 86_400) },
    });
    expect(extended.body).toEqual({ success: true, expires_time: now + 30 * 86_400 });
    setup.clock.advance(8 * DAY_MS);
    expect((await setup.runtime.retention.sweep()).expired).toEqual([]);
    expect(await blobsOf(setup.runtime, id)).not.toEqual([]);

    const expired = await graph(setup.app, 'POST', `/${id}`, {
      token: seeded.manageToken,
      form: { expires_time: 'now' },
    });
    expect(expired.status).toBe(200);
    expect(await blobsOf(setup.runtime, id)).toEqual([]);
    const read = await graph(setup.app, 'GET', `/${id}?fields=is_expired`, {
      token: seeded.readToken,
    });
    expect(read.body.is_expired).toBe(true);
    const again = await graph(setup.app, 'POST', `/${id}`, {
      token: seeded.manageToken,
      form: { expires_time: String(now + 60 * 86_400) },
    });
    expect(again.status).toBe(410);
    expect(again.body.error.error_subcode).toBe(1410);
    // Deleting an expired export removes it altogether.
    const deleted = await graph(setup.app, 'DELETE', `/${id}`, { token: seeded.manageToken });
    expect(deleted.body).toEqual({ success: true });
  });

  // PostgreSQL only: on SQLite two runtimes of one thread would wait on each other's locks
  // synchronously; test/retention.e2e.test.ts runs two real `dyi worker` processes on one file.
  if (name === 'PostgreSQL')
    it('two runtimes sweeping at once expire each export once and both end cleanly', async (ctx) => {
      const db = await database(ctx);
      if (!db) throw new Error('unreachable: PostgreSQL runs or the test was skipped');
      const setup = await setUp(db);
      const second = await setup.other();
      const seeded = await seedCommunity(setup.runtime, 'Race', 2);
      const ids: Id[] = [];
      let files = 0;
      for (let i = 0; i < 6; i++) {
        const made = await finishedExport(setup, seeded);
        ids.push(made.id);
        files += made.bytes.length;
      }
      setup.clock.advance(8 * DAY_MS);
      const [a, b] = await Promise.all([setup.runtime.retention.sweep(), second.retention.sweep()]);
      const byA = a.expired.map((e) => e.exportId);
      const byB = b.expired.map((e) => e.exportId);
      expect(byA.filter((id) => byB.includes(id))).toEqual([]);
      expect([...byA, ...byB].sort()).toEqual([...ids].sort());
      expect([...a.expired, ...b.expired].reduce((sum, e) => sum + e.files, 0)).toBe(files);
      for (const id of ids) {
        expect(await blobsOf(setup.runtime, id)).toEqual([]);
        expect((await setup.runtime.metadata.exports.get(id))?.expiryState).toBe('expired');
      }
      const recorded = await expiryRecords(setup.runtime, seeded.community.id);
      expect(recorded.map((record) => record.objectId).sort()).toEqual([...ids].sort());
    });

  it('finishes an export a crashed sweep left expiring, once its claim lapsed', async (ctx) => {
    const setup = await setUp(await database(ctx));
    const seeded = await seedCommunity(setup.runtime, 'Crash', 1);
    const { id } = await finishedExport(setup, seeded);
    setup.clock.advance(8 * DAY_MS);
    await setup.runtime.metadata.retention.fixEndedExpiries();
    // A sweep claimed it and died before deleting anything.
    const now = Math.floor(setup.clock.now() / 1000);
    expect(await setup.runtime.metadata.retention.claim(id, now, 900)).toBe(true);
    expect((await setup.runtime.retention.sweep()).expired).toEqual([]);
    expect(await blobsOf(setup.runtime, id)).not.toEqual([]);
    setup.clock.advance(900_000);
    expect((await setup.runtime.retention.sweep()).expired.map((e) => e.exportId)).toEqual([id]);
    expect(await blobsOf(setup.runtime, id)).toEqual([]);
  });
});

describe('who asked, over the Graph API', () => {
  it('records the integration and token that created an export, and its reason', async () => {
    const setup = await setUp();
    const seeded = await seedCommunity(setup.runtime, 'Who', 1);
    const { id } = await finishedExport(setup, seeded, {
      reason: '  ticket LEGAL-123  ',
      retention_days: '3',
    });
    const hash = createHash('sha256').update(seeded.manageToken).digest('hex');
    const token = await setup.runtime.metadata.tokens.findByHash(hash);
    const read = await graph(setup.app, 'GET', `/${id}?fields=created_by,reason,retention_days`, {
      token: seeded.readToken,
    });
    expect(read.body).toEqual({
      id,
      created_by: {
        id: seeded.integrationId,
        name: 'Exporter',
        type: 'integration',
        token_id: token?.id,
      },
      reason: 'ticket LEGAL-123',
      retention_days: 3,
    });
    // Without fields, the defaults of the spec: none of the new fields.
    const plain = await graph(setup.app, 'GET', `/${id}`, { token: seeded.readToken });
    expect(Object.keys(plain.body).sort()).toEqual(['create_time', 'id', 'is_completed']);
  });

  it.each([
    [{ retention_days: '0' }, 'retention_days', 'from 1 to 90 days'],
    [{ retention_days: '91' }, 'retention_days', 'got 91'],
    [{ retention_days: 'a week' }, 'retention_days', 'whole number of days'],
    [{ reason: 'x'.repeat(201) }, 'reason', 'at most 200 characters'],
    [{ reason: 'line\nbreak' }, 'reason', 'control character (U+000A)'],
  ])('refuses %o naming %s', async (form, parameter, words) => {
    const setup = await setUp();
    const seeded = await seedCommunity(setup.runtime, 'Bad', 1);
    const answer = await graph(setup.app, 'POST', '/community/work_dyi_jobs', {
      token: seeded.manageToken,
      form: { data_types: 'POSTS_YOUR_ACTIVITY', ...form },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(100);
    expect(answer.body.error.message).toContain(parameter);
    expect(answer.body.error.message).toContain(words);
  });
});

/** The audit trail's records of expiries in the community, oldest first. */
async function expiryRecords(runtime: Runtime, communityId: Id): Promise<readonly AuditRecord[]> {
  const page = await runtime.audit.list({ communityId, act: 'export.expire' }, { limit: 100 });
  return [...page.items].reverse();
}
