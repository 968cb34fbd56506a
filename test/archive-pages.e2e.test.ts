/**
 * @module
 * A member's archive as its reader meets it: every part of a multi-part HTML_AND_JSON job
 * unzipped into one folder (nothing written twice, every manifest and part-index hash true to
 * the extracted bytes), then every page opened from disk in headless Chromium: no console
 * error or failed request, no broken link, anchor or image, no sideways scrolling on a 360 px
 * phone, no axe-core violation on the index, a conversation and a posts page, and a message
 * with a right-to-left override that reverses its own text and nothing after it. Pages are
 * found from the folder and the links alone (only `index.html` is named), and the conversation
 * and posts pages by the text this test wrote, so the test holds as the pages change.
 * Screenshots of those three pages at 1280 and 360 px go to `test-results/screenshots/`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCommunity } from '../src/content/seed-community.js';
import {
  type ContentRecord,
  DATA_TYPES,
  isCompanyDataType,
  type MediaRecord,
} from '../src/domain/index.js';
import { blobKeyForMedia } from '../src/ports/blob-store.js';
import {
  axeViolations,
  brokenLinks,
  htmlFilesUnder,
  type PageVisit,
  reachablePages,
  textDirection,
  visitPage,
} from './support/archive-pages.js';
import {
  checkPartIndex,
  extractAll,
  filesOfExport,
  type JobFiles,
  readZip,
  runExport,
} from './support/archives.js';
import { launchBrowser, screenshot } from './support/browser.js';
import { type GraphFixture, startGraphFixture } from './support/graph-fixture.js';

/** The smallest part the engine allows: one member's job spreads over several parts. */
const PART_BYTES = 64 * 1024;
const CONTENT_TIME = Date.UTC(2025, 2, 1) / 1000;
/** Drawn reversed by the override before it; this test finds the conversation page by it. */
const RTL_MARKER = 'ZEBRAWORD';
const RTL_MESSAGE = `Invoice attached \u202E${RTL_MARKER} gnp.exe`;
const REPLY_TEXT = 'Thanks, paid today.';
/** This test's own post: how it finds a posts page. */
const POST_TEXT = 'Quokka sighting on the roof terrace';
/** A JPEG that is not one: left out of the archive, and named `<id>.jpg` to its reader. */
const CORRUPT_MEDIA = 'reader-corrupt';
const PHONE_WIDTH = 360;
const DESKTOP_WIDTH = 1280;

let fixture: GraphFixture;
let folder: string;
let job: JobFiles;
/** The archive's files as extracted, relative to `folder`. */
let extracted: string[];
let browser: Browser | undefined;

beforeAll(async () => {
  fixture = await startGraphFixture({ maxPartBytes: PART_BYTES });
  const { communityId } = await seedCommunity(fixture.runtime, { users: 2, seed: 11 });
  const [memberId, otherId] = await fixture.runtime.metadata.members.listActiveIds(communityId);
  const sourceIdOf = async (id: string | undefined): Promise<string> =>
    (await fixture.runtime.content.member(communityId, id ?? ''))?.sourceId ?? '';
  const [member, other] = [await sourceIdOf(memberId), await sourceIdOf(otherId)];
  await fixture.runtime.content.write(communityId, await readerContent(communityId, member, other));
  const exportJob = await fixture.runtime.exports.create(communityId, {
    // Every type a member's archive can hold; the company job's types would only cost time.
    data_types: DATA_TYPES.filter((type) => !isCompanyDataType(type)).join(','),
    dyi_format: 'HTML_AND_JSON',
    media_quality: 'MEDIUM',
    start_time: '2020-01-01T00:00:00Z',
    end_time: '2026-01-01T00:00:00Z',
  });
  const outcomes = await runExport(fixture.runtime, exportJob.id);
  expect([...outcomes.values()].every((outcome) => outcome === 'COMPLETED')).toBe(true);
  const jobs = await filesOfExport(fixture.runtime, exportJob.id);
  const found = jobs.find((each) => each.job.userId === memberId);
  if (!found) throw new Error(`no job for member ${memberId}`);
  job = found;
  folder = await mkdtemp(path.join(fixture.dataDir, 'unzipped-'));
  const parts = [];
  for (const { file, bytes } of job.files) {
    parts.push(path.join(fixture.dataDir, file.name));
    await writeFile(parts.at(-1) ?? '', bytes);
  }
  extracted = await extractAll(parts, folder);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await fixture?.close();
});

/**
 * A thread with a message whose text carries a right-to-left override, and a post with a
 * picture (shown) and a corrupt JPEG (left out, so shown as missing).
 */
async function readerContent(
  communityId: string,
  member: string,
  other: string,
): Promise<ContentRecord[]> {
  const picture = await sharp({
    create: { width: 64, height: 48, channels: 3, background: '#3b6fd1' },
  })
    .jpeg()
    .toBuffer();
  return [
    await storedJpeg(communityId, member, 'reader-photo', picture),
    await storedJpeg(communityId, member, CORRUPT_MEDIA, randomBytes(2048)),
    {
      type: 'chat_thread',
      id: 'reader-thread',
      name: 'Invoices',
      participants: [member, other],
      created_time: CONTENT_TIME,
    },
    {
      type: 'chat_message',
      id: 'reader-rtl',
      thread: 'reader-thread',
      author: member,
      text: RTL_MESSAGE,
      attachments: [],
      created_time: CONTENT_TIME + 60,
    },
    {
      type: 'chat_message',
      id: 'reader-reply',
      thread: 'reader-thread',
      author: other,
      text: REPLY_TEXT,
      attachments: [],
      created_time: CONTENT_TIME + 120,
    },
    {
      type: 'post',
      id: 'reader-post',
      author: member,
      group: null,
      message: POST_TEXT,
      attachments: ['reader-photo', CORRUPT_MEDIA],
      created_time: CONTENT_TIME,
    },
  ];
}

/** A media record of `owner` said to be a JPEG, with `bytes` put in the blob store. */
async function storedJpeg(
  communityId: string,
  owner: string,
  id: string,
  bytes: Buffer,
): Promise<MediaRecord> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const blobKey = blobKeyForMedia(communityId, sha256);
  await fixture.runtime.blobs.put(blobKey, Readable.from([bytes]));
  return {
    type: 'media',
    id,
    owner,
    name: `${id}.jpg`,
    content_type: 'image/jpeg',
    size: bytes.length,
    sha256,
    blob_key: blobKey,
    created_time: CONTENT_TIME,
  };
}

/** A page of the extracted archive as a `file:` URL. */
function urlOf(page: string): string {
  return pathToFileURL(path.join(folder, page)).href;
}

describe('a multi-part archive extracted into one folder', () => {
  it('has every part write its own paths, and every hash true to the extracted bytes', async () => {
    expect(job.files.length).toBeGreaterThan(1);
    const owner = new Map<string, number>();
    for (const { file, bytes } of job.files) {
      for (const name of (await readZip(bytes)).keys()) {
        const earlier = owner.get(name);
        expect(earlier, `${name} is in part ${earlier} and in part ${file.partNumber}`).toBe(
          undefined,
        );
        owner.set(name, file.partNumber);
      }
    }
    // unzip -n skips what is already there: the folder holds each part's every entry.
    expect(extracted).toEqual([...owner.keys()].sort());
    const onDisk = new Map<string, Buffer>();
    for (const name of extracted) onDisk.set(name, await readFile(path.join(folder, name)));
    checkPartIndex(job.files, onDisk);
  });
});

describe('the archive in Chromium', () => {
  let conversationPage: string;
  let postsPage: string;

  /** The browser and a page context at `width`, launched on first use (or the test skipped). */
  async function contextAt(
    ctx: { skip(note?: string): void },
    width: number,
    options: { bypassCSP?: boolean } = {},
  ): Promise<BrowserContext> {
    browser ??= await launchBrowser(ctx);
    if (!browser) throw new Error('unreachable: launchBrowser skipped the test');
    return browser.newContext({ viewport: { width, height: 800 }, ...options });
  }

  /** The first page (by path) that holds every one of `texts`; fails when none does. */
  async function pageShowing(...texts: string[]): Promise<string> {
    for (const page of await htmlFilesUnder(folder)) {
      const html = await readFile(path.join(folder, page), 'utf8');
      if (texts.every((text) => html.includes(text))) return page;
    }
    throw new Error(`no page of the archive shows all of ${JSON.stringify(texts)}`);
  }

  beforeAll(async () => {
    // Both messages: the thread itself, not a list of threads with the latest one's excerpt.
    conversationPage = await pageShowing(RTL_MARKER, REPLY_TEXT);
    postsPage = await pageShowing(POST_TEXT);
  });

  it('loads every page at 360 px with nothing broken and nothing wider than the screen', async (ctx) => {
    const context = await contextAt(ctx, PHONE_WIDTH);
    const visits: PageVisit[] = [];
    try {
      const pages = await htmlFilesUnder(folder);
      expect(pages).toContain('index.html');
      for (const page of pages) visits.push(await visitPage(context, folder, page));
    } finally {
      await context.close();
    }
    for (const visit of visits) {
      expect(visit.errors, visit.page).toEqual([]);
      const broken = visit.images.filter((image) => !image.isLoaded).map((image) => image.src);
      expect(broken, `${visit.page}: images that did not load`).toEqual([]);
      expect(visit.scrollWidth, `${visit.page} scrolls sideways`).toBeLessThanOrEqual(PHONE_WIDTH);
    }
    expect(brokenLinks(folder, new Set(extracted), visits)).toEqual([]);
    expect([...reachablePages(folder, visits, 'index.html')].sort()).toEqual(
      visits.map((visit) => visit.page),
    );
    // Pictures are shown; the corrupt JPEG, left out, is said to be missing, in words.
    const posts = visits.find((visit) => visit.page === postsPage);
    expect(posts?.images.length).toBeGreaterThan(0);
    const saysMissing = posts?.shownText
      .split('\n')
      .filter((line) => line.includes(`${CORRUPT_MEDIA}.jpg`))
      .some((line) => /not in this archive|missing|left out/i.test(line));
    expect(saysMissing, `${postsPage} says ${CORRUPT_MEDIA}.jpg is missing`).toBe(true);
  });

  it('breaks no axe-core rule on the index, a conversation and a posts page', async (ctx) => {
    const context = await contextAt(ctx, DESKTOP_WIDTH, { bypassCSP: true });
    const report: string[] = [];
    try {
      for (const page of ['index.html', conversationPage, postsPage]) {
        const tab = await context.newPage();
        await tab.goto(urlOf(page));
        for (const { report: text } of await axeViolations(tab)) report.push(`${page}: ${text}`);
        await tab.close();
      }
    } finally {
      await context.close();
    }
    expect(report.join('\n\n'), 'axe-core violations').toBe('');
  });

  it('keeps a right-to-left override inside the message that carries it', async (ctx) => {
    const context = await contextAt(ctx, DESKTOP_WIDTH);
    try {
      const tab = await context.newPage();
      await tab.goto(urlOf(conversationPage));
      const drawn = await textDirection(tab, RTL_MARKER);
      expect(drawn.isolatedBy, 'the message text is in a <bdi> or dir="auto"').toBeDefined();
      // The override reverses the sender's own words: proof that the measure sees direction.
      expect(isFalling(drawn.markerLefts), `${RTL_MARKER}: ${drawn.markerLefts.join(', ')}`).toBe(
        true,
      );
      expect(isRising(drawn.nextLefts), `${drawn.nextText}: ${drawn.nextLefts.join(', ')}`).toBe(
        true,
      );
    } finally {
      await context.close();
    }
  });

  it('takes screenshots of the index, a conversation and a posts page', async (ctx) => {
    const shots = { index: 'index.html', conversation: conversationPage, posts: postsPage };
    for (const width of [DESKTOP_WIDTH, PHONE_WIDTH]) {
      const context = await contextAt(ctx, width);
      try {
        for (const [name, page] of Object.entries(shots)) {
          const tab = await context.newPage();
          await tab.goto(urlOf(page));
          await screenshot(tab, `archive-${name}-${width}`);
        }
      } finally {
        await context.close();
      }
    }
  });
});

function isRising(values: readonly number[]): boolean {
  return values.every((value, i) => i === 0 || value > (values[i - 1] ?? Infinity));
}

function isFalling(values: readonly number[]): boolean {
  return values.every((value, i) => i === 0 || value < (values[i - 1] ?? -Infinity));
}
