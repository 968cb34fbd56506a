/**
 * @module
 * Runs the ContentStore contract on a real PostgreSQL database (one per file, emptied between
 * tests), plus what only this adapter has: the rows it keeps in step, records read back byte
 * for byte as the SQLite store reads them, the indexes its queries use, and member records
 * written by two stores at once.
 *
 * The schema comes from the metadata store's migrations, which run the content ones too.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CompiledQuery, type Kysely, sql } from 'kysely';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  ContentRecord,
  ContentRecordOf,
  Id,
  MemberRecord,
  MemberStatus,
} from '../../domain/index.js';
import type { ContentQuery } from '../../ports/content-store.js';
import { runContentStoreContract } from '../../ports/content-store.contract.js';
import { postgresOrSkip, type TestDatabase } from '../../../test/support/postgres.js';
import {
  contentPageParameters,
  contentPageSql,
  contentSelections,
  numberPlaceholders,
} from '../sql/content-selections.js';
import { SqliteContentStore } from '../sqlite/sqlite-content-store.js';
import { SqliteMetadataStore } from '../sqlite/sqlite-metadata-store.js';
import { POSTGRES_CONTENT_SQL, PostgresContentStore } from './postgres-content-store.js';
import { openPostgres } from './postgres-database.js';
import { PostgresMetadataStore } from './postgres-metadata-store.js';

/** The metadata store, open (its init() runs every migration, the content ones included). */
async function openMetadata(url: string): Promise<PostgresMetadataStore> {
  const metadata = new PostgresMetadataStore({ url, maxConnections: 2 });
  await metadata.init();
  return metadata;
}

/** Runs the migrations once, as a deployment's first process does. */
async function migrateTestDatabase(url: string): Promise<void> {
  await (await openMetadata(url)).close();
}

let database: TestDatabase | undefined;
let migrated = false;

/** The file's database, migrated once; skips the test when there is no PostgreSQL. */
async function testDatabase(ctx: { skip(note?: string): void }): Promise<TestDatabase> {
  database ??= await postgresOrSkip(ctx);
  if (database === undefined) throw new Error('unreachable: postgresOrSkip skipped the test');
  if (!migrated) {
    await migrateTestDatabase(database.url);
    migrated = true;
  }
  return database;
}

/**
 * Empties every table a test writes (ids keep growing, as in use). DELETE, not TRUNCATE: on
 * tables this small it takes a millisecond, TRUNCATE a third of a second of fsyncs.
 */
async function emptyTables(url: string): Promise<void> {
  const db = openPostgres<unknown>({ url, maxConnections: 1 });
  try {
    for (const table of [
      'content_involves',
      'content_records',
      'members',
      'communities',
      'objects',
    ]) {
      await sql.raw(`DELETE FROM ${table}`).execute(db);
    }
  } finally {
    await db.destroy();
  }
}

afterAll(async () => {
  await database?.drop();
});

describe('PostgresContentStore', () => {
  let url: string;

  beforeEach(async (ctx) => {
    url = (await testDatabase(ctx)).url;
    await emptyTables(url);
  });

  runContentStoreContract('PostgresContentStore on a fresh database', async () => {
    const content = new PostgresContentStore({ url, maxConnections: 4 });
    await content.init();
    const metadata = await openMetadata(url);
    return {
      content,
      metadata,
      async cleanup() {
        await content.close();
        await metadata.close();
      },
    };
  });
});

const T0 = 1_767_225_600;

function member(id: string, status: MemberStatus = 'active'): MemberRecord {
  return {
    type: 'member',
    id,
    name: `Name of ${id}`,
    email: null,
    title: null,
    department: null,
    manager: null,
    location: null,
    phone: null,
    status,
    created_time: T0,
  };
}

function post(
  id: string,
  author: string,
  time: number,
  group: string | null = null,
): ContentRecord {
  return {
    type: 'post',
    id,
    author,
    group,
    message: `post ${id} ✓`,
    attachments: [],
    created_time: time,
  };
}

function thread(id: string, participants: string[], time: number): ContentRecordOf<'chat_thread'> {
  return { type: 'chat_thread', id, name: null, participants, created_time: time };
}

async function collect<T>(records: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const record of records) all.push(record);
  return all;
}

describe('PostgresContentStore, its own rows', () => {
  let url: string;
  let db: Kysely<unknown>;
  let content: PostgresContentStore;
  let metadata: PostgresMetadataStore;
  let acme: Id;

  beforeEach(async (ctx) => {
    url = (await testDatabase(ctx)).url;
    await emptyTables(url);
    content = new PostgresContentStore({ url });
    await content.init();
    metadata = await openMetadata(url);
    db = openPostgres<unknown>({ url, maxConnections: 1 });
    acme = (await metadata.communities.create({ name: 'Acme', createTime: T0 })).id;
    return async () => {
      await content.close();
      await metadata.close();
      await db.destroy();
    };
  });

  async function rows(text: string, ...parameters: unknown[]): Promise<unknown[]> {
    return (await db.executeQuery(CompiledQuery.raw(text, parameters))).rows;
  }

  it('keeps the link columns and other involved members in step with a replaced record', async () => {
    await content.write(acme, [thread('t1', ['alice', 'bob'], T0)]);
    await content.write(acme, [thread('t1', ['carol', 'alice'], T0 + 5)]);
    expect(await rows('SELECT owner, parent, created_time, data FROM content_records')).toEqual([
      {
        owner: 'carol',
        parent: null,
        created_time: T0 + 5,
        data: JSON.stringify(thread('t1', ['carol', 'alice'], T0 + 5)),
      },
    ]);
    expect(await rows('SELECT member, created_time FROM content_involves ORDER BY member')).toEqual(
      [{ member: 'alice', created_time: T0 + 5 }],
    );
  });

  it('gives member records ids from objects, in record order, and their record id as source_id', async () => {
    const made = await metadata.members.create(acme, {
      name: 'Dana',
      email: null,
      status: 'active',
    });
    await content.write(acme, [member('bob'), member('alice'), member('bob', 'deleted')]);
    expect(
      await rows(
        `SELECT m.id, m.source_id, m.status, o.kind, o.community_id FROM members m
         JOIN objects o ON o.id = m.id ORDER BY m.id`,
      ),
    ).toEqual([
      {
        id: Number(made.id),
        source_id: null,
        status: 'active',
        kind: 'member',
        community_id: Number(acme),
      },
      {
        id: Number(made.id) + 1,
        source_id: 'bob',
        status: 'deleted',
        kind: 'member',
        community_id: Number(acme),
      },
      {
        id: Number(made.id) + 2,
        source_id: 'alice',
        status: 'active',
        kind: 'member',
        community_id: Number(acme),
      },
    ]);
  });

  it('creates one member when two stores write its record at once', async () => {
    const other = new PostgresContentStore({ url });
    await other.init();
    try {
      await Promise.all([
        content.write(acme, [member('zed'), post('p1', 'zed', T0)]),
        other.write(acme, [post('p2', 'zed', T0), member('zed', 'deactivated')]),
      ]);
    } finally {
      await other.close();
    }
    expect(await rows("SELECT count(*)::int AS n FROM members WHERE source_id = 'zed'")).toEqual([
      { n: 1 },
    ]);
  });

  it('refuses a created_time that is not a whole number, naming the record, writing nothing', async () => {
    const bad = { type: 'search', id: 's1', member: 'bob', query: 'x', created_time: 'soon' };
    await expect(
      content.write(acme, [post('p1', 'bob', T0), bad as unknown as ContentRecord]),
    ).rejects.toMatchObject({ code: 'validation', message: expect.stringContaining('search s1') });
    const nul = post('p\u0000', 'bob', T0);
    await expect(content.write(acme, [nul])).rejects.toMatchObject({ code: 'validation' });
    expect(await rows('SELECT count(*)::int AS n FROM content_records')).toEqual([{ n: 0 }]);
  });

  it('rolls back the whole batch when PostgreSQL refuses a row, as a validation error', async () => {
    const nameless = { ...member('mallory'), name: null } as unknown as ContentRecord;
    const batch = [
      member('bob'),
      ...Array.from({ length: 1500 }, (_, i) => post(`p${i}`, 'bob', T0)),
      nameless,
    ];
    await expect(content.write(acme, batch)).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringContaining('nothing of the batch was written'),
    });
    expect(await rows('SELECT count(*)::int AS n FROM content_records')).toEqual([{ n: 0 }]);
    expect(await rows('SELECT count(*)::int AS n FROM members')).toEqual([{ n: 0 }]);
  });

  it('refuses to be used before init() or after close(), and a database without its tables', async () => {
    const closed = new PostgresContentStore({ url });
    await expect(closed.count(acme, { kind: 'post' })).rejects.toThrow(/before init\(\)/);
    const bare = new URL(url);
    bare.pathname = '/postgres';
    await expect(new PostgresContentStore({ url: bare.toString() }).init()).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringMatching(/no content tables yet; run `dyi migrate`/),
    });
  });

  it('reads back what the SQLite store reads back, byte for byte, for the same records', async () => {
    const records: ContentRecord[] = [
      member('alice'),
      member('bob', 'deactivated'),
      ...Array.from({ length: 700 }, (_, i) =>
        post(`p${(i * 37) % 700}`, i % 3 ? 'alice' : 'bob', T0 + (i % 11), `g${i % 4}`),
      ),
      post('é', 'bob', T0),
      post('Z', 'bob', T0),
      post('~', 'bob', T0),
      post('日本', 'alice', T0 + 3),
      thread('t1', ['alice', 'bob'], T0),
      thread('t2', ['bob', 'carol', 'alice'], T0 + 1),
      { type: 'connection', id: 'alice:bob', member: 'alice', other: 'bob', created_time: T0 },
    ];
    const queries: ContentQuery[] = [
      { kind: 'post' },
      { kind: 'post', owner: 'bob' },
      { kind: 'post', involving: 'alice', range: { start: T0 + 2, end: T0 + 9 } },
      { kind: 'post', parents: ['g3', 'g1'] },
      { kind: 'post', ids: ['p5', 'é', 'Z', 'p699', 'nope'] },
      { kind: 'chat_thread', involving: 'alice' },
      { kind: 'connection', involving: 'bob' },
      { kind: 'member' },
    ];
    const dir = await mkdtemp(path.join(tmpdir(), 'dyi-content-engines-'));
    const filename = path.join(dir, 'dyi.sqlite');
    const sqliteMetadata = new SqliteMetadataStore({ filename });
    await sqliteMetadata.init();
    const sqlite = new SqliteContentStore({ filename });
    await sqlite.init();
    try {
      const community = (await sqliteMetadata.communities.create({ name: 'Acme', createTime: T0 }))
        .id;
      expect(await content.write(acme, records)).toEqual(await sqlite.write(community, records));
      for (const query of queries) {
        const fromPostgres = JSON.stringify(await collect(content.query(acme, query)));
        expect(fromPostgres).toBe(JSON.stringify(await collect(sqlite.query(community, query))));
        expect(await content.count(acme, query)).toBe(await sqlite.count(community, query));
      }
      expect(await content.counts(acme)).toEqual(await sqlite.counts(community));
    } finally {
      await sqlite.close();
      await sqliteMetadata.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds pages through the indexes, never by reading the whole table', async () => {
    const members = Array.from({ length: 50 }, (_, i) => `m${i}`);
    await content.write(acme, [
      ...Array.from({ length: 4000 }, (_, i) =>
        post(`p${i}`, members[i % 50] as string, T0 + (i % 400), `g${i % 200}`),
      ),
      ...Array.from({ length: 1000 }, (_, i) =>
        thread(`t${i}`, [members[i % 50] as string, members[(i + 7) % 50] as string], T0 + i),
      ),
    ]);
    await rows('ANALYZE content_records');
    await rows('ANALYZE content_involves');
    const community = Number(acme);
    const queries: ContentQuery[] = [
      { kind: 'post', owner: 'm3' },
      { kind: 'chat_thread', involving: 'm9' },
      { kind: 'post', parents: ['g1', 'g17'] },
      { kind: 'post', range: { start: T0 + 10, end: T0 + 20 } },
      { kind: 'post', ids: ['p1', 'p2000'] },
    ];
    for (const query of queries) {
      const selections = contentSelections(POSTGRES_CONTENT_SQL, community, query, true);
      const text = numberPlaceholders(contentPageSql(POSTGRES_CONTENT_SQL, selections, false));
      const plan = (await rows(
        `EXPLAIN ${text}`,
        ...contentPageParameters(selections, [T0 + 5, 'p'], community, query.kind),
      )) as { 'QUERY PLAN': string }[];
      const lines = plan.map((line) => line['QUERY PLAN']).join('\n');
      expect(lines, JSON.stringify(query)).not.toMatch(/Seq Scan on content_/);
      expect(lines, JSON.stringify(query)).toMatch(/Index (Only )?Scan using content_/);
    }
  });
});
