/**
 * @module
 * Runs the MetadataStore contract on a SQLite file, plus what only a file database has: its
 * schema survives a restart with migrations applied once, and a database written by a newer
 * dyi-export is refused rather than half-understood.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseTooNewError } from '../../domain/index.js';
import { runMetadataStoreContract } from '../../ports/metadata-store.contract.js';
import { SqliteMetadataStore } from './sqlite-metadata-store.js';

runMetadataStoreContract('SqliteMetadataStore on a temporary file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dyi-sqlite-contract-'));
  const store = new SqliteMetadataStore({ filename: path.join(dir, 'dyi.sqlite') });
  await store.init();
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteMetadataStore on disk', () => {
  let dir: string;
  let filename: string;
  const opened: SqliteMetadataStore[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dyi-sqlite-'));
    filename = path.join(dir, 'data', 'dyi.sqlite');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  function open(): SqliteMetadataStore {
    const store = new SqliteMetadataStore({ filename });
    opened.push(store);
    return store;
  }

  function migrationNames(): string[] {
    const sqlite = new Database(filename, { readonly: true });
    try {
      const rows = sqlite.prepare('SELECT name FROM kysely_migration ORDER BY name').all();
      return rows.map((row) => (row as { name: string }).name);
    } finally {
      sqlite.close();
    }
  }

  it('keeps data across close and reopen and applies migrations once', async () => {
    const first = open();
    await first.init();
    await first.init(); // a second init on an open store changes nothing
    const community = await first.communities.create({ name: 'Acme', createTime: 1 });
    await first.close();
    const applied = migrationNames();
    expect(applied.length).toBeGreaterThan(0);

    const second = open();
    await second.init();
    expect(await second.communities.list()).toEqual([community]);
    expect(await second.findObject(community.id)).toEqual({
      kind: 'community',
      communityId: community.id,
    });
    const next = await second.communities.create({ name: 'Next', createTime: 2 });
    expect(BigInt(next.id)).toBeGreaterThan(BigInt(community.id));
    await second.close();
    expect(migrationNames()).toEqual(applied);
  });

  /** What migration 0016_retention added, to go back to a database older than it. */
  const RETENTION_COLUMNS = [
    ...[
      'retention_days',
      'expires_time',
      'expiry_state',
      'expired_time',
      'expiry_claim_time',
      'created_by_type',
      'created_by_id',
      'created_by_name',
      'created_by_token_id',
      'reason',
    ].map((column) => ['exports', column] as const),
    ['dyi_files', 'expired_time'] as const,
  ];

  it('fills in the search keys of members made before migration 0013, so searches find them', async () => {
    const first = open();
    await first.init();
    const community = await first.communities.create({ name: 'Acme', createTime: 1 });
    for (const name of ['Zoë Ångström', 'Ada']) {
      await first.members.create(community.id, { name, email: null, status: 'active' });
    }
    await first.close();
    // The database as the release before 0013 left it.
    const older = new Database(filename);
    // Later migrations first (0016_retention), then 0014 itself.
    older.exec(`DROP INDEX exports_awaiting_expiry;
      DROP INDEX exports_by_expiry;
      ${RETENTION_COLUMNS.map(([table, column]) => `ALTER TABLE ${table} DROP COLUMN ${column};`).join('\n')}
      DELETE FROM kysely_migration WHERE name = '0016_retention';
      DROP INDEX members_by_search_key;
      ALTER TABLE members DROP COLUMN search_key;
      DELETE FROM kysely_migration WHERE name = '0014_member_search_keys';`);
    older.close();

    const second = open();
    await second.init();
    const found = await second.members.search(community.id, 'ZOE ANGSTROM', 5);
    expect(found.map((member) => member.name)).toEqual(['Zoë Ångström']);
    expect(await second.members.countSearch(community.id, 'a')).toBe(2);
    expect(migrationNames()).toContain('0014_member_search_keys');
  });

  it('keeps its change mark across reads and moves it within a millisecond of another process committing', async () => {
    const store = open();
    await store.init();
    const community = await store.communities.create({ name: 'Acme', createTime: 1 });
    const mark = store.changeMark();
    await store.communities.get(community.id);
    await store.findObject(community.id);
    expect(store.changeMark()).toBe(mark);
    const other = new Database(filename);
    other.prepare("UPDATE communities SET name = 'Renamed' WHERE id = ?").run(Number(community.id));
    other.close();
    await new Promise((resolve) => setTimeout(resolve, 2));
    expect(store.changeMark()).not.toBe(mark);
    expect((await store.communities.get(community.id))?.name).toBe('Renamed');
  });

  it('lets no more sign-in attempts through than allowed when two processes count at once', async () => {
    const store = open();
    await store.init(); // migrated before the processes start
    const through = await Promise.all([0, 1].map(() => reserveInOtherProcess(filename, 20)));
    expect(through.reduce((sum, each) => sum + each, 0)).toBe(5);
  }, 60_000);

  it('counts jobs per state with triggers, whatever path changed them', async () => {
    const store = open();
    await store.init();
    const community = await store.communities.create({ name: 'Acme', createTime: 1 });
    const made = await store.exports.create(
      {
        communityId: community.id,
        createTime: 1,
        dataTypes: ['POSTS_YOUR_ACTIVITY'],
        dyiFormat: 'JSON',
        mediaQuality: 'HIGH',
        keepOriginalMedia: false,
        withholdOthersMedia: false,
        startTime: 0,
        endTime: 2,
        idempotencyKey: null,
      },
      [
        { jobType: 'COMPANY', userId: null, dataTypes: [] },
        { jobType: 'USER', userId: '1', dataTypes: ['POSTS_YOUR_ACTIVITY'] },
        { jobType: 'USER', userId: '2', dataTypes: ['POSTS_YOUR_ACTIVITY'] },
      ],
    );
    const company = await store.jobs.companyJob(made.id);
    await store.jobs.transition(company.id, ['PENDING'], { state: 'IN_PROGRESS', time: 2 });
    await store.jobs.setProgress(company.id, 0.25, 2);
    expect(await store.exports.countJobs(made.id)).toEqual({
      total: 3,
      pending: 2,
      inProgress: 1,
      completed: 0,
      aborted: 0,
      failed: 0,
      runningProgress: 0.25,
      leftOut: 0,
    });
    // Another process moving a job by plain SQL is counted too.
    const other = new Database(filename);
    other
      .prepare("UPDATE dyi_jobs SET state = 'FAILED' WHERE export_id = ? AND job_type = 'USER'")
      .run(Number(made.id));
    other.close();
    await store.exports.cancel(made.id, 3);
    expect(await store.exports.countJobs(made.id)).toMatchObject({
      total: 3,
      pending: 0,
      inProgress: 0,
      aborted: 1,
      failed: 2,
      runningProgress: 0,
    });
  });

  it('refuses a database written by a newer version and leaves it untouched', async () => {
    const first = open();
    await first.init();
    await first.communities.create({ name: 'Acme', createTime: 1 });
    await first.close();
    const sqlite = new Database(filename);
    sqlite
      .prepare('INSERT INTO kysely_migration (name, timestamp) VALUES (?, ?)')
      .run('9999_from_the_future', new Date(0).toISOString());
    sqlite.close();

    const newer = open();
    const failure = await newer.init().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(DatabaseTooNewError);
    const message = (failure as DatabaseTooNewError).message;
    expect(message).toContain(filename);
    expect(message).toContain('newer version of dyi-export');
    expect(message).toContain('9999_from_the_future');
    expect(message).toContain('Upgrade dyi-export, or point --data-dir at another directory');
    expect((failure as DatabaseTooNewError).code).toBe('database_too_new');
    await expect(newer.communities.list()).rejects.toThrow(/before init\(\)/);
    expect(migrationNames()).toContain('9999_from_the_future');

    // The refused store let go of the file: it can be opened, fixed and used again.
    const repair = new Database(filename);
    repair.prepare('DELETE FROM kysely_migration WHERE name = ?').run('9999_from_the_future');
    repair.close();
    const fixed = open();
    await fixed.init();
    expect(await fixed.communities.list()).toHaveLength(1);
  });
});

/**
 * Opens the store at `filename` in a new Node process and makes `count` sign-in attempts at
 * once on one counter that lets five through; resolves how many it let through.
 */
function reserveInOtherProcess(filename: string, count: number): Promise<number> {
  const storeModule = pathToFileURL(path.join(import.meta.dirname, 'sqlite-metadata-store.ts'));
  const script = `
    const { SqliteMetadataStore } = await import(${JSON.stringify(storeModule.href)});
    const store = new SqliteMetadataStore({ filename: ${JSON.stringify(filename)} });
    await store.init();
    const rules = [{ account: 'ada', address: '192.0.2.1', freeFailures: 5 }];
    const policy = { firstLockMs: 30000, maxLockMs: 3600000, forgetAfterMs: 86400000 };
    const answers = await Promise.all(
      Array.from({ length: ${count} }, () => store.signInCounters.reserve(rules, policy, 1000)),
    );
    await store.close();
    process.stdout.write(String(answers.filter((answer) => answer === undefined).length));`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      (error, stdout, stderr) =>
        error ? reject(new Error(stderr, { cause: error })) : resolve(Number(stdout)),
    );
  });
}
