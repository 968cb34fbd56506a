/**
 * `importNdjson` on a real runtime (SQLite content store, local-disk blobs) in a temp dir: a
 * complete import of every kind, re-import, every kind of refused input (the store and the
 * blobs unchanged afterwards), and `dyi import` in a real process.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, rmSync, symlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { CONTENT_KINDS, type ContentKind, ValidationError } from '../domain/index.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { MAX_LONG_TEXT_LENGTH, MAX_SHORT_TEXT_LENGTH } from './field-schemas.js';
import { importNdjson, type ImportOptions } from './ndjson-importer.js';
import { MAX_LINE_BYTES } from './ndjson-lines.js';
import { runDyi } from '../../test/support/dyi-cli.js';

let dataDir: string;
let inputDir: string;
let runtime: Runtime;
let communityId: string;
let png: Buffer;

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-import-'));
  inputDir = path.join(dataDir, 'input');
  await mkdir(path.join(inputDir, 'photos'), { recursive: true });
  png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#c03' } })
    .png()
    .toBuffer();
  await writeFile(path.join(inputDir, 'photos', 'team.png'), png);
  runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  communityId = (await runtime.communities.create('Acme')).id;
});

afterEach(async () => {
  await runtime.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Writes NDJSON files (records as objects, or raw text lines) into the input folder. */
async function files(contents: Record<string, readonly (object | string)[]>): Promise<string[]> {
  const names: string[] = [];
  for (const [name, lines] of Object.entries(contents)) {
    const text = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
    await writeFile(path.join(inputDir, name), `${text}\n`);
    names.push(path.join(inputDir, name));
  }
  return names;
}

function run(paths: readonly string[], options: Partial<ImportOptions> = {}) {
  return importNdjson({
    content: runtime.content,
    blobs: runtime.blobs,
    communityId,
    files: paths,
    ...options,
  });
}

async function mediaBlobCount(): Promise<number> {
  const root = path.join(dataDir, 'blobs', 'media');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).length;
}

const T = '2024-05-01T09:30:00Z';
const T_SECONDS = 1714555800;

const PEOPLE = [
  { type: 'company', name: 'Acme', website: 'https://acme.example', created_time: 1700000000 },
  { type: 'member', id: 'm1', name: 'Ann', email: 'ann@acme.example', created_time: T },
  { type: 'member', id: 'm2', name: 'Bob', manager: 'm1', created_time: T_SECONDS },
  { type: 'member', id: 'm3', name: 'Cy', status: 'deactivated', created_time: T },
  { type: 'connection', member: 'm1', other: 'm2', created_time: T },
  '',
];

const CONTENT = [
  { type: 'group', id: 'g1', name: 'Ops', privacy: 'CLOSED', creator: 'm1', created_time: T },
  { type: 'group_membership', group: 'g1', member: 'm2', role: 'ADMIN', created_time: T },
  { type: 'media', id: 'img1', owner: 'm1', file: 'photos/team.png', created_time: T },
  {
    type: 'post',
    id: 'p1',
    author: 'm1',
    group: 'g1',
    message: 'Hello team',
    attachments: ['img1'],
    created_time: '2024-05-01T11:30:00+02:00',
  },
  { type: 'comment', id: 'c1', post: 'p1', author: 'm2', message: 'Hi!', created_time: T },
  {
    type: 'reaction',
    target_type: 'comment',
    target: 'c1',
    author: 'm1',
    reaction: 'LOVE',
    created_time: T,
  },
  { type: 'chat_thread', id: 't1', participants: ['m1', 'm2'], created_time: T },
  { type: 'chat_message', id: 'cm1', thread: 't1', author: 'm2', text: 'Yo', created_time: T },
  {
    type: 'event',
    id: 'e1',
    title: 'Offsite',
    start_time: '2024-06-01T09:00:00Z',
    creator: 'm1',
    created_time: T,
  },
  { type: 'event_rsvp', event: 'e1', member: 'm2', response: 'GOING', created_time: T },
  { type: 'saved_item', id: 's1', member: 'm2', item_type: 'POST', title: 'Hi', created_time: T },
  {
    type: 'reported_problem',
    id: 'r1',
    reporter: 'm2',
    description: 'Broken',
    status: 'OPEN',
    created_time: T,
  },
  { type: 'kl_category', id: 'k1', title: 'Guides', created_time: T },
  { type: 'kl_category', id: 'k2', title: 'HR', parent: 'k1', created_time: T },
  {
    type: 'kl_article',
    id: 'a1',
    category: 'k2',
    title: 'Leave',
    body: '...',
    author: 'm1',
    created_time: T,
  },
  {
    type: 'survey',
    id: 'sv1',
    title: 'Pulse',
    creator: 'm1',
    questions: [
      { id: 'q1', text: 'Mood?', kind: 'RATING' },
      { id: 'q2', text: 'Where?', kind: 'MULTIPLE_CHOICE', options: ['Home', 'Office'] },
    ],
    created_time: T,
  },
  {
    type: 'survey_response',
    id: 'sr1',
    survey: 'sv1',
    respondent: 'm2',
    answers: [
      { question: 'q1', value: 4 },
      { question: 'q2', value: ['Home'] },
    ],
    created_time: T,
  },
  { type: 'note', id: 'n1', author: 'm1', title: 'Notes', body: 'x', created_time: T },
  {
    type: 'poll',
    id: 'pl1',
    author: 'm1',
    question: 'Lunch?',
    options: [
      { id: 'o1', text: 'Pizza' },
      { id: 'o2', text: 'Salad' },
    ],
    created_time: T,
  },
  { type: 'poll_vote', poll: 'pl1', option: 'o2', voter: 'm2', created_time: T },
  { type: 'search', id: 'q1', member: 'm1', query: 'holidays', created_time: T },
  {
    type: 'login',
    id: 'l1',
    member: 'm1',
    ip_address: '192.0.2.1',
    user_agent: 'Firefox',
    created_time: T,
  },
];

describe('a valid import', () => {
  it('writes every kind, with media bytes in the blob store', async () => {
    const report = await run(await files({ 'people.ndjson': PEOPLE, 'content.ndjson': CONTENT }));

    const counts = await runtime.content.counts(communityId);
    const expected = Object.fromEntries(CONTENT_KINDS.map((kind) => [kind, 1])) as Record<
      ContentKind,
      number
    >;
    Object.assign(expected, { member: 3, kl_category: 2 });
    expect(counts).toEqual(expected);
    expect(report).toEqual({
      files: 2,
      records: expected,
      media: { count: 1, bytes: png.byteLength, newBlobs: 1 },
    });

    const [media] = await collect('media');
    const sha256 = createHash('sha256').update(png).digest('hex');
    expect(media).toEqual({
      type: 'media',
      id: 'img1',
      owner: 'm1',
      name: 'team.png',
      content_type: 'image/png',
      size: png.byteLength,
      sha256,
      blob_key: `media/${communityId}/${sha256}`,
      created_time: T_SECONDS,
    });
    const stored = Buffer.concat(
      await (await runtime.blobs.openRead(`media/${communityId}/${sha256}`)).toArray(),
    );
    expect(stored.equals(png)).toBe(true);

    expect(await collect('post')).toEqual([
      {
        type: 'post',
        id: 'p1',
        author: 'm1',
        group: 'g1',
        message: 'Hello team',
        attachments: ['img1'],
        created_time: T_SECONDS,
      },
    ]);
    expect((await collect('reaction')).map((r) => r.id)).toEqual(['comment:c1:m1']);
    expect((await collect('member')).map((m) => [m.id, m.manager, m.status])).toEqual([
      ['m1', null, 'active'],
      ['m2', 'm1', 'active'],
      ['m3', null, 'deactivated'],
    ]);
    expect(await collect('company')).toMatchObject([{ id: 'company', description: null }]);
  });

  it('replaces records on re-import, and refers to records imported before', async () => {
    await run(await files({ 'people.ndjson': PEOPLE, 'content.ndjson': CONTENT }));
    const before = await runtime.content.counts(communityId);

    const again = await files({
      'people.ndjson': PEOPLE,
      'more.ndjson': [
        { type: 'post', id: 'p1', author: 'm2', message: 'Edited', created_time: T },
        { type: 'comment', id: 'c2', post: 'p1', author: 'm3', message: 'Late', created_time: T },
        { type: 'poll_vote', poll: 'pl1', option: 'o1', voter: 'm2', created_time: T },
        { type: 'media', id: 'img2', owner: 'm2', file: 'photos/team.png', created_time: T },
      ],
    });
    const report = await run(again);

    expect(await runtime.content.counts(communityId)).toEqual({
      ...before,
      comment: 2,
      media: 2,
    });
    expect(await collect('post')).toMatchObject([{ id: 'p1', author: 'm2', message: 'Edited' }]);
    expect(await collect('poll_vote')).toMatchObject([{ id: 'pl1:m2', option: 'o1' }]);
    // The same bytes again: the blob is shared, not stored twice.
    expect(report.media).toEqual({ count: 1, bytes: png.byteLength, newBlobs: 0 });
    expect(await mediaBlobCount()).toBe(1);
  });
});

describe('a refused import', () => {
  const member = { type: 'member', id: 'm9', name: 'Nia', created_time: T };
  const cases: {
    name: string;
    lines: (object | string)[];
    message: string;
  }[] = [
    {
      name: 'malformed JSON',
      lines: [member, '{"type": "post", "id": "p9",'],
      message: 'bad.ndjson:2: is not valid JSON (',
    },
    {
      name: 'an unknown type',
      lines: [{ ...member, type: 'tweet' }],
      message: 'bad.ndjson:1: type: "tweet" is not a type; the types are company, member,',
    },
    {
      name: 'a missing required field',
      lines: [member, { type: 'post', id: 'p9', message: 'Hi', created_time: T }],
      message: 'bad.ndjson:2: author: is required',
    },
    {
      name: 'a bad date',
      lines: [{ ...member, created_time: '2024-05-01 09:30' }],
      message:
        'bad.ndjson:1: created_time: must be Unix seconds (a whole number, e.g. 1714555800) or an ISO 8601 date-time with a time zone',
    },
    {
      name: 'a wrong enum value',
      lines: [member, { type: 'group', id: 'g9', name: 'G', privacy: 'PUBLIC', created_time: T }],
      message: 'bad.ndjson:2: privacy: must be one of OPEN, CLOSED, SECRET, not "PUBLIC"',
    },
    {
      name: 'a post by an unknown author',
      lines: [member, { type: 'post', id: 'p9', author: 'ghost', message: '', created_time: T }],
      message: 'bad.ndjson:2: author: member "ghost" does not exist',
    },
    {
      name: 'a comment on a missing post',
      lines: [
        member,
        { type: 'comment', id: 'c9', post: 'nope', author: 'm9', message: '', created_time: T },
      ],
      message: 'bad.ndjson:2: post: post "nope" does not exist',
    },
    {
      name: 'an attachment naming a missing media id',
      lines: [
        member,
        {
          type: 'post',
          id: 'p9',
          author: 'm9',
          message: '',
          attachments: ['img1', 'nope'],
          created_time: T,
        },
      ],
      message: 'bad.ndjson:2: attachments[1]: media "nope" does not exist',
    },
    {
      name: 'a vote for an option the poll does not have',
      lines: [
        member,
        { type: 'poll_vote', poll: 'pl1', option: 'o7', voter: 'm9', created_time: T },
      ],
      message: 'bad.ndjson:2: option: poll "pl1" has no option "o7"; its options are o1, o2',
    },
    {
      name: 'a missing media file',
      lines: [
        member,
        { type: 'media', id: 'x', owner: 'm9', file: 'photos/gone.jpg', created_time: T },
      ],
      message:
        'bad.ndjson:2: file: "photos/gone.jpg" does not exist; paths are relative to the folder of',
    },
    {
      name: 'a media path leading out of the folder',
      lines: [
        member,
        { type: 'media', id: 'x', owner: 'm9', file: '../input/photos/team.png', created_time: T },
      ],
      message:
        'bad.ndjson:2: file: must stay inside the media folder (the NDJSON file\'s folder, or --media-root); "../input/photos/team.png" leads out of it',
    },
    {
      name: 'a 2 MB name',
      lines: [{ ...member, name: 'x'.repeat(2 * 1024 * 1024) }],
      message: `bad.ndjson:1: name: must have at most ${MAX_SHORT_TEXT_LENGTH} characters`,
    },
    {
      name: 'a post longer than the body limit',
      lines: [
        member,
        {
          type: 'post',
          id: 'p9',
          author: 'm9',
          message: 'x'.repeat(MAX_LONG_TEXT_LENGTH + 1),
          created_time: T,
        },
      ],
      message: `bad.ndjson:2: message: must have at most ${MAX_LONG_TEXT_LENGTH} characters`,
    },
    {
      name: 'a line longer than 8 MiB',
      lines: [`{"type":"note","body":"${'x'.repeat(MAX_LINE_BYTES)}"}`],
      message: `bad.ndjson:1: is longer than ${MAX_LINE_BYTES} bytes (8 MiB), the limit of one line`,
    },
    {
      name: 'an id defined twice',
      lines: [member, member],
      message: 'bad.ndjson:2: id: member "m9" is already defined at',
    },
  ];

  it.each(cases)('refuses $name, naming file, line and field, and changes nothing', async (c) => {
    await run(await files({ 'people.ndjson': PEOPLE, 'content.ndjson': CONTENT }));
    const counts = await runtime.content.counts(communityId);
    const blobs = await mediaBlobCount();
    // A valid media line before the bad one: its blob must not be kept either.
    await writeFile(path.join(inputDir, 'photos', 'new.png'), Buffer.concat([png, png]));
    const valid = {
      type: 'media',
      id: 'new',
      owner: 'm1',
      file: 'photos/new.png',
      created_time: T,
    };
    const input = await files({ 'ok.ndjson': [valid], 'bad.ndjson': c.lines });

    const error = await run(input).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toMatch(/^Nothing was imported: 1 problem in/);
    expect((error as ValidationError).message).toContain(
      `\n${path.join(inputDir, c.message.slice(0, c.message.indexOf(':')))}${c.message.slice(c.message.indexOf(':'))}`,
    );
    expect(await runtime.content.counts(communityId)).toEqual(counts);
    expect(await mediaBlobCount()).toBe(blobs);
  });

  it('refuses a huge line without holding it in memory, and reads on after it', async () => {
    const file = path.join(inputDir, 'huge.ndjson');
    const megabyte = Buffer.alloc(1024 * 1024, 'x');
    await pipeline(
      (function* () {
        yield '{"type":"member","id":"m1","name":"';
        for (let i = 0; i < 96; i += 1) yield megabyte;
        yield '","created_time":1714555800}\n{"type":"note","id":"n1"}\n';
      })(),
      createWriteStream(file),
    );
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 1);
    const error = await run([file])
      .catch((e: unknown) => e as Error)
      .finally(() => clearInterval(sampler));

    expect((error as Error).message.split('\n').slice(1)).toEqual([
      `${file}:1: is longer than ${MAX_LINE_BYTES} bytes (8 MiB), the limit of one line; a record that large is refused (see the text limits in docs/import-format.md)`,
      `${file}:2: author: is required`,
      `${file}:2: title: is required`,
      `${file}:2: body: is required`,
      `${file}:2: created_time: is required`,
    ]);
    // The line is 96 MiB: gathering it whole takes at least that much (331 MB measured with
    // readline); skipping it leaves only read buffers for the garbage collector (about 40 MB).
    expect(peak - baseline).toBeLessThan(96 * 1024 * 1024);
  });

  it('reports schema, syntax and reference problems in one run', async () => {
    const input = await files({
      'bad.ndjson': [
        { type: 'member', id: 'm9', name: 'Nia', created_time: T },
        '{"type": "post", "id": "p8",',
        { type: 'group', id: 'g9', name: 'G', privacy: 'PUBLIC', created_time: T },
        { type: 'post', id: 'p9', author: 'ghost', message: '', created_time: T },
        // Refers to the refused group: that line's problem is not echoed as a missing group.
        { type: 'post', id: 'p10', author: 'm9', group: 'g9', message: '', created_time: T },
      ],
    });
    const error = await run(input).catch((e: unknown) => e as Error);
    const at = (line: number): string => `${path.join(inputDir, 'bad.ndjson')}:${line}: `;
    const lines = (error as Error).message.split('\n');
    expect(lines[0]).toMatch(/^Nothing was imported: 3 problems in/);
    expect(lines.slice(1)).toEqual([
      expect.stringContaining(`${at(2)}is not valid JSON`),
      expect.stringContaining(`${at(3)}privacy: must be one of OPEN, CLOSED, SECRET`),
      expect.stringContaining(`${at(4)}author: member "ghost" does not exist`),
    ]);
  });

  it('lists up to 20 problems across files, and names unreadable files', async () => {
    const bad = Array.from({ length: 30 }, (_, i) => ({ type: 'note', id: `n${i}` }));
    const error = await run([
      path.join(inputDir, 'missing.ndjson'),
      ...(await files({ 'a.ndjson': bad })),
    ]).catch((e: unknown) => e as Error);
    const lines = (error as Error).message.split('\n');
    expect(lines[1]).toBe(`${path.join(inputDir, 'missing.ndjson')}: no such file`);
    expect(lines[2]).toBe(`${path.join(inputDir, 'a.ndjson')}:1: author: is required`);
    expect(lines).toHaveLength(22);
    expect(lines[21]).toMatch(/only the first 20 problems are listed/);
  });

  it('deletes the blobs it stored when the write fails', async () => {
    const input = await files({
      'x.ndjson': [
        { type: 'member', id: 'm1', name: 'Ann', created_time: T },
        { type: 'media', id: 'img1', owner: 'm1', file: 'photos/team.png', created_time: T },
      ],
    });
    // The store refuses writes to a community that does not exist, after media are stored.
    const error = await run(input, { communityId: '999999999999999' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(await mediaBlobCount()).toBe(0);
  });

  it('stops when aborted, keeping nothing', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const input = await files({ 'people.ndjson': PEOPLE });
    await expect(run(input, { signal: controller.signal })).rejects.toThrow('stop');
    expect(Object.values(await runtime.content.counts(communityId)).every((n) => n === 0)).toBe(
      true,
    );
  });
});

describe('media files and symbolic links', () => {
  const member = { type: 'member', id: 'm9', name: 'Nia', created_time: T };
  const media = (file: string) => ({ type: 'media', id: 'x', owner: 'm9', file, created_time: T });
  let outside: string;

  beforeEach(async () => {
    // A private file next to the input folder, as /etc/passwd would be.
    outside = path.join(dataDir, 'secret.txt');
    await writeFile(outside, 'root:x:0:0:root:/root:/bin/bash\n');
  });

  async function refused(input: string[], options: Partial<ImportOptions> = {}) {
    const counts = await runtime.content.counts(communityId);
    const error = await run(input, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(await runtime.content.counts(communityId)).toEqual(counts);
    expect(await mediaBlobCount()).toBe(0);
    return (error as ValidationError).message;
  }

  it('refuses a file that is a link to a file outside the folder, importing nothing', async () => {
    await symlink(outside, path.join(inputDir, 'photos', 'passwd.png'));
    const input = await files({ 'm.ndjson': [member, media('photos/passwd.png')] });
    const message = await refused(input);
    expect(message).toContain(
      `\n${input[0]}:2: file: "photos/passwd.png" leads to ${await realpath(outside)}, outside the folder of ${input[0]}; a media file must be inside the folder of its NDJSON file (or of --media-root), also after following symbolic links`,
    );
  });

  it('refuses a path through a linked folder that leads outside', async () => {
    await symlink(dataDir, path.join(inputDir, 'up'));
    const input = await files({ 'm.ndjson': [member, media('up/secret.txt')] });
    expect(await refused(input)).toContain(`${input[0]}:2: file: "up/secret.txt" leads to`);
  });

  it('checks the file again when it reads it: a link swapped in after the check is refused', async () => {
    await writeFile(path.join(inputDir, 'photos', 'second.png'), Buffer.concat([png, png]));
    const input = await files({
      'm.ndjson': [member, media('photos/team.png'), { ...media('photos/second.png'), id: 'y' }],
    });
    const second = path.join(inputDir, 'photos', 'second.png');
    const message = await refused(input, {
      // Once the first file is stored, before the second is opened (synchronously, so no race).
      onProgress: (progress) => {
        if (progress.phase !== 'media' || progress.done !== 1) return;
        rmSync(second);
        symlinkSync(outside, second);
      },
    });
    expect(message).toContain(`${input[0]}:3: file: "photos/second.png" leads to`);
  });

  it('imports a link that stays inside the folder', async () => {
    await symlink('team.png', path.join(inputDir, 'photos', 'alias.png'));
    await symlink('photos', path.join(inputDir, 'pictures'));
    const input = await files({
      'm.ndjson': [member, media('photos/alias.png'), { ...media('pictures/team.png'), id: 'y' }],
    });
    const report = await run(input);
    expect(report.media).toEqual({ count: 2, bytes: 2 * png.byteLength, newBlobs: 1 });
    const stored = await collect('media');
    expect(stored.map((m) => [m.id, m.name, m.size])).toEqual([
      ['x', 'alias.png', png.byteLength],
      ['y', 'team.png', png.byteLength],
    ]);
  });

  it('takes media paths from --media-root instead, and keeps them inside it', async () => {
    const lists = path.join(dataDir, 'lists');
    await mkdir(lists);
    await writeFile(
      path.join(lists, 'm.ndjson'),
      [member, media('photos/team.png')].map((l) => JSON.stringify(l)).join('\n'),
    );
    const input = [path.join(lists, 'm.ndjson')];
    await expect(run(input)).rejects.toThrow(
      `${input[0]}:2: file: "photos/team.png" does not exist; paths are relative to the folder of ${input[0]}`,
    );

    const report = await run(input, { mediaRoot: inputDir });
    expect(report.media).toEqual({ count: 1, bytes: png.byteLength, newBlobs: 1 });

    await symlink(outside, path.join(inputDir, 'photos', 'passwd.png'));
    await writeFile(input[0] ?? '', JSON.stringify(media('photos/passwd.png')));
    const message = await run(input, { mediaRoot: inputDir }).catch((e: unknown) => String(e));
    expect(message).toContain(`${input[0]}:1: file: "photos/passwd.png" leads to`);
    expect(message).toContain(`outside --media-root ${inputDir};`);
    expect(await mediaBlobCount()).toBe(1);
  });
});

async function collect<K extends ContentKind>(kind: K) {
  const records = [];
  for await (const record of runtime.content.query(communityId, { kind })) records.push(record);
  return records;
}

describe('dyi import', () => {
  it('imports files into the only community and prints a summary', async () => {
    await runtime.close();
    const input = await files({ 'people.ndjson': PEOPLE, 'content.ndjson': CONTENT });
    const ok = await runDyi(['import', '--data-dir', dataDir, ...input]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`Imported 27 records from 2 files into community ${communityId}:`);
    expect(ok.stdout).toMatch(/^ {2}member +3$/m);
    expect(ok.stdout).toContain(`Media: 1 file, ${png.byteLength} bytes (1 new blob stored).`);

    const bad = await runDyi(['import', '--data-dir', dataDir, path.join(inputDir, 'nope.ndjson')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('nope.ndjson: no such file');

    // Media paths from --media-root instead of the NDJSON file's folder.
    const list = path.join(dataDir, 'media-list.ndjson');
    await writeFile(list, JSON.stringify({ ...CONTENT[2], id: 'img3' }));
    const rooted = await runDyi(['import', '--data-dir', dataDir, '--media-root', inputDir, list]);
    expect(rooted.stderr).toBe('');
    expect(rooted.stdout).toContain('Media: 1 file');

    await runDyi(['community', 'create', '--name', 'Beta', '--data-dir', dataDir]);
    const ambiguous = await runDyi(['import', '--data-dir', dataDir, ...input]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/There are 2 communities; choose one with --community ID/);
    expect(ambiguous.stderr).toContain(`${communityId} Acme`);
    runtime = await openRuntime(loadConfig({}, { dataDir, logLevel: 'silent' }));
  }, 60_000);
});
