/**
 * The synthetic community as its users rely on it: the same seed gives the same records and
 * the same image bytes, every reference points to a record of the same or an earlier batch,
 * volumes are plausible, and the images are real JPEGs of the sizes the export resizes from.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ContentKind, ContentRecord } from '../domain/index.js';
import {
  generateSyntheticCommunity,
  HOSTILE_TEXTS,
  type MediaFile,
  SYNTHETIC_PERIOD,
  USERS_PER_BATCH,
} from './synthetic-community.js';
import {
  renderSyntheticFiles,
  renderSyntheticImage,
  syntheticImageSpecs,
} from './synthetic-images.js';

/** Stand-ins for stored files: the generator only copies their fields into media records. */
const FILES: readonly MediaFile[] = [
  { name: 'a.jpg', contentType: 'image/jpeg', size: 5000, sha256: 'a'.repeat(64), blobKey: 'a' },
  { name: 'b.jpg', contentType: 'image/jpeg', size: 9000, sha256: 'b'.repeat(64), blobKey: 'b' },
  { name: 'notes.txt', contentType: 'text/plain', size: 90, sha256: 'c'.repeat(64), blobKey: 'c' },
];

function generate(users: number, seed: number): ContentRecord[][] {
  return [...generateSyntheticCommunity({ users, seed, files: FILES })].map((b) => [...b.records]);
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

function countKinds(records: readonly ContentRecord[]): Partial<Record<ContentKind, number>> {
  const counts: Partial<Record<ContentKind, number>> = {};
  for (const record of records) counts[record.type] = (counts[record.type] ?? 0) + 1;
  return counts;
}

/** Every reference of a record, as [kind, id]. */
function referencesOf(record: ContentRecord): [ContentKind, string][] {
  const members = (...ids: (string | null)[]): [ContentKind, string][] =>
    ids.filter((id): id is string => id !== null).map((id) => ['member', id]);
  const media = (ids: readonly string[]): [ContentKind, string][] => ids.map((id) => ['media', id]);
  const group = (id: string | null): [ContentKind, string][] =>
    id === null ? [] : [['group', id]];
  switch (record.type) {
    case 'company':
      return [];
    case 'member':
      return members(record.manager);
    case 'group':
      return members(record.creator);
    case 'group_membership':
      return [...group(record.group), ...members(record.member)];
    case 'post':
      return [...members(record.author), ...group(record.group), ...media(record.attachments)];
    case 'comment':
      return [['post', record.post], ...members(record.author), ...media(record.attachments)];
    case 'reaction':
      return [[record.target_type, record.target], ...members(record.author)];
    case 'chat_thread':
      return members(...record.participants);
    case 'chat_message':
      return [
        ['chat_thread', record.thread],
        ...members(record.author),
        ...media(record.attachments),
      ];
    case 'event':
      return [...members(record.creator), ...group(record.group)];
    case 'event_rsvp':
      return [['event', record.event], ...members(record.member)];
    case 'saved_item':
      return members(record.member);
    case 'reported_problem':
      return members(record.reporter);
    case 'kl_category':
      return record.parent === null ? [] : [['kl_category', record.parent]];
    case 'kl_article':
      return [['kl_category', record.category], ...members(record.author)];
    case 'survey':
      return members(record.creator);
    case 'survey_response':
      return [['survey', record.survey], ...members(record.respondent)];
    case 'note':
      return members(record.author);
    case 'poll':
      return [...members(record.author), ...group(record.group)];
    case 'poll_vote':
      return [['poll', record.poll], ...members(record.voter)];
    case 'connection':
      return members(record.member, record.other);
    case 'search':
    case 'login':
      return members(record.member);
    case 'media':
      return members(record.owner);
  }
}

describe('generateSyntheticCommunity', () => {
  it('gives the same records for the same seed and other records for another seed', () => {
    const first = digest(generate(60, 1));
    expect(digest(generate(60, 1))).toBe(first);
    expect(digest(generate(60, 2))).not.toBe(first);
  });

  it('makes references that resolve within the same or an earlier batch', () => {
    const known = new Map<string, ContentRecord>();
    const key = (kind: string, id: string): string => `${kind}\u0000${id}`;
    const batches = generate(60, 5);
    expect(batches.map((b) => b.filter((r) => r.type === 'member').length)).toEqual([50, 10]);
    const problems: string[] = [];
    let checked = 0;
    for (const batch of batches) {
      for (const record of batch) {
        if (known.has(key(record.type, record.id)))
          problems.push(`twice: ${record.type} ${record.id}`);
        known.set(key(record.type, record.id), record);
      }
      for (const record of batch) {
        for (const [kind, id] of referencesOf(record)) {
          checked++;
          if (!known.has(key(kind, id)))
            problems.push(`${record.type} ${record.id} → ${kind} ${id}`);
        }
        const { start, end } = SYNTHETIC_PERIOD;
        if (!(record.created_time >= start && record.created_time < end)) {
          problems.push(`${record.type} ${record.id} at ${record.created_time}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10_000);
    // References inside records: a vote's option, a response's questions and choices.
    for (const record of known.values()) {
      if (record.type === 'poll_vote') {
        const poll = known.get(key('poll', record.poll));
        expect(poll?.type === 'poll' && poll.options.map((o) => o.id)).toContain(record.option);
      }
      if (record.type === 'survey_response') {
        const survey = known.get(key('survey', record.survey));
        if (survey?.type !== 'survey') throw new Error(`no survey ${record.survey}`);
        for (const answer of record.answers) {
          const question = survey.questions.find((q) => q.id === answer.question);
          expect(question, answer.question).toBeDefined();
          const choices = typeof answer.value === 'string' ? [answer.value] : answer.value;
          if (question?.kind === 'SINGLE_CHOICE' || question?.kind === 'MULTIPLE_CHOICE') {
            expect(question.options).toEqual(expect.arrayContaining(choices as string[]));
          }
        }
      }
    }
  });

  it('makes plausible volumes of every kind for 50 users', () => {
    const counts = countKinds(generate(50, 1).flat());
    const perUser = (kind: ContentKind): number => (counts[kind] ?? 0) / 50;
    expect(counts.company).toBe(1);
    expect(counts.member).toBe(50);
    expect(counts.group).toBe(8);
    expect(counts.kl_category).toBe(8);
    expect(counts.kl_article).toBe(20);
    expect(counts.survey).toBe(3);
    const ranges: [ContentKind, number, number][] = [
      ['post', 9, 15],
      ['comment', 20, 30],
      ['reaction', 30, 48],
      ['chat_thread', 3, 5],
      ['chat_message', 22, 38],
      ['event', 1.4, 2.6],
      ['event_rsvp', 3.5, 6],
      ['saved_item', 4.5, 7.5],
      ['reported_problem', 0.1, 0.6],
      ['note', 2.2, 3.8],
      ['poll', 0.2, 0.9],
      ['poll_vote', 1.5, 4],
      ['connection', 9, 18],
      ['search', 24, 36],
      ['login', 16, 24],
      ['group_membership', 2, 6],
      ['survey_response', 0.6, 2],
      ['media', 3, 12],
    ];
    for (const [kind, low, high] of ranges) {
      expect(perUser(kind), kind).toBeGreaterThanOrEqual(low);
      expect(perUser(kind), kind).toBeLessThanOrEqual(high);
    }
  });

  it('makes a manager tree, some inactive members, hostile texts and non-image media', () => {
    const records = generate(1000, 3).flat();
    const members = records.filter((r) => r.type === 'member');
    const withStatus = (status: string): number =>
      members.filter((m) => m.status === status).length;
    expect(withStatus('deactivated')).toBeGreaterThan(15);
    expect(withStatus('deactivated')).toBeLessThan(50);
    expect(withStatus('deleted')).toBeGreaterThan(2);
    expect(withStatus('deleted')).toBeLessThan(25);
    expect(members.filter((m) => m.manager === null).map((m) => m.id)).toEqual(['u1']);
    for (const member of members) {
      // A manager has a lower number, so following managers always ends at u1.
      if (member.manager !== null) {
        expect(Number(member.manager.slice(1))).toBeLessThan(Number(member.id.slice(1)));
      }
    }
    const texts = records.flatMap((r) => (r.type === 'post' ? [r.message] : []));
    for (const hostile of HOSTILE_TEXTS.slice(0, 2)) {
      expect(
        texts.some((t) => t.includes(hostile)),
        hostile,
      ).toBe(true);
    }
    const mediaTypes = new Set(
      records.flatMap((r) => (r.type === 'media' ? [r.content_type] : [])),
    );
    expect([...mediaTypes].sort()).toEqual(['image/jpeg', 'text/plain']);
    expect(USERS_PER_BATCH).toBe(50);
  });

  it('refuses a community without members', () => {
    expect(() => generate(0, 1)).toThrow(/at least 1/);
  });
});

describe('synthetic images', () => {
  it('are byte-identical for the same seed and differ for another seed', async () => {
    // The small ones: the big ones take the same path, only longer.
    const small = syntheticImageSpecs(1).filter((spec) => spec.width * spec.height <= 800 * 600);
    expect(small.length).toBeGreaterThanOrEqual(6);
    const hashes = async (seed: number): Promise<string[]> =>
      Promise.all(
        small.map(async (spec) => (await renderSyntheticImage({ ...spec, seed })).bytes),
      ).then((all) => all.map((bytes) => createHash('sha256').update(bytes).digest('hex')));
    const first = await hashes(1);
    expect(await hashes(1)).toEqual(first);
    const other = await hashes(2);
    expect(other.every((hash, n) => hash !== first[n])).toBe(true);
    expect(new Set(first).size).toBe(first.length);
  });

  it('are real JPEGs of the intended sizes, landscape and portrait, plus documents', async () => {
    const files = await renderSyntheticFiles(4);
    const images = files.filter((f) => f.contentType === 'image/jpeg');
    expect(images.length).toBeGreaterThanOrEqual(16);
    for (const image of images) {
      const metadata = await sharp(image.bytes).metadata();
      expect(metadata.format).toBe('jpeg');
      expect([metadata.width, metadata.height]).toEqual([image.width, image.height]);
      // Photo-like, not a flat colour: at least a byte per 20 pixels.
      expect(image.bytes.length).toBeGreaterThan((metadata.width * metadata.height) / 20);
    }
    const sizes = new Set(images.map((i) => Math.max(i.width ?? 0, i.height ?? 0)));
    expect([...sizes].sort((a, b) => a - b)).toEqual([400, 800, 1280, 2048, 3200]);
    expect(images.some((i) => (i.height ?? 0) > (i.width ?? 0))).toBe(true);
    const pdf = files.find((f) => f.contentType === 'application/pdf');
    expect(pdf?.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(files.some((f) => f.contentType === 'text/plain')).toBe(true);
  });
});
