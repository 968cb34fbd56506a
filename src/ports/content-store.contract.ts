/**
 * @module
 * The behaviour every ContentStore adapter must show, as one vitest suite that each adapter's
 * test file runs against a real database (SQLite and PostgreSQL), next to the metadata
 * store of the same database: member records become members that exports plan jobs for. The
 * reads get the most attention, because their bugs are silent: a record skipped or repeated at
 * a page boundary, or one second off at a range boundary, still renders a plausible export.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONTENT_KINDS,
  type ContentKind,
  type ContentRecord,
  type ContentRecordOf,
  type Id,
  type MemberRecord,
  type MemberStatus,
  type PostRecord,
} from '../domain/index.js';
import type { ContentQuery, ContentStore } from './content-store.js';
import type { CommunityRepository, MemberRepository, MetadataStore } from './metadata-store.js';

/** What this suite asks of the metadata store of the content store's database. */
export interface ContentContractMetadata {
  readonly communities: Pick<CommunityRepository, 'create'>;
  readonly members: Pick<
    MemberRepository,
    'create' | 'get' | 'getMany' | 'listActiveIds' | 'setStatus' | 'search' | 'countSearch'
  >;
  findObject: MetadataStore['findObject'];
}

export interface ContentStoreFixture {
  /** An initialised store over an empty database of its own. */
  readonly content: ContentStore;
  /** The metadata store of the same database, initialised. */
  readonly metadata: ContentContractMetadata;
  /** Resolves once the metadata store sees every content write (for stores that cache reads). */
  settle?(): Promise<void>;
  /** Closes both stores and removes their database. */
  cleanup(): Promise<void>;
}

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z

/** More records than one read batch of any adapter we have, so that paging is exercised. */
const MANY = 1200;

/** One record of every kind, keys deliberately not in alphabetical order. */
const ONE_OF_EACH: readonly ContentRecord[] = [
  {
    type: 'company',
    id: 'company',
    name: 'Acme',
    description: null,
    website: 'https://acme.example',
    industry: 'Anvils',
    created_time: T0,
  },
  member('alice', 'active'),
  {
    type: 'group',
    id: 'g1',
    name: 'Engineering',
    description: 'Builders',
    privacy: 'CLOSED',
    creator: 'alice',
    created_time: T0,
  },
  {
    type: 'group_membership',
    id: 'g1:bob',
    group: 'g1',
    member: 'bob',
    role: 'ADMIN',
    created_time: T0,
  },
  post('p1', 'alice', T0, { group: 'g1', attachments: ['m1'] }),
  {
    type: 'comment',
    id: 'c1',
    post: 'p1',
    author: 'bob',
    message: 'Agreed ✓',
    attachments: [],
    created_time: T0 + 1,
  },
  {
    type: 'reaction',
    id: 'post:p1:bob',
    target_type: 'post',
    target: 'p1',
    author: 'bob',
    reaction: 'LOVE',
    created_time: T0 + 2,
  },
  thread('t1', ['alice', 'bob', 'carol'], T0),
  {
    type: 'chat_message',
    id: 'cm1',
    thread: 't1',
    author: 'carol',
    text: 'hi <b>all</b>',
    attachments: [],
    created_time: T0 + 3,
  },
  {
    type: 'event',
    id: 'e1',
    title: 'Offsite',
    description: null,
    location: 'Lisbon',
    start_time: T0 + 86_400,
    end_time: null,
    creator: 'alice',
    group: null,
    created_time: T0,
  },
  {
    type: 'event_rsvp',
    id: 'e1:bob',
    event: 'e1',
    member: 'bob',
    response: 'GOING',
    created_time: T0,
  },
  {
    type: 'saved_item',
    id: 's1',
    member: 'bob',
    item_type: 'LINK',
    title: 'Docs',
    url: 'https://docs.example',
    created_time: T0,
  },
  {
    type: 'reported_problem',
    id: 'rp1',
    reporter: 'bob',
    description: 'Slow',
    status: 'OPEN',
    created_time: T0,
  },
  { type: 'kl_category', id: 'k1', title: 'Policies', parent: null, created_time: T0 },
  {
    type: 'kl_article',
    id: 'ka1',
    category: 'k1',
    title: 'Travel',
    body: 'Book early.',
    author: 'alice',
    created_time: T0,
    updated_time: T0 + 10,
  },
  {
    type: 'survey',
    id: 'sv1',
    title: 'Pulse',
    creator: 'alice',
    questions: [{ id: 'q1', text: 'Happy?', kind: 'SINGLE_CHOICE', options: ['yes', 'no'] }],
    created_time: T0,
  },
  {
    type: 'survey_response',
    id: 'sr1',
    survey: 'sv1',
    respondent: 'bob',
    answers: [{ question: 'q1', value: 'yes' }],
    created_time: T0,
  },
  {
    type: 'note',
    id: 'n1',
    author: 'bob',
    title: 'Todo',
    body: '- ship',
    created_time: T0,
    updated_time: null,
  },
  {
    type: 'poll',
    id: 'po1',
    author: 'alice',
    question: 'Lunch?',
    options: [{ id: 'o1', text: 'Pizza' }],
    group: 'g1',
    created_time: T0,
  },
  { type: 'poll_vote', id: 'po1:bob', poll: 'po1', option: 'o1', voter: 'bob', created_time: T0 },
  connection('alice', 'bob', T0),
  { type: 'search', id: 'q1', member: 'bob', query: 'payroll', created_time: T0 },
  {
    type: 'login',
    id: 'l1',
    member: 'bob',
    ip_address: '203.0.113.7',
    user_agent: 'Firefox',
    place: null,
    created_time: T0,
  },
  {
    type: 'media',
    id: 'm1',
    owner: 'alice',
    name: 'IMG_0042.jpg',
    content_type: 'image/jpeg',
    size: 3,
    sha256: 'ab'.repeat(32),
    blob_key: 'content/m1',
    created_time: T0,
  },
];

function member(id: string, status: MemberStatus, name = `Name of ${id}`): MemberRecord {
  return {
    type: 'member',
    id,
    name,
    email: `${id}@acme.example`,
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
  extra: Partial<Pick<PostRecord, 'group' | 'message' | 'attachments'>> = {},
): PostRecord {
  return {
    type: 'post',
    id,
    author,
    group: null,
    message: `post ${id}`,
    attachments: [],
    created_time: time,
    ...extra,
  };
}

function thread(id: string, participants: string[], time: number): ContentRecordOf<'chat_thread'> {
  return { type: 'chat_thread', id, name: null, participants, created_time: time };
}

function connection(a: string, b: string, time: number): ContentRecordOf<'connection'> {
  return { type: 'connection', id: `${a}:${b}`, member: a, other: b, created_time: time };
}

async function collect<K extends ContentKind>(
  records: AsyncIterable<ContentRecordOf<K>>,
): Promise<ContentRecordOf<K>[]> {
  const all: ContentRecordOf<K>[] = [];
  for await (const record of records) all.push(record);
  return all;
}

export function runContentStoreContract(
  name: string,
  create: () => Promise<ContentStoreFixture>,
): void {
  describe(`ContentStore contract: ${name}`, () => {
    let fixture: ContentStoreFixture | undefined;
    let content: ContentStore;
    let metadata: ContentContractMetadata;
    let acme: Id;

    beforeEach(async () => {
      fixture = await create();
      content = fixture.content;
      metadata = fixture.metadata;
      acme = (await metadata.communities.create({ name: 'Acme', createTime: T0 })).id;
    });

    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    function read<K extends ContentKind>(
      query: ContentQuery<K>,
      communityId = acme,
    ): Promise<ContentRecordOf<K>[]> {
      return collect(content.query(communityId, query));
    }

    async function ids(query: ContentQuery, communityId = acme): Promise<string[]> {
      return (await read(query, communityId)).map((record) => record.id);
    }

    async function activeIds(communityId = acme): Promise<readonly Id[]> {
      await fixture?.settle?.();
      return metadata.members.listActiveIds(communityId);
    }

    /** The Graph id of the member a member record made, found through the store. */
    async function graphIdOf(sourceId: string, communityId = acme): Promise<Id> {
      await fixture?.settle?.();
      const candidates = await metadata.members.getMany(
        communityId,
        await metadata.members.listActiveIds(communityId),
      );
      for (const candidate of candidates) {
        if ((await content.member(communityId, candidate.id))?.sourceId === sourceId) {
          return candidate.id;
        }
      }
      throw new Error(`no active member made from member record ${sourceId}`);
    }

    describe('write and query', () => {
      it('reads back one record of every kind exactly as written, key order included', async () => {
        expect(new Set(ONE_OF_EACH.map((r) => r.type))).toEqual(new Set(CONTENT_KINDS));
        const summary = await content.write(acme, ONE_OF_EACH);
        expect(summary.written).toEqual(Object.fromEntries(CONTENT_KINDS.map((kind) => [kind, 1])));
        for (const record of ONE_OF_EACH) {
          const found = await read({ kind: record.type });
          expect(found).toEqual([record]);
          expect(JSON.stringify(found[0])).toBe(JSON.stringify(record));
        }
      });

      it('counts per kind, 0 for kinds with no records', async () => {
        const empty = await content.counts(acme);
        expect(Object.keys(empty).sort()).toEqual([...CONTENT_KINDS].sort());
        expect(Object.values(empty).every((n) => n === 0)).toBe(true);
        await content.write(acme, [...ONE_OF_EACH, post('p2', 'bob', T0), post('p3', 'bob', T0)]);
        const counts = await content.counts(acme);
        for (const kind of CONTENT_KINDS) expect(counts[kind]).toBe(kind === 'post' ? 3 : 1);
        expect(await content.count(acme, { kind: 'post' })).toBe(3);
        expect(await content.count(acme, { kind: 'post', owner: 'bob' })).toBe(2);
        expect(await content.count(acme, { kind: 'chat_thread', involving: 'carol' })).toBe(1);
      });

      it('writes an empty batch as nothing', async () => {
        expect(await content.write(acme, [])).toEqual({ written: {} });
        expect(await content.count(acme, { kind: 'post' })).toBe(0);
      });

      it('replaces a record written again with the same kind and id, and only that one', async () => {
        const comment: ContentRecordOf<'comment'> = {
          type: 'comment',
          id: 'x',
          post: 'x',
          author: 'alice',
          message: 'first',
          attachments: [],
          created_time: T0,
        };
        await content.write(acme, [post('x', 'alice', T0), comment]);
        const summary = await content.write(acme, [
          post('x', 'bob', T0 + 50, { message: 'edited' }),
        ]);
        expect(summary.written).toEqual({ post: 1 });
        expect(await read({ kind: 'post' })).toEqual([
          post('x', 'bob', T0 + 50, { message: 'edited' }),
        ]);
        expect(await ids({ kind: 'post', owner: 'alice' })).toEqual([]);
        expect(await ids({ kind: 'post', involving: 'alice' })).toEqual([]);
        expect(await ids({ kind: 'post', involving: 'bob' })).toEqual(['x']);
        expect(await ids({ kind: 'post', range: { start: T0, end: T0 + 1 } })).toEqual([]);
        // The comment with the same id is another record, untouched.
        expect(await ids({ kind: 'comment' })).toEqual(['x']);
        expect(await content.count(acme, { kind: 'post' })).toBe(1);
      });

      it('keeps the last of several records with one id in a batch', async () => {
        await content.write(acme, [post('x', 'alice', T0), post('x', 'bob', T0 + 1)]);
        expect(await read({ kind: 'post' })).toEqual([post('x', 'bob', T0 + 1)]);
      });

      it('writes all of a batch or nothing of it', async () => {
        await content.write(acme, [post('old', 'alice', T0)]);
        const bad = {
          ...member('mallory', 'active'),
          status: 'suspended',
        } as unknown as MemberRecord;
        const batch: ContentRecord[] = [
          member('bob', 'active'),
          post('old', 'bob', T0 + 9, { message: 'replaced' }),
          ...Array.from({ length: 20 }, (_, i) => post(`new${i}`, 'bob', T0 + i)),
          thread('t9', ['bob', 'carol'], T0),
          bad,
          ...Array.from({ length: 20 }, (_, i) => post(`later${i}`, 'bob', T0 + i)),
        ];
        const failure = await content.write(acme, batch).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure).toMatchObject({ code: 'validation' });
        expect(await read({ kind: 'post' })).toEqual([post('old', 'alice', T0)]);
        expect(await ids({ kind: 'post', involving: 'bob' })).toEqual([]);
        expect(await content.count(acme, { kind: 'chat_thread' })).toBe(0);
        expect(await content.count(acme, { kind: 'member' })).toBe(0);
        expect(await activeIds()).toEqual([]);
      });

      it('refuses a community that does not exist', async () => {
        const gone = String(BigInt(acme) + 1000n);
        await expect(content.write(gone, [post('p', 'alice', T0)])).rejects.toMatchObject({
          code: 'validation',
        });
        expect(await content.counts(gone)).toMatchObject({ post: 0 });
      });
    });

    describe('order and conditions', () => {
      it('orders by created_time, then by id compared as bytes', async () => {
        await content.write(acme, [
          post('b', 'alice', T0 + 1),
          post('9', 'alice', T0),
          post('a', 'alice', T0 + 1),
          post('10', 'alice', T0),
          post('B', 'alice', T0 + 1),
          post('é', 'alice', T0 + 1),
          post('first', 'alice', T0 - 1),
        ]);
        expect(await ids({ kind: 'post' })).toEqual(['first', '10', '9', 'B', 'a', 'b', 'é']);
      });

      it('selects by range: start included, end excluded', async () => {
        await content.write(
          acme,
          [T0 - 1, T0, T0 + 1, T0 + 9, T0 + 10].map((t) => post(`at${t - T0}`, 'alice', t)),
        );
        expect(await ids({ kind: 'post', range: { start: T0, end: T0 + 10 } })).toEqual([
          'at0',
          'at1',
          'at9',
        ]);
        expect(await ids({ kind: 'post', range: { start: T0, end: T0 } })).toEqual([]);
        expect(
          await content.count(acme, { kind: 'post', range: { start: T0, end: T0 + 10 } }),
        ).toBe(3);
      });

      it('selects by owner, ids and parents, each alone and all together', async () => {
        await content.write(acme, [
          post('p1', 'alice', T0),
          post('p2', 'bob', T0 + 1),
          post('p3', 'alice', T0 + 2, { group: 'g1' }),
          post('p4', 'alice', T0 + 3, { group: 'g2' }),
          post('p5', 'bob', T0 + 4, { group: 'g1' }),
        ]);
        expect(await ids({ kind: 'post', owner: 'alice' })).toEqual(['p1', 'p3', 'p4']);
        expect(await ids({ kind: 'post', owner: 'nobody' })).toEqual([]);
        expect(await ids({ kind: 'post', ids: ['p5', 'p2', 'zz'] })).toEqual(['p2', 'p5']);
        expect(await ids({ kind: 'post', ids: [] })).toEqual([]);
        expect(await ids({ kind: 'post', parents: ['g2', 'g1'] })).toEqual(['p3', 'p4', 'p5']);
        expect(await ids({ kind: 'post', parents: [] })).toEqual([]);
        expect(await ids({ kind: 'comment', owner: 'alice' })).toEqual([]);
        const all: ContentQuery = {
          kind: 'post',
          owner: 'alice',
          involving: 'alice',
          ids: ['p1', 'p3', 'p4', 'p5'],
          parents: ['g1', 'g2'],
          range: { start: T0 + 2, end: T0 + 3 },
        };
        expect(await ids(all)).toEqual(['p3']);
        expect(await content.count(acme, all)).toBe(1);
      });

      it('finds chat threads and connections of every member they involve', async () => {
        await content.write(acme, [
          thread('t1', ['alice', 'bob'], T0),
          thread('t2', ['carol', 'alice', 'carol'], T0 + 1),
          connection('alice', 'bob', T0),
          connection('carol', 'alice', T0 + 1),
        ]);
        expect(await ids({ kind: 'chat_thread', involving: 'alice' })).toEqual(['t1', 't2']);
        expect(await ids({ kind: 'chat_thread', involving: 'bob' })).toEqual(['t1']);
        expect(await ids({ kind: 'chat_thread', owner: 'carol' })).toEqual(['t2']);
        expect(await ids({ kind: 'connection', involving: 'bob' })).toEqual(['alice:bob']);
        expect(await ids({ kind: 'connection', involving: 'alice' })).toEqual([
          'alice:bob',
          'carol:alice',
        ]);
        expect(await ids({ kind: 'connection', owner: 'alice' })).toEqual(['alice:bob']);
        expect(await content.count(acme, { kind: 'chat_thread', involving: 'carol' })).toBe(1);

        // A participant who leaves stops being involved; one who joins starts.
        await content.write(acme, [thread('t1', ['alice', 'dave'], T0)]);
        expect(await ids({ kind: 'chat_thread', involving: 'bob' })).toEqual([]);
        expect(await ids({ kind: 'chat_thread', involving: 'dave' })).toEqual(['t1']);
      });

      it('answers which ids exist, of one kind, in one community', async () => {
        await content.write(acme, [post('p1', 'alice', T0), post('p2', 'alice', T0)]);
        expect(await content.existing(acme, 'post', ['p2', 'p3', 'p1'])).toEqual(
          new Set(['p1', 'p2']),
        );
        expect(await content.existing(acme, 'comment', ['p1'])).toEqual(new Set());
        expect(await content.existing(acme, 'post', [])).toEqual(new Set());
        // More ids than a database binds in one statement.
        const many = Array.from({ length: 40_000 }, (_, i) => `unknown${i}`);
        expect(await content.existing(acme, 'post', [...many, 'p2'])).toEqual(new Set(['p2']));
      });
    });

    describe('many records', () => {
      // Times repeat and arrive shuffled, so pages end in the middle of a run of equal times.
      const posts = Array.from({ length: MANY }, (_, i) =>
        post(
          `p${String((i * 7919) % MANY).padStart(4, '0')}`,
          i % 2 ? 'alice' : 'bob',
          T0 + (i % 37),
          {
            group: `g${i % 3}`,
          },
        ),
      );
      const inOrder = [...posts].sort(
        (a, b) => a.created_time - b.created_time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
      );

      it('reads every record once, in order, across batches', async () => {
        await content.write(acme, posts);
        expect(await ids({ kind: 'post' })).toEqual(inOrder.map((p) => p.id));
        expect(await ids({ kind: 'post', involving: 'alice' })).toEqual(
          inOrder.filter((p) => p.author === 'alice').map((p) => p.id),
        );
        expect(await ids({ kind: 'post', parents: ['g0', 'g2'] })).toEqual(
          inOrder.filter((p) => p.group !== 'g1').map((p) => p.id),
        );
        expect(await content.count(acme, { kind: 'post' })).toBe(MANY);
        const range = { start: T0 + 3, end: T0 + 30 };
        const inRange = inOrder.filter(
          (p) => p.created_time >= range.start && p.created_time < range.end,
        );
        expect(inRange.length).toBeGreaterThan(MANY / 2);
        expect(await ids({ kind: 'post', range })).toEqual(inRange.map((p) => p.id));
        expect(await ids({ kind: 'post', owner: 'bob', range })).toEqual(
          inRange.filter((p) => p.author === 'bob').map((p) => p.id),
        );
        const wanted = inOrder.filter((_, i) => i % 2 === 0).map((p) => p.id);
        expect(await ids({ kind: 'post', ids: [...wanted].reverse() })).toEqual(wanted);
      });

      it('stops reading when the reader stops', async () => {
        await content.write(acme, posts);
        const first: string[] = [];
        for await (const record of content.query(acme, { kind: 'post' })) {
          first.push(record.id);
          if (first.length === 3) break;
        }
        expect(first).toEqual(inOrder.slice(0, 3).map((p) => p.id));
        // The store is still usable for writes after an abandoned read.
        await content.write(acme, [post('after', 'alice', T0)]);
        expect(await content.count(acme, { kind: 'post' })).toBe(MANY + 1);
      });

      it('reads while writing between batches', async () => {
        await content.write(acme, posts);
        let seen = 0;
        for await (const record of content.query(acme, { kind: 'post', owner: 'bob' })) {
          if (seen++ % 400 === 0) {
            await content.write(acme, [{ ...record, message: 'touched' }]);
          }
        }
        expect(seen).toBe(MANY / 2);
      });
    });

    describe('members', () => {
      it('makes an active member of each member record, which exports plan jobs for', async () => {
        await content.write(acme, [member('alice', 'active'), member('bob', 'active')]);
        const active = await activeIds();
        expect(active).toHaveLength(2);
        const alice = await graphIdOf('alice');
        expect(await content.member(acme, alice)).toEqual({
          memberId: alice,
          sourceId: 'alice',
          status: 'active',
        });
        expect(await metadata.members.get(alice)).toMatchObject({
          id: alice,
          communityId: acme,
          name: 'Name of alice',
          email: 'alice@acme.example',
          status: 'active',
        });
        expect(await metadata.findObject(alice)).toEqual({ kind: 'member', communityId: acme });
      });

      it('updates the member when its record is written again, and follows its status', async () => {
        await content.write(acme, [member('alice', 'active')]);
        const alice = await graphIdOf('alice');
        await content.write(acme, [member('alice', 'deactivated', 'Alice Renamed')]);
        expect(await activeIds()).toEqual([]);
        expect(await content.member(acme, alice)).toMatchObject({ status: 'deactivated' });
        expect(await metadata.members.get(alice)).toMatchObject({
          name: 'Alice Renamed',
          status: 'deactivated',
        });
        await content.write(acme, [member('alice', 'deleted')]);
        expect(await content.member(acme, alice)).toMatchObject({ status: 'deleted' });
        await content.write(acme, [member('alice', 'active')]);
        expect(await activeIds()).toEqual([alice]);
        expect(await content.count(acme, { kind: 'member' })).toBe(1);
      });

      it('keeps what the panel finds a member by true as member records come and change', async () => {
        const found = async (text: string): Promise<string[]> => {
          await fixture?.settle?.();
          return (await metadata.members.search(acme, text, 10)).map((m) => m.name);
        };
        await content.write(acme, [
          member('zoe', 'active', 'Zoë Ångström'),
          { ...member('noel', 'deactivated', 'NOËL Çelik'), email: 'Noel.C@Acme.Example' },
        ]);
        expect(await found('zoe angstrom')).toEqual(['Zoë Ångström']);
        expect(await found('ZOË')).toEqual(['Zoë Ångström']);
        expect(await found('noel.c@acme')).toEqual(['NOËL Çelik']);
        expect(await found('celik')).toEqual(['NOËL Çelik']);
        expect(await metadata.members.countSearch(acme, 'OE')).toBe(2);
        // Written again with another name and email: found by the new ones only.
        await content.write(acme, [
          { ...member('zoe', 'active', 'Zoé Berg'), email: 'zberg@acme.example' },
        ]);
        expect(await found('angstrom')).toEqual([]);
        expect(await found('zoe@acme')).toEqual([]);
        expect(await found('zoe b')).toEqual(['Zoé Berg']);
        expect(await found('ZBERG@')).toEqual(['Zoé Berg']);
        expect(await metadata.members.countSearch(acme, 'oe')).toBe(2);
      });

      it('gives members made without a record their Graph id as content id', async () => {
        const made = await metadata.members.create(acme, {
          name: 'Dana',
          email: null,
          status: 'active',
        });
        expect(await content.member(acme, made.id)).toEqual({
          memberId: made.id,
          sourceId: made.id,
          status: 'active',
        });
        await metadata.members.setStatus(made.id, 'deleted');
        await fixture?.settle?.();
        expect(await content.member(acme, made.id)).toMatchObject({ status: 'deleted' });
      });

      it('answers undefined for unknown, malformed and foreign member ids', async () => {
        const other = (await metadata.communities.create({ name: 'Other', createTime: T0 })).id;
        await content.write(other, [member('alice', 'active')]);
        const foreign = await graphIdOf('alice', other);
        expect(await content.member(acme, foreign)).toBeUndefined();
        expect(await content.member(acme, '9999999999999999')).toBeUndefined();
        expect(await content.member(acme, 'alice')).toBeUndefined();
        expect(await content.member(acme, acme)).toBeUndefined();
      });

      it('finds a member of any status by import id, in its own community only', async () => {
        await content.write(acme, [member('alice', 'active')]);
        const alice = await graphIdOf('alice');
        await content.write(acme, [member('alice', 'deactivated')]);
        const made = await metadata.members.create(acme, {
          name: 'Dana',
          email: null,
          status: 'active',
        });
        const other = (await metadata.communities.create({ name: 'Other', createTime: T0 })).id;
        await content.write(other, [member('bob', 'active')]);
        expect(await content.memberIdOf(acme, 'alice')).toBe(alice);
        expect(await content.memberIdOf(acme, made.id)).toBe(made.id);
        expect(await content.memberIdOf(acme, alice)).toBeUndefined();
        expect(await content.memberIdOf(acme, 'bob')).toBeUndefined();
        expect(await content.memberIdOf(acme, 'nobody')).toBeUndefined();
      });
    });

    it('keeps communities apart', async () => {
      const other = (await metadata.communities.create({ name: 'Other', createTime: T0 })).id;
      await content.write(acme, [post('p1', 'alice', T0), member('alice', 'active')]);
      await content.write(other, [
        post('p1', 'alice', T0 + 5, { message: 'other' }),
        post('p2', 'alice', T0),
        member('alice', 'deactivated'),
        thread('t1', ['alice'], T0),
      ]);
      expect(await read({ kind: 'post' })).toEqual([post('p1', 'alice', T0)]);
      expect(await ids({ kind: 'post', involving: 'alice' }, other)).toEqual(['p2', 'p1']);
      expect(await ids({ kind: 'chat_thread', involving: 'alice' })).toEqual([]);
      expect(await content.existing(acme, 'post', ['p1', 'p2'])).toEqual(new Set(['p1']));
      expect(await content.count(acme, { kind: 'post' })).toBe(1);
      expect((await content.counts(other)).post).toBe(2);
      expect(await activeIds()).toHaveLength(1);
      expect(await activeIds(other)).toEqual([]);
      const alice = await graphIdOf('alice');
      expect(await content.member(acme, alice)).toMatchObject({ status: 'active' });
    });
  });
}
