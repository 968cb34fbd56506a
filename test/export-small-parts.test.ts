/**
 * @module
 * Small parts lose nothing: a member with 2,500 posts exported with `DYI_MAX_PART_BYTES` of
 * 1 MiB and of 65,536 bytes (the smallest allowed) gets every post in every format, spread over
 * parts that each stay within the limit and hold only valid files (numbered JSON documents,
 * CSV files each with its header row, complete HTML pages), the job COMPLETED with
 * `left_out_count` 0. What genuinely cannot fit (one attachment larger than a part) is not a
 * silent COMPLETED: the job and the file that lists it say `left_out_count` 1 on the Graph API,
 * the job's `state_message` says why, and the archive's `index.html` says it in words.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DyiFormat } from '../src/domain/index.js';
import {
  checkPartIndex,
  extractAll,
  filesOfExport,
  readZip,
  runExport,
  unzipTest,
} from './support/archives.js';
import { archiveDigest } from './support/archive-compare.js';
import { addBulkyMember, addChattyMember, tokensFor } from './support/export-scenarios.js';
import { type GraphFixture, graph, startGraphFixture } from './support/graph-fixture.js';

const KIB = 1024;
const POSTS = 2500;
const POST_TIME = Date.UTC(2025, 0, 15) / 1000;
const FORMATS: readonly DyiFormat[] = ['JSON', 'CSV', 'HTML', 'HTML_AND_JSON'];

interface Manifest {
  readonly entries: readonly { readonly path: string }[];
  readonly left_out: readonly { readonly item: string; readonly reason: string }[];
}

/** What a user finds after unzipping every part of a job into one folder. */
interface Unzipped {
  readonly files: Map<string, Buffer>;
  readonly leftOut: Manifest['left_out'][number][];
  /** SHA-256 of each part, in order. */
  readonly parts: readonly string[];
  /** Every entry of every part, with the export's id and time as placeholders. */
  readonly digest: ReadonlyMap<string, string>;
}

async function exportOf(
  fixture: GraphFixture,
  communityId: string,
  format: DyiFormat,
): Promise<{ exportId: string; userJob: string; archive: Unzipped }> {
  const exportJob = await fixture.runtime.exports.create(communityId, {
    data_types: 'POSTS_YOUR_ACTIVITY',
    dyi_format: format,
    media_quality: 'VERY_HIGH',
    start_time: '2025-01-01T00:00:00Z',
    end_time: '2026-01-01T00:00:00Z',
  });
  const outcomes = await runExport(fixture.runtime, exportJob.id);
  expect([...outcomes.values()]).toEqual(['COMPLETED', 'COMPLETED']);
  const jobs = await filesOfExport(fixture.runtime, exportJob.id);
  // No company type was chosen: the company job completes with no files, whatever the format.
  expect(jobs.find((job) => job.job.jobType === 'COMPANY')?.files).toEqual([]);
  const user = jobs.find((job) => job.job.jobType === 'USER');
  if (!user) throw new Error('no user job');
  const files = new Map<string, Buffer>();
  const parts: string[] = [];
  const leftOut: Manifest['left_out'][number][] = [];
  const onDisk: string[] = [];
  for (const { file, bytes } of user.files) {
    parts.push(file.sha256);
    expect(file.size).toBeLessThanOrEqual(fixture.config.maxPartBytes);
    onDisk.push(path.join(fixture.dataDir, `check-${file.id}.zip`));
    await writeFile(onDisk.at(-1) ?? '', bytes);
    await unzipTest(onDisk.at(-1) ?? '');
    const part = await readZip(bytes);
    const manifestName = `manifest-part-${file.partNumber}.json`;
    const manifest = JSON.parse(part.get(manifestName)?.toString() ?? '{}') as Manifest;
    leftOut.push(...manifest.left_out);
    // Every entry, manifests included: two parts never hold the same path.
    for (const [name, data] of part) {
      expect(files.has(name), `${name} is in two parts`).toBe(false);
      files.set(name, data);
    }
  }
  // What a user does: every part into one folder. `unzip -n` skips what exists: nothing may be.
  const folder = await mkdtemp(path.join(fixture.dataDir, 'unzipped-'));
  expect(await extractAll(onDisk, folder)).toEqual([...files.keys()].sort());
  checkPartIndex(user.files, files);
  const identity = { exportId: exportJob.id, requestedTime: exportJob.createTime };
  const stored = user.files.map(({ file, bytes }) => ({ ...file, bytes }));
  const digest = await archiveDigest('user', stored, identity);
  for (const name of [...files.keys()])
    if (/^(manifest-part-\d+|parts-index)\.json$/.test(name)) files.delete(name);
  return {
    exportId: exportJob.id,
    userJob: user.job.id,
    archive: { files, leftOut, parts, digest },
  };
}

/** Post ids of every JSON file of the posts data type, each parsed as a whole document. */
function jsonPostIds(files: Map<string, Buffer>): string[] {
  const names = [...files.keys()].filter((name) =>
    /^json\/posts_your_activity(_\d+)?\.json$/.test(name),
  );
  return names.flatMap((name) => {
    const document = JSON.parse(files.get(name)?.toString() ?? '') as {
      your_posts: { id: string }[];
    };
    return document.your_posts.map((post) => post.id);
  });
}

/** Post ids of every CSV file of the posts data type; each must start with the header row. */
function csvPostIds(files: Map<string, Buffer>): string[] {
  const names = [...files.keys()].filter((name) =>
    /^csv\/posts_your_activity\/your_posts(_\d+)?\.csv$/.test(name),
  );
  return names.flatMap((name) => {
    const lines = (files.get(name)?.toString() ?? '').replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0], name).toBe('id,group,group_name,message,attachments,created_time');
    expect(lines.at(-1)).toBe('');
    return lines.slice(1, -1).map((line) => line.split(',')[0] ?? '');
  });
}

/** Post ids of every HTML page of the posts data type; each must be a complete page. */
function htmlPostIds(files: Map<string, Buffer>): string[] {
  const names = [...files.keys()].filter((name) =>
    /^html\/posts_your_activity(_\d+)?\.html$/.test(name),
  );
  return names.flatMap((name) => {
    const html = files.get(name)?.toString() ?? '';
    expect(html.startsWith('<!DOCTYPE html>'), name).toBe(true);
    expect(html.endsWith('</body>\n</html>\n'), name).toBe(true);
    expect(html.split('<table>').length, name).toBe(html.split('</table>').length);
    return [...html.matchAll(/<td><bdi>(chatty-post-\d+)<\/bdi><\/td>/g)].map(
      (match) => match[1] ?? '',
    );
  });
}

const expectedIds = Array.from({ length: POSTS }, (_, i) => `chatty-post-${i + 1}`).sort();

describe.each([1024 * KIB, 64 * KIB])('parts of at most %i bytes', (partBytes) => {
  let fixture: GraphFixture;
  let communityId: string;
  let readToken: string;

  beforeAll(async () => {
    fixture = await startGraphFixture({ maxPartBytes: partBytes });
    communityId = (await fixture.runtime.communities.create('Chatty')).id;
    await addChattyMember(fixture.runtime, communityId, {
      sourceId: 'chatty',
      posts: POSTS,
      time: POST_TIME,
    });
    readToken = (await tokensFor(fixture.runtime, communityId)).readToken;
  });

  afterAll(async () => {
    await fixture.close();
  });

  it.each(FORMATS)(
    '%s holds all 2,500 posts in valid files',
    async (format) => {
      const { exportId, userJob, archive } = await exportOf(fixture, communityId, format);
      expect(archive.leftOut).toEqual([]);
      if (format === 'JSON' || format === 'HTML_AND_JSON') {
        expect(jsonPostIds(archive.files).sort()).toEqual(expectedIds);
      }
      if (format === 'CSV') expect(csvPostIds(archive.files).sort()).toEqual(expectedIds);
      if (format === 'HTML' || format === 'HTML_AND_JSON') {
        expect(htmlPostIds(archive.files).sort()).toEqual(expectedIds);
        expect(archive.files.get('index.html')?.toString()).not.toMatch(/left out of this archive/);
      }
      const job = await graph(
        fixture.app,
        'GET',
        `/v22.0/${userJob}?fields=job_state,left_out_count,state_message,files{left_out_count}`,
        { token: readToken },
      );
      expect(job.status, JSON.stringify(job.body)).toBe(200);
      expect(job.body).toMatchObject({ job_state: 'COMPLETED', left_out_count: 0 });
      expect(job.body.state_message).toBeUndefined();
      const files = job.body.files.data as { left_out_count: number }[];
      expect(files).toHaveLength(archive.parts.length);
      expect(files.every((file) => file.left_out_count === 0)).toBe(true);
      const exportJob = await graph(
        fixture.app,
        'GET',
        `/v22.0/${exportId}?fields=left_out_count`,
        {
          token: readToken,
        },
      );
      expect(exportJob.body).toMatchObject({ left_out_count: 0 });
    },
    120_000,
  );

  it('gives the same archive when the same export runs again, but for its id and time', async () => {
    const first = await exportOf(fixture, communityId, 'HTML_AND_JSON');
    const second = await exportOf(fixture, communityId, 'HTML_AND_JSON');
    // 2,500 posts as HTML and JSON deflate to about 70 KB: more than one of the smallest parts.
    if (partBytes === 64 * KIB) expect(first.archive.parts.length).toBeGreaterThan(1);
    expect(second.archive.digest).toEqual(first.archive.digest);
  }, 120_000);
});

describe('an attachment larger than a part', () => {
  let fixture: GraphFixture;
  let communityId: string;
  let readToken: string;

  beforeAll(async () => {
    fixture = await startGraphFixture({ maxPartBytes: 64 * KIB });
    communityId = (await fixture.runtime.communities.create('Bulky')).id;
    await addBulkyMember(fixture.runtime, communityId, {
      sourceId: 'bulky',
      posts: 1,
      fileBytes: 100 * KIB,
      time: POST_TIME,
    });
    readToken = (await tokensFor(fixture.runtime, communityId)).readToken;
  });

  afterAll(async () => {
    await fixture.close();
  });

  it('is counted on the job and its file, and named on the index page', async () => {
    const { exportId, userJob, archive } = await exportOf(fixture, communityId, 'HTML');
    expect(archive.leftOut.map((item) => item.item)).toEqual(['media/bulky-file-1.bin']);
    expect([...archive.files.keys()].sort()).toEqual([
      'html/posts_your_activity.html',
      'index.html',
    ]);
    const index = archive.files.get('index.html')?.toString() ?? '';
    expect(index).toMatch(/1 item was left out of this archive/);
    expect(index).toContain('media/bulky-file-1.bin');
    // The post's page marks the attachment as missing, and links to nothing that is not there.
    const page = archive.files.get('html/posts_your_activity.html')?.toString() ?? '';
    expect(page).not.toContain('../media/bulky-file-1.bin');
    expect(page).toContain('<bdi>bulky-file-1.bin</bdi>: not in this archive');

    const job = await graph(
      fixture.app,
      'GET',
      `/v22.0/${userJob}?fields=job_state,left_out_count,state_message,files{left_out_count}`,
      { token: readToken },
    );
    expect(job.status, JSON.stringify(job.body)).toBe(200);
    expect(job.body).toMatchObject({ job_state: 'COMPLETED', left_out_count: 1 });
    expect(job.body.state_message).toMatch(/1 item was left out/);
    const files = job.body.files.data as { left_out_count: number }[];
    expect(files.reduce((sum, file) => sum + file.left_out_count, 0)).toBe(1);

    const exportJob = await graph(fixture.app, 'GET', `/v22.0/${exportId}?fields=left_out_count`, {
      token: readToken,
    });
    expect(exportJob.body).toMatchObject({ left_out_count: 1 });

    // Not asked for, the field is not sent (like every field we add).
    const plain = await graph(fixture.app, 'GET', `/v22.0/${userJob}`, { token: readToken });
    expect(plain.body).not.toHaveProperty('left_out_count');
  }, 60_000);
});

describe('an image that cannot be read', () => {
  let fixture: GraphFixture;
  let communityId: string;

  beforeAll(async () => {
    fixture = await startGraphFixture({ maxPartBytes: 1024 * KIB });
    communityId = (await fixture.runtime.communities.create('Broken')).id;
    await addBulkyMember(fixture.runtime, communityId, {
      sourceId: 'broken',
      posts: 1,
      fileBytes: 2 * KIB,
      time: POST_TIME,
      contentType: 'image/jpeg',
    });
  });

  afterAll(async () => {
    await fixture.close();
  });

  it('is marked as missing on its page, never shown as a broken image', async () => {
    const { archive } = await exportOf(fixture, communityId, 'HTML');
    expect(archive.leftOut.map((item) => item.item)).toEqual(['media/broken-file-1.jpg']);
    expect(archive.files.has('media/broken-file-1.jpg')).toBe(false);
    const page = archive.files.get('html/posts_your_activity.html')?.toString() ?? '';
    expect(page).toContain('Post 1 with a large attachment');
    expect(page).not.toMatch(/<img[^>]*broken-file-1/);
    expect(page).not.toContain('../media/broken-file-1.jpg');
    // Named as it was uploaded (its record's name), not by its path in the archive.
    expect(page).toMatch(
      /<span class="missing"><bdi>broken-file-1\.bin<\/bdi>: not in this archive \(<bdi>the image could not be decoded/,
    );
  }, 60_000);

  it('is a media object marked missing in the JSON, with the reason the manifest gives', async () => {
    const { archive } = await exportOf(fixture, communityId, 'JSON');
    const [leftOut] = archive.leftOut;
    const posts = JSON.parse(
      archive.files.get('json/posts_your_activity.json')?.toString() ?? '{}',
    ) as { your_posts: { attachments: unknown[] }[] };
    expect(posts.your_posts[0]?.attachments).toEqual([
      {
        uri: 'media/broken-file-1.jpg',
        original_name: expect.any(String),
        content_type: 'image/jpeg',
        missing: true,
        reason: leftOut?.reason,
      },
    ]);
    expect(leftOut?.reason).toMatch(/could not be decoded/);
  }, 60_000);
});
