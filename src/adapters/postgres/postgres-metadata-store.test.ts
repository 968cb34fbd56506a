/**
 * @module
 * Runs the MetadataStore contract on PostgreSQL, plus what only a shared server database has:
 * several processes migrating one database at once, a change mark that follows another
 * process's commits through notifications (and survives a lost listening connection), job
 * counts kept by triggers whatever wrote the jobs, and a database written by a newer
 * dyi-export refused. One database serves the whole file; each contract test starts from
 * empty tables (`emptyTables`).
 */
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { type DyiJob, type Id, DatabaseTooNewError, TransientError } from '../../domain/index.js';
import type { NewExport, UserJobFilter } from '../../ports/metadata-store.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import {
  type FixtureContext,
  runMetadataStoreContract,
} from '../../ports/metadata-store.contract.js';
import {
  createTestDatabase,
  postgresOrSkip,
  type TestDatabase,
} from '../../../test/support/postgres.js';
import { FIRST_OBJECT_ID } from '../sql/object-ids.js';
import { PostgresMetadataStore } from './postgres-metadata-store.js';

let database: TestDatabase | undefined;
let admin: pg.Client | undefined;

/** The file's database (created on first use) and a connection to it for plain SQL. */
async function shared(ctx: FixtureContext): Promise<{ url: string; sql: pg.Client }> {
  database ??= await postgresOrSkip(ctx);
  if (!database) throw new Error('unreachable: postgresOrSkip skipped the test');
  if (!admin) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    // Tests need no commit to survive a crash, and waiting for each one's flush is most of
    // their time; sessions opened from now on commit without waiting.
    await client.query(`ALTER DATABASE ${database.name} SET synchronous_commit = off`);
    admin = client;
  }
  return { url: database.url, sql: admin };
}

afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

/**
 * Empties every table of the store (not the migrations' own). DELETE, not TRUNCATE: TRUNCATE
 * makes new files for every table and index (a quarter of a second here, per test), and with
 * triggers off for the transaction (`session_replication_role`, which a superuser may set)
 * foreign keys need no order. Ids keep counting up, which no test minds.
 */
async function emptyTables(sql: pg.Client): Promise<void> {
  const { rows } = await sql.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely%'",
  );
  const deletes = rows.map((row) => `DELETE FROM "${row.tablename}";`).join(' ');
  await sql.query(`BEGIN; SET LOCAL session_replication_role = replica; ${deletes} COMMIT`);
}

runMetadataStoreContract('PostgresMetadataStore on a test database', async (ctx) => {
  const { url, sql } = await shared(ctx);
  const store = new PostgresMetadataStore({ url, maxConnections: 4 });
  await store.init();
  await emptyTables(sql);
  return { store, cleanup: () => store.close() };
});

const T0 = 1_767_225_600;

describe('PostgresMetadataStore on a server', () => {
  const opened: PostgresMetadataStore[] = [];

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  function open(url: string): PostgresMetadataStore {
    const store = new PostgresMetadataStore({ url, maxConnections: 2 });
    opened.push(store);
    return store;
  }

  async function until(check: () => boolean, timeoutMs: number): Promise<number> {
    const start = Date.now();
    while (!check()) {
      if (Date.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return Date.now() - start;
  }

  /** The store's mark once it has stayed the same for 100 ms. */
  async function settled(store: PostgresMetadataStore): Promise<number> {
    for (;;) {
      const mark = store.changeMark();
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (store.changeMark() === mark) return mark;
    }
  }

  it('lets two processes starting at once on a fresh database both migrate it', async (ctx) => {
    await shared(ctx);
    const fresh = await createTestDatabase();
    try {
      const first = open(fresh.url);
      const second = open(fresh.url);
      await Promise.all([first.init(), second.init()]);
      const community = await first.communities.create({ name: 'Acme', createTime: T0 });
      expect(community.id).toBe(String(FIRST_OBJECT_ID));
      expect(await second.communities.list()).toEqual([community]);
      expect(await second.schemaVersion()).toBe(await first.schemaVersion());
      await first.close();
      await second.close();
    } finally {
      await fresh.drop();
    }
  });

  it('keeps data across close and reopen, and applies migrations once', async (ctx) => {
    const { url, sql } = await shared(ctx);
    const first = open(url);
    await first.init();
    await emptyTables(sql);
    const community = await first.communities.create({ name: 'Acme', createTime: T0 });
    const version = await first.schemaVersion();
    await first.close();
    const applied = await sql.query<{ name: string }>(
      'SELECT name FROM kysely_migration ORDER BY name',
    );
    expect(applied.rows[0]?.name).toBe('0001_initial');
    expect(applied.rows.at(-1)?.name).toBe(version);

    const second = open(url);
    await second.init();
    await second.init(); // a second init on an open store changes nothing
    expect(await second.communities.list()).toEqual([community]);
    expect(await second.findObject(community.id)).toEqual({
      kind: 'community',
      communityId: community.id,
    });
    expect((await sql.query('SELECT name FROM kysely_migration ORDER BY name')).rows).toEqual(
      applied.rows,
    );
  });

  it('runs a metadata migration numbered below content migrations already applied', async (ctx) => {
    const { url, sql } = await shared(ctx);
    const first = open(url);
    await first.init();
    await first.close();
    // A database migrated before 0002 existed: it has 0101 and 0201, not 0002.
    await sql.query('DROP TABLE pending_reveals');
    await sql.query("DELETE FROM kysely_migration WHERE name = '0002_pending_reveals'");
    const second = open(url);
    await second.init();
    await second.pendingReveals.put(
      { id: 'r', ownerHash: 'o', ciphertext: 'c', expireTimeMs: T0 * 1000 + 1 },
      1,
    );
    expect(await second.pendingReveals.take('r', 'o', T0 * 1000)).toBe('c');
  });

  it('fills in the search keys of members made before migration 0005, so searches find them', async (ctx) => {
    const { url, sql } = await shared(ctx);
    const first = open(url);
    await first.init();
    await emptyTables(sql);
    const community = await first.communities.create({ name: 'Acme', createTime: T0 });
    for (const name of ['Zoë Ångström', 'Ada']) {
      await first.members.create(community.id, { name, email: null, status: 'active' });
    }
    await first.close();
    // The database as the release before 0005 left it.
    await sql.query('ALTER TABLE members DROP COLUMN search_key');
    await sql.query("DELETE FROM kysely_migration WHERE name = '0006_member_search_keys'");
    const second = open(url);
    await second.init();
    const found = await second.members.search(community.id, 'ZOE ANGSTROM', 5);
    expect(found.map((member) => member.name)).toEqual(['Zoë Ångström']);
    expect(await second.members.countSearch(community.id, 'a')).toBe(2);
  });

  it('gives a reveal to one of two stores taking it at once', async (ctx) => {
    const { url, sql } = await shared(ctx);
    const [first, second] = [open(url), open(url)];
    await Promise.all([first.init(), second.init()]);
    await emptyTables(sql);
    for (let n = 0; n < 10; n++) {
      const id = `r${n}`;
      await first.pendingReveals.put(
        { id, ownerHash: 'o', ciphertext: id, expireTimeMs: T0 * 1000 + 1 },
        10,
      );
      const answers = await Promise.all(
        [first, second, first, second].map((store) =>
          store.pendingReveals.take(id, 'o', T0 * 1000),
        ),
      );
      expect(answers.filter((answer) => answer !== undefined)).toEqual([id]);
    }
  });

  it("sees another store's revoke within a second through its change mark", async (ctx) => {
    const { url, sql } = await shared(ctx);
    const writer = open(url);
    const reader = open(url);
    await Promise.all([writer.init(), reader.init()]);
    await emptyTables(sql);
    const communityId = (await writer.communities.create({ name: 'Acme', createTime: T0 })).id;
    const integration = await writer.integrations.create({
      communityId,
      name: 'exporter',
      appSecret: 'secret',
      requireAppsecretProof: false,
      createTime: T0,
    });
    const token = await writer.tokens.create({
      integrationId: integration.id,
      communityId,
      tokenHash: 'a'.repeat(64),
      hint: 'aaaa',
      permissions: ['read_company_data_exports'],
      createTime: T0,
    });
    const before = await settled(reader); // the notices of the writes above have all come
    await reader.tokens.get(token.id);
    expect(reader.changeMark()).toBe(before); // reads move nothing

    await writer.tokens.revoke(token.id, T0 + 1);
    const waited = await until(() => reader.changeMark() !== before, 1000);
    expect(waited).toBeLessThan(1000);
    expect((await reader.tokens.get(token.id))?.revokeTime).toBe(T0 + 1);
  });

  it('gives a new mark on every read while its listening connection is lost, and listens again', async (ctx) => {
    const { url, sql } = await shared(ctx);
    const store = open(url);
    const other = open(url);
    await Promise.all([store.init(), other.init()]);
    await sql.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE application_name = 'dyi-export changes' AND datname = current_database()`,
    );
    // Until it notices, the mark may stay; once it does, no two reads agree until it is back.
    await until(() => store.changeMark() !== store.changeMark(), 1000);
    await until(() => store.changeMark() === store.changeMark(), 2000);
    const listening = store.changeMark();
    await other.settings.set('key', 'value');
    await until(() => store.changeMark() !== listening, 1000);
  });

  it('counts jobs per state with triggers, whatever wrote them', async (ctx) => {
    const { url, sql } = await shared(ctx);
    const store = open(url);
    await store.init();
    const community = await store.communities.create({ name: 'Acme', createTime: T0 });
    const made = await store.exports.create(
      {
        communityId: community.id,
        createTime: T0,
        dataTypes: ['POSTS_YOUR_ACTIVITY'],
        dyiFormat: 'JSON',
        mediaQuality: 'HIGH',
        keepOriginalMedia: false,
        withholdOthersMedia: false,
        startTime: 0,
        endTime: T0,
        idempotencyKey: null,
      },
      [
        { jobType: 'COMPANY', userId: null, dataTypes: [] },
        { jobType: 'USER', userId: '1', dataTypes: ['POSTS_YOUR_ACTIVITY'] },
        { jobType: 'USER', userId: '2', dataTypes: ['POSTS_YOUR_ACTIVITY'] },
      ],
    );
    const company = await store.jobs.companyJob(made.id);
    await store.jobs.transition(company.id, ['PENDING'], { state: 'IN_PROGRESS', time: T0 });
    await store.jobs.setProgress(company.id, 0.25, T0);
    expect(await store.exports.countJobs(made.id)).toMatchObject({
      total: 3,
      pending: 2,
      inProgress: 1,
      runningProgress: 0.25,
    });
    // Another process moving jobs by plain SQL, several in one statement, is counted too.
    await sql.query(
      "UPDATE dyi_jobs SET state = 'COMPLETED', left_out_count = 2 WHERE export_id = $1 AND job_type = 'USER'",
      [Number(made.id)],
    );
    await store.exports.cancel(made.id, T0 + 1);
    expect(await store.exports.countJobs(made.id)).toEqual({
      total: 3,
      pending: 0,
      inProgress: 0,
      completed: 2,
      aborted: 1,
      failed: 0,
      runningProgress: 0,
      leftOut: 4,
    });
  });

  it("plans a large export's first page of jobs as an index read, without waiting for autovacuum", async (ctx) => {
    const { url, sql } = await shared(ctx);
    const store = open(url);
    await store.init();
    const community = await store.communities.create({ name: 'Acme', createTime: T0 });
    const users = 20_000;
    const made = await store.exports.create(
      {
        communityId: community.id,
        createTime: T0,
        dataTypes: ['POSTS_YOUR_ACTIVITY'],
        dyiFormat: 'JSON',
        mediaQuality: 'HIGH',
        keepOriginalMedia: false,
        withholdOthersMedia: false,
        startTime: 0,
        endTime: T0,
        idempotencyKey: null,
      },
      [
        { jobType: 'COMPANY', userId: null, dataTypes: [] },
        ...Array.from({ length: users }, (_, i) => ({
          jobType: 'USER' as const,
          userId: String(i + 1),
          dataTypes: ['POSTS_YOUR_ACTIVITY' as const],
        })),
      ],
    );
    // With stale statistics the planner takes the new export for a few rows, and answers its
    // first page with a bitmap scan of all its jobs and a sort (2 s at 1,000,000 jobs) instead
    // of reading the first 101 index entries.
    const { rows } = await sql.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      "EXPLAIN (FORMAT JSON) SELECT * FROM dyi_jobs WHERE export_id = $1 AND job_type = 'USER'",
      [Number(made.id)],
    );
    expect(rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows']).toBeGreaterThan(users / 2);
    const page = await store.jobs.listUserJobs(made.id, { limit: 100 });
    expect(page.items).toHaveLength(100);
    expect(page.hasNext).toBe(true);
  });

  /**
   * A page from a cursor used to take two statements (the page, then a probe for a row on the
   * cursor's other side); it takes one now when the cursor's item is still in the list, as it
   * is for every `next` and `previous` link (`keyset-page.ts`), and two otherwise. Every page
   * from every position, each way, with and without filters, is checked against the whole list
   * read at once: the same items (whole records) in the same order, so the same cursors, and
   * the same `hasPrevious`/`hasNext`, so the same `previous` and `next` links.
   */
  it('answers every page from a cursor as the whole list says, in one statement from an item', async (ctx) => {
    const { url } = await shared(ctx);
    const store = open(url);
    await store.init();
    const community = await store.communities.create({ name: 'Paging', createTime: T0 });
    const memberIds: Id[] = [];
    for (let i = 0; i < 45; i++) {
      const name = i % 3 === 0 ? `Ann ${i}` : `Bob ${i}`;
      const member = await store.members.create(community.id, {
        name,
        email: `p${i}@example.com`,
        status: 'active',
      });
      memberIds.push(member.id);
    }
    const input: NewExport = {
      communityId: community.id,
      createTime: T0,
      dataTypes: ['POSTS_YOUR_ACTIVITY'],
      dyiFormat: 'JSON',
      mediaQuality: 'HIGH',
      keepOriginalMedia: false,
      withholdOthersMedia: false,
      startTime: 0,
      endTime: T0,
      idempotencyKey: null,
    };
    const plan = (ids: readonly Id[]) => [
      { jobType: 'COMPANY' as const, userId: null, dataTypes: [] },
      ...ids.map((userId) => ({
        jobType: 'USER' as const,
        userId,
        dataTypes: ['POSTS_YOUR_ACTIVITY' as const],
      })),
    ];
    // Other exports' jobs on both sides of ours.
    const before = await store.exports.create(input, plan(memberIds.slice(0, 3)));
    const made = await store.exports.create(input, plan(memberIds));
    const after = await store.exports.create(input, plan(memberIds.slice(0, 3)));
    const whole = async (filter: UserJobFilter): Promise<readonly DyiJob[]> =>
      (await store.jobs.listUserJobs(made.id, { limit: 1000 }, filter)).items;
    // Every other job running: the filtered lists have holes between their ids.
    for (const [i, job] of (await whole({})).entries()) {
      if (i % 2 === 1) {
        await store.jobs.transition(job.id, ['PENDING'], { state: 'IN_PROGRESS', time: T0 + 1 });
      }
    }
    const everyJob = await whole({});
    expect(everyJob).toHaveLength(memberIds.length);
    const others = [
      ...(await store.jobs.idsOfExport(before.id)),
      ...(await store.jobs.idsOfExport(after.id)),
      (await store.jobs.companyJob(made.id)).id,
    ];
    // Positions: every job's id, the ids next to each, other exports' jobs, beyond both ends.
    const positions = new Set<number>([1, 9_000_000_000_000_000, ...others.map(Number)]);
    for (const job of everyJob) for (const d of [-1, 0, 1]) positions.add(Number(job.id) + d);

    const queries = vi.spyOn(pg.Client.prototype, 'query');
    try {
      const filters: UserJobFilter[] = [
        {},
        { state: 'IN_PROGRESS' },
        { member: 'ann' },
        { member: 'ann', state: 'PENDING' },
      ];
      for (const filter of filters) {
        const list = await whole(filter);
        expect(list.length).toBeGreaterThan(5);
        const items = new Set(list.map((job) => Number(job.id)));
        for (const limit of [1, 4, 100]) {
          for (const position of positions) {
            for (const side of ['after', 'before'] as const) {
              const request: PageRequest = { limit, [side]: String(position) };
              queries.mockClear();
              const page = await store.jobs.listUserJobs(made.id, request, filter);
              expect(queries, 'statements for one page').toHaveBeenCalledTimes(
                items.has(position) ? 1 : 2,
              );
              expect(page, `${JSON.stringify(filter)} ${side} ${position} limit ${limit}`).toEqual(
                expectedPage(list, side, position, limit),
              );
            }
          }
        }
      }
      // The other lists page the same way: the exports, newest first.
      queries.mockClear();
      const exports = await store.exports.list(community.id, { limit: 1, after: made.id });
      expect(queries).toHaveBeenCalledTimes(1);
      expect(exports.items.map((e) => e.id)).toEqual([before.id]);
      expect(exports).toMatchObject({ hasPrevious: true, hasNext: false });
    } finally {
      queries.mockRestore();
    }
  });

  /** The page of `list` (in ascending id order) from `position`, read off the whole list. */
  function expectedPage(
    list: readonly DyiJob[],
    side: 'after' | 'before',
    position: number,
    limit: number,
  ): Page<DyiJob> {
    if (side === 'after') {
      const beyond = list.filter((job) => Number(job.id) > position);
      return {
        items: beyond.slice(0, limit),
        hasPrevious: beyond.length < list.length,
        hasNext: beyond.length > limit,
      };
    }
    const behind = list.filter((job) => Number(job.id) < position);
    return {
      items: behind.slice(Math.max(0, behind.length - limit)),
      hasPrevious: behind.length > limit,
      hasNext: behind.length < list.length,
    };
  }

  it('refuses a database written by a newer version, naming it without its password', async (ctx) => {
    const { url, sql } = await shared(ctx);
    const first = open(url);
    await first.init();
    await sql.query(
      "INSERT INTO kysely_migration (name, timestamp) VALUES ('9999_from_the_future', $1)",
      [new Date(0).toISOString()],
    );
    try {
      const withPassword = new URL(url);
      withPassword.password = 'hunter2';
      const newer = open(withPassword.toString());
      const failure = await newer.init().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(DatabaseTooNewError);
      const message = (failure as DatabaseTooNewError).message;
      expect(message).toContain(database?.name);
      expect(message).not.toContain('hunter2');
      expect(message).toContain('9999_from_the_future');
      expect(message).toContain('Upgrade dyi-export, or point --database-url at another database');
      expect(() => newer.changeMark()).toThrow(/before init\(\)/);
    } finally {
      await sql.query("DELETE FROM kysely_migration WHERE name = '9999_from_the_future'");
    }
  });

  it('answers a server that cannot be reached with a TransientError', async (ctx) => {
    await shared(ctx);
    const store = open('postgres://postgres@127.0.0.1:1/nowhere');
    await expect(store.init()).rejects.toBeInstanceOf(TransientError);
  });
});
