/**
 * The NDJSON line schemas on their own: what a line becomes (defaults, default ids, times) and
 * the words a person reads for each kind of mistake.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_KINDS } from '../domain/index.js';
import { type LineResult, parseContentLine, toUnixSeconds } from './content-schemas.js';

function parsed(value: unknown): unknown {
  const result = parseContentLine(value);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.line;
}

function problems(value: unknown): string[] {
  const result: LineResult = parseContentLine(value);
  if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.line)}`);
  return result.problems.map((p) => (p.field === '' ? p.message : `${p.field}: ${p.message}`));
}

const post = { type: 'post', id: 'p1', author: 'm1', message: 'Hi', created_time: 1714555800 };

describe('times', () => {
  it('accepts Unix seconds and ISO 8601 with Z or an offset, as the same instant', () => {
    expect(toUnixSeconds(1714555800)).toBe(1714555800);
    expect(toUnixSeconds('2024-05-01T09:30:00Z')).toBe(1714555800);
    expect(toUnixSeconds('2024-05-01T11:30:00+02:00')).toBe(1714555800);
    expect(toUnixSeconds('2024-05-01T04:30:00.999-05:00')).toBe(1714555800);
    expect(toUnixSeconds('2024-05-01T09:30Z')).toBe(1714555800);
    expect(toUnixSeconds('2024-02-29T00:00:00Z')).toBe(1709164800);
  });

  it('refuses times without a zone, impossible dates, fractions and milliseconds', () => {
    expect(toUnixSeconds('2024-05-01T09:30:00')).toMatch(
      /must be Unix seconds .* or an ISO 8601 date-time with a time zone/,
    );
    expect(toUnixSeconds('2024-05-01')).toMatch(/with a time zone/);
    expect(toUnixSeconds('2023-02-29T00:00:00Z')).toBe(
      '"2023-02-29T00:00:00Z" is not a real date and time',
    );
    expect(toUnixSeconds('2024-05-01T24:00:00Z')).toMatch(/not a real date/);
    expect(toUnixSeconds(1714555800.5)).toBe('must be whole Unix seconds, not 1714555800.5');
    expect(toUnixSeconds(1714555800000)).toMatch(/out of range.*milliseconds are not accepted/);
    expect(toUnixSeconds(-1)).toMatch(/out of range/);
  });

  it('says which formats are allowed when a time field has the wrong type', () => {
    expect(problems({ ...post, created_time: true })).toEqual([
      'created_time: must be Unix seconds (a whole number, e.g. 1714555800) or an ISO 8601 date-time with a time zone (e.g. 2024-05-01T09:30:00Z or 2024-05-01T11:30:00+02:00), not true',
    ]);
    expect(problems({ ...post, created_time: undefined })).toEqual(['created_time: is required']);
  });
});

describe('lines', () => {
  it('fills omitted nullable fields with null and omitted lists with []', () => {
    expect(parsed(post)).toEqual({ ...post, group: null, attachments: [] });
    expect(parsed({ type: 'member', id: 'm1', name: 'Ann', created_time: 0 })).toEqual({
      type: 'member',
      id: 'm1',
      name: 'Ann',
      email: null,
      title: null,
      department: null,
      manager: null,
      location: null,
      phone: null,
      status: 'active',
      created_time: 0,
    });
  });

  it('gives the company the id "company" and derives the documented default ids', () => {
    const t = { created_time: 1 };
    expect(parsed({ type: 'company', name: 'Acme', ...t })).toMatchObject({ id: 'company' });
    expect(parsed({ type: 'group_membership', group: 'g', member: 'm', ...t })).toMatchObject({
      id: 'g:m',
      role: 'MEMBER',
    });
    expect(
      parsed({
        type: 'reaction',
        target_type: 'post',
        target: 'p',
        author: 'm',
        reaction: 'WOW',
        ...t,
      }),
    ).toMatchObject({ id: 'post:p:m' });
    expect(
      parsed({ type: 'event_rsvp', event: 'e', member: 'm', response: 'GOING', ...t }),
    ).toMatchObject({ id: 'e:m' });
    expect(parsed({ type: 'poll_vote', poll: 'q', option: 'o', voter: 'm', ...t })).toMatchObject({
      id: 'q:m',
    });
    expect(parsed({ type: 'connection', member: 'a', other: 'b', ...t })).toMatchObject({
      id: 'a:b',
    });
    expect(parsed({ type: 'connection', id: 'c1', member: 'a', other: 'b', ...t })).toMatchObject({
      id: 'c1',
    });
  });

  it('refuses a line that is no object, has no type or an unknown type, listing the types', () => {
    expect(problems([1])).toEqual(['must be a JSON object with a "type" field, not a list']);
    expect(problems({ id: 'x' })[0]).toMatch(/^type: is required; the types are company, member, /);
    expect(problems({ ...post, type: 'tweet' })[0]).toMatch(
      /^type: "tweet" is not a type; the types are .*poll_vote, connection, search, login, media$/,
    );
  });

  it('names missing fields, wrong types, empty ids and overlong ids', () => {
    expect(problems({ type: 'post', id: 'p1', message: 'Hi' })).toEqual([
      'author: is required',
      'created_time: is required',
    ]);
    expect(problems({ ...post, message: 42 })).toEqual(['message: must be a string, not 42']);
    expect(problems({ ...post, id: '' })).toEqual(['id: must not be empty']);
    expect(problems({ ...post, id: 'x'.repeat(201) })).toEqual([
      'id: must have at most 200 characters',
    ]);
    expect(problems({ ...post, attachments: ['m1', 7] })).toEqual([
      'attachments[1]: must be a string, not 7',
    ]);
  });

  it('refuses unknown fields by name and lists the fields of the line', () => {
    expect(problems({ ...post, likes: 3 })).toEqual([
      'likes: is not a field here; the fields are type, id, author, group, message, attachments, created_time',
    ]);
    expect(problems({ type: 'company', id: 'company', name: 'Acme', created_time: 1 })[0]).toMatch(
      /^id: is not a field here/,
    );
  });

  it('lists the allowed values of an enumeration, with the path into nested lists', () => {
    expect(
      problems({ type: 'group', id: 'g', name: 'G', privacy: 'PUBLIC', created_time: 1 }),
    ).toEqual(['privacy: must be one of OPEN, CLOSED, SECRET, not "PUBLIC"']);
    const survey = {
      type: 'survey',
      id: 's',
      title: 'S',
      creator: 'm',
      created_time: 1,
      questions: [{ id: 'q1', text: 'How?', kind: 'ESSAY', colour: 'red' }],
    };
    expect(problems(survey)).toEqual([
      'questions[0].kind: must be one of TEXT, SINGLE_CHOICE, MULTIPLE_CHOICE, RATING, not "ESSAY"',
      'questions[0].colour: is not a field here; the fields are id, text, kind, options',
    ]);
  });

  it('refuses duplicate option ids within a poll', () => {
    const poll = {
      type: 'poll',
      id: 'q',
      author: 'm',
      question: 'Lunch?',
      created_time: 1,
      options: [
        { id: 'a', text: 'Yes' },
        { id: 'a', text: 'No' },
      ],
    };
    expect(problems(poll)).toEqual([
      'options[1].id: "a" is used twice; ids must differ within the list',
    ]);
  });
});

describe('media lines', () => {
  const media = { type: 'media', id: 'x', owner: 'm', created_time: 1 };

  it('defaults the name to the base name and the content type to the extension', () => {
    expect(parsed({ ...media, file: 'photos/IMG_1.JPG' })).toEqual({
      ...media,
      file: 'photos/IMG_1.JPG',
      name: 'IMG_1.JPG',
      content_type: 'image/jpeg',
    });
    expect(parsed({ ...media, file: 'a/../doc.bin' })).toMatchObject({
      content_type: 'application/octet-stream',
    });
    expect(
      parsed({ ...media, file: 'clip', name: 'Clip.mp4', content_type: 'video/mp4' }),
    ).toMatchObject({ name: 'Clip.mp4', content_type: 'video/mp4' });
  });

  it('refuses absolute paths, paths leading out of the folder, and size or hash fields', () => {
    expect(problems({ ...media, file: '/photos/a.jpg' })).toEqual([
      'file: must be a path relative to the media folder (the NDJSON file\'s folder, or --media-root), not the absolute path "/photos/a.jpg"',
    ]);
    expect(problems({ ...media, file: 'photos/../../secret.jpg' })).toEqual([
      'file: must stay inside the media folder (the NDJSON file\'s folder, or --media-root); "photos/../../secret.jpg" leads out of it with ".."',
    ]);
    expect(problems({ ...media, file: 'a.png', sha256: 'ab' })[0]).toMatch(
      /^sha256: is not a field here; the fields are type, id, owner, file, name, content_type/,
    );
  });
});

describe('docs/import-format.md', () => {
  it('has one valid example line per type', async () => {
    const docs = await readFile(
      path.resolve(import.meta.dirname, '../../docs/import-format.md'),
      'utf8',
    );
    const examples = [...docs.matchAll(/```ndjson\n(.*)\n```/g)].map((m) => JSON.parse(m[1] ?? ''));
    expect(examples.map((example) => example.type)).toEqual([...CONTENT_KINDS]);
    for (const example of examples) expect(parseContentLine(example)).toMatchObject({ ok: true });
  });
});
