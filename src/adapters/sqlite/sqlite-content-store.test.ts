/**
 * @module
 * Runs the ContentStore contract on a SQLite file shared with a SqliteMetadataStore, as the
 * runtime opens them, plus what only this adapter has: the rows it keeps in step with each
 * other, its refusal of times that would not sort, and a store opened before the metadata store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ContentRecord, linksOf } from '../../domain/index.js';
import { runContentStoreContract } from '../../ports/content-store.contract.js';
import { SqliteContentStore } from './sqlite-content-store.js';
import { SqliteMetadataStore } from './sqlite-metadata-store.js';

/** The metadata store's reads may see another connection's commit a millisecond late. */
const METADATA_STALENESS_MS = 2;

runContentStoreContract('SqliteContentStore on a temporary file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dyi-content-contract-'));
  const filename = path.join(dir, 'dyi.sqlite');
  const metadata = new SqliteMetadataStore({ filename });
  await metadata.init();
  const content = new SqliteContentStore({ filename });
  await content.init();
  return {
    content,
    metadata,
    settle: () => new Promise((resolve) => setTimeout(resolve, METADATA_STALENESS_MS)),
    async cleanup() {
      await content.close();
      await metadata.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

const T0 = 1_767_225_600;

describe('SqliteContentStore on disk', () => {
  let dir: string;
  let filename: string;
  let content: SqliteContentStore;
  let metadata: SqliteMetadataStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dyi-content-'));
    filename = path.join(dir, 'data', 'dyi.sqlite');
    // Opened first on purpose: the content store migrates a new file by itself.
    content = new SqliteContentStore({ filename });
    await content.init();
    metadata = new SqliteMetadataStore({ filename });
    await metadata.init();
  });

  afterEach(async () => {
    await content.close();
    await metadata.close();
    await rm(dir, { recursive: true, force: true });
  });

  function rows(sql: string, ...parameters: unknown[]): unknown[] {
    const sqlite = new Database(filename, { readonly: true });
    try {
      return sqlite.prepare(sql).all(...parameters);
    } finally {
      sqlite.close();
    }
  }

  it('keeps the link columns and other involved members in step with a replaced record', async () => {
    const acme = (await metadata.communities.create({ name: 'Acme', createTime: T0 })).id;
    const thread = (participants: string[], time: number): ContentRecord => ({
      type: 'chat_thread',
      id: 't1',
      name: null,
      participants,
      created_time: time,
    });
    await content.write(acme, [thread(['alice', 'bob'], T0)]);
    await content.write(acme, [thread(['carol', 'alice'], T0 + 5)]);
    expect(rows('SELECT owner, parent, created_time, data FROM content_records')).toEqual([
      {
        owner: 'carol',
        parent: null,
        created_time: T0 + 5,
        data: JSON.stringify(thread(['carol', 'alice'], T0 + 5)),
      },
    ]);
    // The owner is found by its column; only the other participants have rows.
    expect(rows('SELECT member, created_time FROM content_involves ORDER BY member')).toEqual([
      { member: 'alice', created_time: T0 + 5 },
    ]);
  });

  it('keeps, of records written again in a batch or a later one, the rows of the last', async () => {
    // Batches of threads and connections with few ids and members, so that records replace
    // records of their own batch and of earlier ones: every row must be what writing the
    // records one at a time, in order, leaves.
    const member = fc.constantFrom('alice', 'bob', 'carol', 'dave');
    const record: fc.Arbitrary<ContentRecord> = fc.oneof(
      fc.record({
        type: fc.constant('chat_thread' as const),
        id: fc.constantFrom('t1', 't2', 't3'),
        name: fc.constant(null),
        participants: fc.array(member, { maxLength: 4 }),
        created_time: fc.integer({ min: T0, max: T0 + 9 }),
      }),
      fc.record({
        type: fc.constant('connection' as const),
        id: fc.constantFrom('c1', 'c2'),
        member,
        other: member,
        created_time: fc.integer({ min: T0, max: T0 + 9 }),
      }),
    );
    const batches = fc.array(fc.array(record, { minLength: 1, maxLength: 8 }), {
      minLength: 1,
      maxLength: 4,
    });
    await fc.assert(
      fc.asyncProperty(batches, async (written) => {
        const community = (await metadata.communities.create({ name: 'Acme', createTime: T0 })).id;
        for (const batch of written) await content.write(community, batch);
        const last = new Map(written.flat().map((r) => [`${r.type} ${r.id}`, r]));
        const expected = [...last.values()].flatMap((r) => {
          const { owner, involves } = linksOf(r);
          return involves
            .filter((who) => who !== owner)
            .map((who) => `${r.type} ${r.id} ${who} ${r.created_time}`);
        });
        const involved = rows(
          `SELECT kind, id, member, created_time FROM content_involves WHERE community_id = ?`,
          Number(community),
        ) as { kind: string; id: string; member: string; created_time: number }[];
        expect(
          involved.map((row) => `${row.kind} ${row.id} ${row.member} ${row.created_time}`).sort(),
        ).toEqual(expected.sort());
        const stored = rows(
          'SELECT kind, id, data FROM content_records WHERE community_id = ? ORDER BY kind, id',
          Number(community),
        );
        expect(stored).toEqual(
          [...last.values()]
            .map((r) => ({ kind: r.type, id: r.id, data: JSON.stringify(r) }))
            .sort((a, b) => (`${a.kind} ${a.id}` < `${b.kind} ${b.id}` ? -1 : 1)),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('gives member records ids from objects, and their record id as source_id', async () => {
    const acme = (await metadata.communities.create({ name: 'Acme', createTime: T0 })).id;
    const made = await metadata.members.create(acme, {
      name: 'Dana',
      email: null,
      status: 'active',
    });
    await content.write(acme, [
      {
        type: 'member',
        id: 'alice',
        name: 'Alice',
        email: null,
        title: null,
        department: null,
        manager: null,
        location: null,
        phone: null,
        status: 'active',
        created_time: T0,
      },
    ]);
    const members = rows(
      `SELECT m.id, m.source_id, o.kind, o.community_id FROM members m
       JOIN objects o ON o.id = m.id ORDER BY m.id`,
    );
    expect(members).toEqual([
      { id: Number(made.id), source_id: null, kind: 'member', community_id: Number(acme) },
      { id: Number(made.id) + 1, source_id: 'alice', kind: 'member', community_id: Number(acme) },
    ]);
  });

  it('refuses a created_time that is not a whole number, as a validation error', async () => {
    const acme = (await metadata.communities.create({ name: 'Acme', createTime: T0 })).id;
    const bad = { type: 'search', id: 's1', member: 'bob', query: 'x', created_time: 'soon' };
    await expect(content.write(acme, [bad as unknown as ContentRecord])).rejects.toMatchObject({
      code: 'validation',
      message: expect.stringContaining('search s1'),
    });
    expect(rows('SELECT count(*) AS n FROM content_records')).toEqual([{ n: 0 }]);
  });

  it('refuses to be used before init() or after close()', async () => {
    const closed = new SqliteContentStore({ filename });
    await expect(closed.count('1', { kind: 'post' })).rejects.toThrow(/before init\(\)/);
  });
});
