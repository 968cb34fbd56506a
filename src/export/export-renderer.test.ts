/**
 * @module
 * The renderers against a real content store (the SQLite runtime in a temporary directory):
 * one small community with records on both sides of the time range, rendered for a member and
 * for the company in every format, and checked the way someone opening the archive would:
 * counts, rows and their keys, escaping, CSV that reads back, chunks that each parse, bytes
 * that do not change from one run to the next.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import {
  DATA_TYPES,
  type ContentKind,
  type ContentMember,
  type ContentRecord,
  type ContentRecordOf,
  type DataType,
  type MediaRecord,
} from '../domain/index.js';
import { openRuntime, type Runtime } from '../runtime.js';
import type { TextEntry } from './archive-entry.js';
import { dataTypeDocument, schemaPath } from './archive-schema.js';
import { dataTypeFolder } from './archive-paths.js';
import { isConversationPage } from './conversation-pages.js';
import { DATA_TYPE_SECTIONS } from './data-type-sections.js';
import { renderDataType, type RenderFormat, type RenderScope } from './export-renderer.js';

const START = Date.UTC(2024, 0, 1) / 1000;
const END = Date.UTC(2024, 6, 1) / 1000;
const day = (n: number): number => START + n * 86_400;

/** A record of `type`, its fields checked against the record type of that kind. */
function record<K extends ContentKind>(
  type: K,
  id: string,
  created: number,
  fields: Omit<ContentRecordOf<K>, 'type' | 'id' | 'created_time'>,
): ContentRecordOf<K> {
  return { type, id, ...fields, created_time: created } as ContentRecordOf<K>;
}

const member = (id: string, name: string, created: number) =>
  record('member', id, created, {
    name,
    email: `${id}@example.com`,
    ...{ title: null, department: 'R&D', manager: null, location: null, phone: null },
    status: 'active',
  });

const media = (id: string, name: string, type: string) =>
  record('media', id, day(1), {
    ...{ owner: 'u1', name, content_type: type, size: 10 },
    ...{ sha256: '0'.repeat(64), blob_key: `blob-${id}` },
  });

const post = (id: string, author: string, created: number, message: string, files: string[] = []) =>
  record('post', id, created, { author, group: null, message, attachments: files });

const comment = (
  id: string,
  author: string,
  created: number,
  message: string,
  files: string[] = [],
) => record('comment', id, created, { post: 'p-bob', author, message, attachments: files });

const reaction = (id: string, author: string, created: number) =>
  record('reaction', id, created, {
    target_type: 'post',
    target: 'p-bob',
    author,
    reaction: 'LIKE',
  });

const message = (
  id: string,
  thread: string,
  author: string,
  created: number,
  files: string[] = [],
) =>
  record('chat_message', id, created, {
    thread,
    author,
    text: `text of ${id}`,
    attachments: files,
  });

const response = (id: string, survey: string, created: number, value: number) =>
  record('survey_response', id, created, {
    survey,
    respondent: 'u1',
    answers: [{ question: 'q', value }],
  });

const membership = (group: string, member: string, created: number) =>
  record('group_membership', `${group}:${member}`, created, { group, member, role: 'MEMBER' });

/** Many small records of u3, so that small chunk limits split its files. */
const BULK = 40;
const padded = (i: number): string => String(i).padStart(2, '0');
const bulk: ContentRecord[] = Array.from({ length: BULK }, (_, i) => [
  post(`bulk-p${padded(i)}`, 'u3', day(30) + i, `bulk post number ${i}`),
  comment(`bulk-c${padded(i)}`, 'u3', day(30) + i, `bulk comment ${i}`),
  reaction(`bulk-r${padded(i)}`, 'u3', day(31) + i),
  message(`bulk-m${padded(i)}`, i % 2 === 0 ? 't2' : 't3', 'u3', day(32) + i),
]).flat();

const RECORDS: ContentRecord[] = [
  record('company', 'company', day(-1000), {
    ...{ name: 'Acme <Corp>', description: null },
    ...{ website: 'https://acme.example', industry: null },
  }),
  member('u1', 'Alice', day(-400)),
  member('u2', 'Bob', day(-10)),
  member('u3', 'Carol', day(10)),
  media('m1', 'photo.jpg', 'image/jpeg'),
  media('m2', 'report.pdf', 'application/pdf'),
  record('group', 'g1', day(-500), {
    ...{ name: 'Engineering', description: null, privacy: 'OPEN', creator: 'u1' },
  }),
  record('group', 'g2', day(2), {
    ...{ name: 'Design', description: null, privacy: 'SECRET', creator: 'u2' },
  }),
  membership('g1', 'u1', day(-300)),
  membership('g2', 'u1', day(5)),
  membership('g1', 'u2', day(6)),
  { ...post('p-start', 'u1', START, 'first day', ['m1', 'm2']), group: 'g1' },
  post('p-script', 'u1', day(3), '<script>alert(1)</script>'),
  post('p-formula', 'u1', day(4), '=HYPERLINK("http://x")'),
  post('p-multi', 'u1', day(5), 'line one\nline "two", with comma'),
  post('p-end', 'u1', END, 'excluded: at the end'),
  post('p-before', 'u1', START - 1, 'excluded: before the start'),
  post('p-bob', 'u2', day(3), 'not Alice'),
  comment('c1', 'u1', day(6), 'nice', ['m1']),
  comment('c2', 'u2', day(6), 'thanks'),
  reaction('r1', 'u1', day(7)),
  reaction('r-old', 'u1', day(-5)),
  record('chat_thread', 't1', day(-100), { name: 'Lunch', participants: ['u2', 'u1'] }),
  record('chat_thread', 't2', day(1), { name: null, participants: ['u2', 'u3'] }),
  record('chat_thread', 't3', day(1), { name: 'Quiet', participants: ['u3'] }),
  record('chat_thread', 't4', day(2), { name: 'Empty', participants: ['u3'] }),
  message('msg1', 't1', 'u2', day(8)),
  message('msg2', 't1', 'u1', day(9), ['m2']),
  message('msg-old', 't1', 'u1', day(-50)),
  message('msg3', 't2', 'u3', day(8)),
  record('event', 'ev1', day(10), {
    ...{ title: 'Offsite', description: null, location: 'Lisbon', group: null },
    ...{ start_time: day(20), end_time: null, creator: 'u1' },
  }),
  record('event', 'ev2', day(10), {
    ...{ title: 'Party', description: null, location: null, group: null },
    ...{ start_time: day(21), end_time: day(22), creator: 'u2' },
  }),
  record('event_rsvp', 'ev2:u1', day(11), { event: 'ev2', member: 'u1', response: 'GOING' }),
  record('saved_item', 's1', day(12), {
    ...{ member: 'u1', item_type: 'LINK', title: 'Docs' },
    url: 'https://example.com/a?b=1&c=2',
  }),
  record('saved_item', 's2', day(12), {
    ...{ member: 'u1', item_type: 'LINK', title: 'Trap' },
    url: 'javascript:alert(1)',
  }),
  record('reported_problem', 'rp1', day(13), {
    ...{ reporter: 'u1', description: 'Broken', status: 'OPEN' },
  }),
  record('poll', 'poll1', day(14), {
    ...{ author: 'u1', question: 'Pizza?', group: null },
    options: [
      { id: 'o1', text: 'Yes' },
      { id: 'o2', text: 'No' },
    ],
  }),
  record('poll_vote', 'poll1:u1', day(15), { poll: 'poll1', option: 'o2', voter: 'u1' }),
  record('note', 'n1', day(16), { author: 'u1', title: 'Todo', body: 'Ship', updated_time: null }),
  record('search', 'q1', day(17), { member: 'u1', query: '+cmd' }),
  record('login', 'l1', day(18), {
    ...{ member: 'u1', ip_address: '192.0.2.1', user_agent: 'Firefox', place: null },
  }),
  record('connection', 'u2:u1', day(19), { member: 'u2', other: 'u1' }),
  record('connection', 'u1:u3', day(-20), { member: 'u1', other: 'u3' }),
  record('kl_category', 'cat1', day(-200), { title: 'Handbook', parent: null }),
  record('kl_category', 'cat2', day(300), { title: 'Later', parent: 'cat1' }),
  record('kl_article', 'a1', day(20), {
    ...{ category: 'cat1', title: 'Welcome', body: 'Hello', author: 'u2' },
    updated_time: day(25),
  }),
  record('kl_article', 'a2', day(300), {
    ...{ category: 'cat1', title: 'Future', body: '-', author: 'u2' },
    updated_time: null,
  }),
  record('survey', 'sv1', day(21), {
    ...{ title: 'Mood', creator: 'u2' },
    questions: [{ id: 'q', text: 'How?', kind: 'RATING', options: [] }],
  }),
  record('survey', 'sv0', day(-30), { title: 'Old', creator: 'u2', questions: [] }),
  response('sr1', 'sv1', day(22), 4),
  response('sr2', 'sv1', day(23), 5),
  response('sr-old-survey', 'sv0', day(23), 1),
  response('sr-end', 'sv1', END, 1),
  ...bulk,
];

const ALICE: ContentMember = { memberId: '1001', sourceId: 'u1', status: 'active' };
const CAROL: ContentMember = { memberId: '1003', sourceId: 'u3', status: 'active' };

const USER_ITEMS: Partial<Record<DataType, number>> = {
  POSTS_YOUR_ACTIVITY: 4,
  COMMENTS_REACTIONS_YOUR_ACTIVITY: 2,
  MESSENGER_V2: 3,
  EVENTS_YOUR_ACTIVITY: 2,
  SAVED_ITEMS_YOUR_ACTIVITY: 2,
  REPORTED_PROBLEMS_YOUR_ACTIVITY: 1,
  GROUPS_YOUR_ACTIVITY: 1,
  POLLS_YOUR_ACTIVITY: 2,
  WORKPLACE_NOTES: 1,
  SEARCH_LOGGED_INFO: 1,
  SECURITY_AND_LOGIN_INFORMATION_V: 1,
  FRIENDS_V2: 1,
  PROFILE_PERSONAL_INFO: 1,
};

const COMPANY_ITEMS: Partial<Record<DataType, number>> = {
  WORKPLACE_COMPANY_METADATA_COMPANY_INFO: 1,
  WORKPLACE_COMPANY_METADATA_USER_PROFILE: 3,
  WORKPLACE_COMPANY_METADATA_GROUPS: 5,
  WORKPLACE_KNOWLEDGE_LIBRARY: 3,
  WORKPLACE_SURVEYS: 3,
};

let runtime: Runtime;
let dataDir: string;
let communityId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-render-'));
  runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  communityId = (await runtime.communities.create('Acme')).id;
  await runtime.content.write(communityId, RECORDS);
});

afterAll(async () => {
  await runtime?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Rendered {
  /** The data type's files, without its schema. */
  readonly entries: TextEntry[];
  /** `schema/...` entries: the JSON format's, after its files. */
  readonly schemas: TextEntry[];
  readonly media: string[];
  readonly items: number | undefined;
}

async function render(
  dataType: DataType,
  format: RenderFormat,
  options: Partial<RenderScope> = {},
): Promise<Rendered> {
  const scope: RenderScope = {
    content: runtime.content,
    communityId,
    member: ALICE,
    range: { start: START, end: END },
    ...options,
  };
  const media: string[] = [];
  let items: number | undefined;
  const entries: TextEntry[] = [];
  const sink = {
    media: (record: MediaRecord) => void media.push(record.id),
    items: (type: DataType, count: number) => {
      expect(type).toBe(dataType);
      expect(items).toBeUndefined();
      items = count;
    },
  };
  const schemas: TextEntry[] = [];
  for await (const entry of renderDataType(dataType, format, scope, sink)) {
    if (entry.path.startsWith('schema/')) schemas.push(entry);
    else {
      expect(schemas).toEqual([]);
      entries.push(entry);
    }
  }
  return { entries, schemas, media, items };
}

const text = (entry: TextEntry | undefined): string => entry?.data.toString('utf8') ?? '';

/** RFC 4180 as a strict reader sees it: CRLF records, quoted fields, doubled quotes. */
function parseCsv(csv: string): string[][] {
  expect(csv.startsWith('\uFEFF')).toBe(true);
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 1;
  while (i < csv.length) {
    const char = csv[i];
    if (char === '"' && field === '') {
      let end = i + 1;
      for (;;) {
        const next = csv.indexOf('"', end);
        expect(next).toBeGreaterThan(0);
        if (csv[next + 1] === '"') end = next + 2;
        else {
          field = csv.slice(i + 1, next).replaceAll('""', '"');
          i = next + 1;
          break;
        }
      }
      expect([',', '\r']).toContain(csv[i]);
      continue;
    }
    if (char === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (char === '\r') {
      expect(csv[i + 1]).toBe('\n');
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else {
      expect(char).not.toBe('\n');
      field += char;
      i++;
    }
  }
  expect(record).toEqual([]);
  expect(field).toBe('');
  return records;
}

describe('item counts (format NONE)', () => {
  it('counts what a member made in [start, end), and yields no entries', async () => {
    for (const dataType of DATA_TYPES) {
      const { entries, items } = await render(dataType, 'NONE');
      expect(entries).toEqual([]);
      const expected = USER_ITEMS[dataType] ?? COMPANY_ITEMS[dataType];
      expect({ dataType, items }).toEqual({ dataType, items: expected });
    }
  });

  it('counts the company data types for the company job and nothing of any member', async () => {
    for (const dataType of DATA_TYPES) {
      const { items } = await render(dataType, 'NONE', { member: null });
      expect({ dataType, items }).toEqual({ dataType, items: COMPANY_ITEMS[dataType] ?? 0 });
    }
  });

  it('counts, and reports media, exactly as rendering the rows does (it makes none)', async () => {
    for (const member of [ALICE, null]) {
      for (const dataType of DATA_TYPES) {
        for (const format of ['JSON', 'CSV', 'HTML'] as const) {
          const counted = await render(dataType, 'NONE', { member });
          const rendered = await render(dataType, format, { member });
          const seen = { dataType, format, items: counted.items, media: counted.media };
          expect(seen).toEqual({ dataType, format, items: rendered.items, media: rendered.media });
        }
      }
    }
  });

  it('reports every attachment occurrence of the rendered records', async () => {
    expect((await render('POSTS_YOUR_ACTIVITY', 'NONE')).media).toEqual(['m1', 'm2']);
    expect((await render('COMMENTS_REACTIONS_YOUR_ACTIVITY', 'NONE')).media).toEqual(['m1']);
    expect((await render('MESSENGER_V2', 'NONE')).media).toEqual(['m2']);
  });
});

describe('JSON', () => {
  it('writes one document per data type whose rows have the section columns in order', async () => {
    for (const dataType of DATA_TYPES) {
      for (const member of [ALICE, null]) {
        const { entries, schemas, items } = await render(dataType, 'JSON', { member });
        expect(entries.map((entry) => entry.path)).toEqual([`json/${dataType.toLowerCase()}.json`]);
        expect(schemas.map((entry) => entry.path)).toEqual([schemaPath(dataType)]);
        const json = text(entries[0]);
        const document = JSON.parse(json) as Record<string, Record<string, unknown>[]>;
        expect(json).toBe(`${JSON.stringify(document, null, 2)}\n`);
        expect(dataTypeDocument(dataType).safeParse(document).error).toBeUndefined();
        const { sections } = DATA_TYPE_SECTIONS[dataType];
        const keyed = sections.filter((section) => section.jsonNesting === undefined);
        expect(Object.keys(document)).toEqual(keyed.map((section) => section.name));
        let rows = 0;
        for (const section of keyed) {
          const nested = sections.find((other) => other.parentsFrom === section.name)?.jsonNesting;
          const nestedColumns = sections.find((other) => other.jsonNesting === nested)?.columns;
          for (const row of document[section.name] ?? []) {
            const own = nested === undefined ? [] : [nested.key];
            expect(Object.keys(row)).toEqual([...section.columns, ...own]);
            for (const child of nested === undefined ? [] : (row[nested.key] as object[])) {
              expect(Object.keys(child)).toEqual(nestedColumns);
              rows++;
            }
            if (section.detailOf === undefined) rows++;
          }
        }
        expect(rows).toBe(items);
      }
    }
  });

  it('keeps start, leaves out end, and shows times and attachments as a user reads them', async () => {
    const { entries } = await render('POSTS_YOUR_ACTIVITY', 'JSON');
    const posts = (JSON.parse(text(entries[0])) as { your_posts: Record<string, unknown>[] })
      .your_posts;
    expect(posts.map((row) => row.id)).toEqual(['p-start', 'p-script', 'p-formula', 'p-multi']);
    expect(posts[0]).toEqual({
      id: 'p-start',
      group: 'g1',
      group_name: 'Engineering',
      message: 'first day',
      attachments: [
        {
          uri: 'media/m1.jpg',
          original_name: 'photo.jpg',
          content_type: 'image/jpeg',
          size: 10,
          sha256: '0'.repeat(64),
          created_time: '2024-01-02T00:00:00Z',
        },
        {
          uri: 'media/m2.pdf',
          original_name: 'report.pdf',
          content_type: 'application/pdf',
          size: 10,
          sha256: '0'.repeat(64),
          created_time: '2024-01-02T00:00:00Z',
        },
      ],
      created_time: '2024-01-01T00:00:00Z',
    });
  });

  it('describes each attachment as stored in the archive, or why it is missing', async () => {
    const stored = { size: 7, sha256: 'a'.repeat(64) };
    const { entries } = await render('POSTS_YOUR_ACTIVITY', 'JSON', {
      storedMedia: new Map([['media/m1.jpg', stored]]),
      missingMedia: new Map([['media/m2.pdf', 'too large']]),
    });
    const [first] = (JSON.parse(text(entries[0])) as { your_posts: { attachments: unknown }[] })
      .your_posts;
    expect(first?.attachments).toEqual([
      {
        uri: 'media/m1.jpg',
        original_name: 'photo.jpg',
        content_type: 'image/jpeg',
        ...stored,
        created_time: '2024-01-02T00:00:00Z',
      },
      {
        uri: 'media/m2.pdf',
        original_name: 'report.pdf',
        content_type: 'application/pdf',
        missing: true,
        reason: 'too large',
      },
    ]);
  });

  it('names the post, its author and the group instead of showing ids alone', async () => {
    const activity = JSON.parse(
      text((await render('COMMENTS_REACTIONS_YOUR_ACTIVITY', 'JSON')).entries[0]),
    );
    const bobsPost = {
      post_excerpt: 'not Alice',
      post_author: 'u2',
      post_author_name: 'Bob',
    };
    expect(activity.comments[0]).toMatchObject({ id: 'c1', post: 'p-bob', ...bobsPost });
    expect(activity.reactions[0]).toMatchObject({
      id: 'r1',
      target: 'p-bob',
      target_excerpt: 'not Alice',
      target_author: 'u2',
      target_author_name: 'Bob',
    });
    const groups = JSON.parse(text((await render('GROUPS_YOUR_ACTIVITY', 'JSON')).entries[0]));
    expect(groups.your_group_memberships[0]).toMatchObject({
      group: 'g2',
      group_name: 'Design',
      member: 'u1',
      member_name: 'Alice',
    });
  });

  it('shows conversations whole, every participant’s messages in range, friends from the member’s side', async () => {
    const chats = JSON.parse(text((await render('MESSENGER_V2', 'JSON')).entries[0]));
    expect(Object.keys(chats)).toEqual(['threads']);
    expect(chats.threads).toMatchObject([
      {
        id: 't1',
        name: 'Lunch',
        participants: ['u2', 'u1'],
        participant_names: ['Bob', 'Alice'],
        created_time: '2023-09-23T00:00:00Z',
        messages: [
          { id: 'msg1', thread: 't1', author: 'u2', author_name: 'Bob', attachments: [] },
          {
            id: 'msg2',
            thread_name: 'Lunch',
            author_name: 'Alice',
            attachments: [{ uri: 'media/m2.pdf' }],
          },
        ],
      },
    ]);
    expect(chats.threads[0].messages).toHaveLength(2);
    const friends = JSON.parse(text((await render('FRIENDS_V2', 'JSON')).entries[0]));
    expect(friends.connections).toEqual([
      { id: 'u2:u1', friend: 'u2', friend_name: 'Bob', created_time: '2024-01-20T00:00:00Z' },
    ]);
    const polls = JSON.parse(text((await render('POLLS_YOUR_ACTIVITY', 'JSON')).entries[0]));
    expect(polls.poll_votes[0]).toMatchObject({ poll_question: 'Pizza?', option_text: 'No' });
  });

  it('gives survey responses of the surveys in range only', async () => {
    const { entries } = await render('WORKPLACE_SURVEYS', 'JSON', { member: null });
    const surveys = JSON.parse(text(entries[0]));
    expect(surveys.surveys.map((row: { id: string }) => row.id)).toEqual(['sv1']);
    expect(surveys.survey_responses.map((row: { id: string }) => row.id)).toEqual(['sr1', 'sr2']);
    expect(surveys.survey_responses[0]).toMatchObject({
      survey_title: 'Mood',
      respondent_name: 'Alice',
    });
    expect(surveys.survey_questions).toEqual([
      {
        survey: 'sv1',
        survey_title: 'Mood',
        position: 1,
        question: 'q',
        text: 'How?',
        kind: 'RATING',
        options: [],
      },
    ]);
    expect(surveys.survey_answers).toEqual([
      {
        response: 'sr1',
        survey: 'sv1',
        respondent: 'u1',
        respondent_name: 'Alice',
        question: 'q',
        question_text: 'How?',
        answer: 4,
      },
      {
        response: 'sr2',
        survey: 'sv1',
        respondent: 'u1',
        respondent_name: 'Alice',
        question: 'q',
        question_text: 'How?',
        answer: 5,
      },
    ]);
  });

  it('groups messages by thread, and a thread split between files goes on in the next', async () => {
    // Limits from a few messages per file to many: every place a file can end.
    for (let chunkBytes = 1200; chunkBytes <= 2400; chunkBytes += 97) {
      const { entries } = await render('MESSENGER_V2', 'JSON', { member: CAROL, chunkBytes });
      expect(entries.length).toBeGreaterThan(2);
      const seen: { thread: string; messages: string[] }[] = [];
      for (const entry of entries) {
        expect(entry.data.length).toBeLessThanOrEqual(chunkBytes);
        const json = text(entry);
        const document = JSON.parse(json) as {
          threads: { id: string; messages: { id: string; thread: string }[] }[];
        };
        expect(json).toBe(`${JSON.stringify(document, null, 2)}\n`);
        for (const thread of document.threads) {
          for (const message of thread.messages) expect(message.thread).toBe(thread.id);
          seen.push({ thread: thread.id, messages: thread.messages.map((m) => m.id) });
        }
      }
      // A thread appears once per file it has messages in, and only the empty one without.
      expect(seen.filter((piece) => piece.messages.length === 0)).toEqual([
        { thread: 't4', messages: [] },
      ]);
      expect([...new Set(seen.map((piece) => piece.thread))]).toEqual(['t2', 't3', 't4']);
      const messagesOf = (thread: string): string[] =>
        seen.filter((piece) => piece.thread === thread).flatMap((piece) => piece.messages);
      const bulkOf = (thread: string): string[] =>
        bulk.filter((r) => r.type === 'chat_message' && r.thread === thread).map((r) => r.id);
      expect(messagesOf('t2')).toEqual(['msg3', ...bulkOf('t2')]);
      expect(messagesOf('t3')).toEqual(bulkOf('t3'));
      expect(seen.filter((piece) => piece.thread === 't2').length).toBeGreaterThan(1);
    }
  });

  it('splits into complete documents of the same shape above the chunk limit', async () => {
    const chunkBytes = 1200;
    const { entries, items } = await render('COMMENTS_REACTIONS_YOUR_ACTIVITY', 'JSON', {
      member: CAROL,
      chunkBytes,
    });
    expect(items).toBe(2 * BULK);
    expect(entries.length).toBeGreaterThan(3);
    expect(entries.map((entry) => entry.path)).toEqual(
      entries.map(
        (_, i) => `json/comments_reactions_your_activity${i === 0 ? '' : `_${i + 1}`}.json`,
      ),
    );
    const comments: string[] = [];
    const reactions: string[] = [];
    for (const entry of entries) {
      expect(entry.data.length).toBeLessThanOrEqual(chunkBytes);
      const document = JSON.parse(text(entry));
      expect(Object.keys(document)).toEqual(['comments', 'reactions']);
      comments.push(...document.comments.map((row: { id: string }) => row.id));
      reactions.push(...document.reactions.map((row: { id: string }) => row.id));
    }
    expect(comments).toEqual(bulk.filter((r) => r.type === 'comment').map((r) => r.id));
    expect(reactions).toEqual(bulk.filter((r) => r.type === 'reaction').map((r) => r.id));
  });
});

describe('CSV', () => {
  it('reads back with a header per section, CRLF records and formulas neutralised', async () => {
    const { entries } = await render('POSTS_YOUR_ACTIVITY', 'CSV');
    expect(entries.map((entry) => entry.path)).toEqual(['csv/posts_your_activity/your_posts.csv']);
    const [header, ...rows] = parseCsv(text(entries[0]));
    expect(header).toEqual(['id', 'group', 'group_name', 'message', 'attachments', 'created_time']);
    expect(rows).toEqual([
      ['p-start', 'g1', 'Engineering', 'first day', rows[0]?.[4], '2024-01-01T00:00:00Z'],
      ['p-script', '', '', '<script>alert(1)</script>', '[]', '2024-01-04T00:00:00Z'],
      ['p-formula', '', '', `'=HYPERLINK("http://x")`, '[]', '2024-01-05T00:00:00Z'],
      ['p-multi', '', '', 'line one\nline "two", with comma', '[]', '2024-01-06T00:00:00Z'],
    ]);
    const attachments = JSON.parse(rows[0]?.[4] ?? '') as { uri: string }[];
    expect(attachments.map((media) => media.uri)).toEqual(['media/m1.jpg', 'media/m2.pdf']);
    const searches = parseCsv(text((await render('SEARCH_LOGGED_INFO', 'CSV')).entries[0]));
    expect(searches[1]?.[1]).toBe(`'+cmd`);
  });

  it('writes a file per section, empty sections with their header, questions as rows', async () => {
    const { entries } = await render('WORKPLACE_SURVEYS', 'CSV', { member: null });
    expect(entries.map((entry) => entry.path)).toEqual([
      'csv/workplace_surveys/surveys.csv',
      'csv/workplace_surveys/survey_questions.csv',
      'csv/workplace_surveys/survey_responses.csv',
      'csv/workplace_surveys/survey_answers.csv',
    ]);
    expect(parseCsv(text(entries[1]))).toEqual([
      ['survey', 'survey_title', 'position', 'question', 'text', 'kind', 'options'],
      ['sv1', 'Mood', '1', 'q', 'How?', 'RATING', '[]'],
    ]);
    expect(parseCsv(text(entries[3]))[1]).toEqual(['sr1', 'sv1', 'u1', 'Alice', 'q', 'How?', '4']);
    const empty = await render('WORKPLACE_NOTES', 'CSV', { member: CAROL });
    expect(parseCsv(text(empty.entries[0]))).toEqual([
      ['id', 'title', 'body', 'created_time', 'updated_time'],
    ]);
  });

  it('continues in numbered files, each with its header', async () => {
    const chunkBytes = 500;
    const { entries } = await render('POSTS_YOUR_ACTIVITY', 'CSV', { member: CAROL, chunkBytes });
    expect(entries.length).toBeGreaterThan(3);
    expect(entries[1]?.path).toBe('csv/posts_your_activity/your_posts_2.csv');
    const ids: string[] = [];
    for (const entry of entries) {
      expect(entry.data.length).toBeLessThanOrEqual(chunkBytes);
      const [header, ...rows] = parseCsv(text(entry));
      expect(header?.[0]).toBe('id');
      ids.push(...rows.map((row) => row[0] ?? ''));
    }
    expect(ids).toEqual(bulk.filter((r) => r.type === 'post').map((r) => r.id));
  });
});

describe('HTML', () => {
  it('escapes user text, shows images and links files relatively, fetches nothing', async () => {
    const { entries } = await render('POSTS_YOUR_ACTIVITY', 'HTML');
    expect(entries.map((entry) => entry.path)).toEqual(['html/posts_your_activity.html']);
    const html = text(entries[0]);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<img src="../media/m1.jpg"');
    // Named as it was uploaded, not by its path in the archive.
    expect(html).toContain('<a href="../media/m2.pdf">report.pdf</a>');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain('<a href="../index.html">');
  });

  it('links only web addresses and escapes every page of every data type', async () => {
    const saved = text((await render('SAVED_ITEMS_YOUR_ACTIVITY', 'HTML')).entries[0]);
    expect(saved).toContain('<a href="https://example.com/a?b=1&amp;c=2"');
    expect(saved).not.toContain('href="javascript:');
    const company = await render('WORKPLACE_COMPANY_METADATA_COMPANY_INFO', 'HTML', {
      member: null,
    });
    expect(text(company.entries[0])).toContain('Acme &lt;Corp&gt;');
    const empty = await render('WORKPLACE_NOTES', 'HTML', { member: CAROL });
    expect(text(empty.entries[0])).toContain('<p class="empty">No items.</p>');
    for (const dataType of DATA_TYPES) {
      const { entries } = await render(dataType, 'HTML');
      // Chats have a page per conversation besides their list (see conversation-pages.ts).
      const pages = entries.filter((entry) => !isConversationPage(entry.path));
      expect(pages.map((entry) => entry.path)).toEqual([`html/${dataTypeFolder(dataType)}.html`]);
      for (const entry of entries) expect(text(entry)).not.toMatch(/<script/i);
    }
  });

  it('gives each conversation a page of its own, its messages in order with their senders', async () => {
    const pages = new Map(
      (await render('MESSENGER_V2', 'HTML')).entries.map((entry) => [entry.path, text(entry)]),
    );
    expect([...pages.keys()]).toEqual([
      'html/messenger_v2.html',
      'html/conversations/1-lunch.html',
    ]);
    expect(pages.get('html/messenger_v2.html')).toContain(
      '<a href="conversations/1-lunch.html"><bdi>Lunch</bdi></a>',
    );
    const lunch = pages.get('html/conversations/1-lunch.html') ?? '';
    expect(lunch).toContain('<h1><bdi>Lunch</bdi></h1>');
    expect(lunch).toContain('<p>With <bdi>Bob</bdi>, <bdi>Alice</bdi></p>');
    expect(lunch).toContain('<a href="../messenger_v2.html">All conversations</a>');
    const senders = [
      ...lunch.matchAll(/<p class="meta"><b><bdi>([^<]+)<\/bdi><\/b> · <time datetime="([^"]+)">/g),
    ];
    // msg-old is before the time range; msg1 (Bob) comes before msg2 (Alice).
    expect(senders.map(([, name, time]) => [name, time])).toEqual([
      ['Bob', '2024-01-09T00:00:00Z'],
      ['Alice', '2024-01-10T00:00:00Z'],
    ]);
    expect(lunch).toContain('<a href="../../media/m2.pdf">report.pdf</a>');
    expect(lunch).not.toMatch(/<script/i);
  });

  it('gives a conversation with no message in the time range a page that says so', async () => {
    const pages = new Map(
      (await render('MESSENGER_V2', 'HTML', { member: CAROL })).entries.map((entry) => [
        entry.path,
        text(entry),
      ]),
    );
    const list = pages.get('html/messenger_v2.html') ?? '';
    const links = [...list.matchAll(/<a href="conversations\/([^"]+)"><bdi>([^<]+)<\/bdi>/g)];
    expect(links.map(([, href, title]) => [href, title])).toEqual([
      ['1.html', 'Conversation with Bob, Carol'],
      ['2-quiet.html', 'Quiet'],
      ['3-empty.html', 'Empty'],
    ]);
    for (const [, href] of links) expect(pages.has(`html/conversations/${href}`)).toBe(true);
    expect([...list.matchAll(/<span class="meta">(\d+ \w+) · /g)].map(([, n]) => n)).toEqual([
      '2 people',
      '1 person',
      '1 person',
    ]);
    expect(pages.get('html/conversations/1.html')).toContain('<b><bdi>Carol</bdi></b>');
    expect(pages.get('html/conversations/3-empty.html')).toContain(
      '<li class="empty">No messages in the exported time range.</li>',
    );
  });

  it('splits a long conversation into linked pages that each fit the limit', async () => {
    const whole = (await render('MESSENGER_V2', 'HTML')).entries;
    // One byte less than the whole conversation's page: its two messages no longer fit one.
    const chunkBytes =
      (whole.find((entry) => entry.path.includes('1-lunch'))?.data.length ?? 0) - 1;
    const { entries } = await render('MESSENGER_V2', 'HTML', { chunkBytes });
    const lunch = entries.filter((entry) => entry.path.startsWith('html/conversations/1-lunch'));
    expect(lunch.map((entry) => entry.path)).toEqual([
      'html/conversations/1-lunch.html',
      'html/conversations/1-lunch_2.html',
    ]);
    for (const entry of entries) expect(entry.data.length).toBeLessThanOrEqual(chunkBytes);
    expect(text(lunch[0])).toContain('<a href="1-lunch_2.html" rel="next">');
    expect(text(lunch[1])).toContain('<a href="1-lunch.html" rel="prev">');
    expect(text(lunch[1])).toContain('<h1><bdi>Lunch, page 2</bdi></h1>');
  });

  it('splits a large page into linked parts', async () => {
    const chunkBytes = 6000;
    const { entries } = await render('POSTS_YOUR_ACTIVITY', 'HTML', { member: CAROL, chunkBytes });
    expect(entries.length).toBeGreaterThan(1);
    for (const [i, entry] of entries.entries()) {
      const html = text(entry);
      expect(entry.data.length).toBeLessThanOrEqual(chunkBytes);
      expect(html.endsWith('</html>\n')).toBe(true);
      expect(entry.path).toBe(`html/posts_your_activity${i === 0 ? '' : `_${i + 1}`}.html`);
      if (i > 0)
        expect(html).toContain(`href="${path.posix.basename(entries[i - 1]?.path ?? '')}"`);
      if (i < entries.length - 1) {
        expect(html).toContain(`href="${path.posix.basename(entries[i + 1]?.path ?? '')}"`);
      }
    }
    const all = entries.map(text).join('');
    expect(all.match(/<tr><td/g)).toHaveLength(BULK);
  });
});

describe('every format', () => {
  it('gives the same bytes for the same content', async () => {
    const formats: RenderFormat[] = ['JSON', 'CSV', 'HTML'];
    for (const format of formats) {
      for (const dataType of DATA_TYPES) {
        const first = await render(dataType, format, { chunkBytes: 2000 });
        const second = await render(dataType, format, { chunkBytes: 2000 });
        expect(second.entries).toEqual(first.entries);
      }
    }
  });

  it('stops with the signal’s reason once aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by the user');
    controller.abort(reason);
    await expect(render('POSTS_YOUR_ACTIVITY', 'JSON', { signal: controller.signal })).rejects.toBe(
      reason,
    );
  });
});
