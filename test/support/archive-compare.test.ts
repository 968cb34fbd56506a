/**
 * @module
 * The comparison of two exports' archives on parts written by the real zip part writer: two
 * exports of the same content digest the same although every part differs in its bytes; a
 * changed byte anywhere else, an identity where another export has none, a changed entry order
 * or compression, or a manifest or part index that does not match the real bytes all show.
 */
import { buffer } from 'node:stream/consumers';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { timeHtml, isoSeconds } from '../../src/export/html-page.js';
import { ZipPartWriter } from '../../src/export/zip-part-writer.js';
import { archiveDigest, type ExportIdentity, type StoredPart } from './archive-compare.js';
import { sha256 } from './archives.js';

const FIRST: ExportIdentity = { exportId: '100000000000042', requestedTime: 1_714_557_600 };
const SECOND: ExportIdentity = { exportId: '100000000000097', requestedTime: 1_714_561_234 };
const PHOTO = Buffer.alloc(40 * 1024).map((_, i) => (i * 7919) % 251);

interface Content {
  readonly index?: (identity: ExportIdentity) => string;
  readonly photo?: Buffer;
}

const defaultIndex = (identity: ExportIdentity) =>
  `<dd>${identity.exportId}</dd><dd>${timeHtml(identity.requestedTime)}</dd><p>member 1000000000000420</p>`;

/** The parts of one job of an export with `identity`, small enough to make two parts. */
async function partsOf(identity: ExportIdentity, content: Content = {}): Promise<StoredPart[]> {
  const parts: Buffer[] = [];
  const writer = new ZipPartWriter({
    maxPartBytes: 64 * 1024,
    maxJobBytes: 2 ** 30,
    manifest: { export_id: identity.exportId, requested_time: isoSeconds(identity.requestedTime) },
    partFileName: (n) => `user-1-part-${n}.zip`,
    storePart: async (n, body) => {
      parts[n - 1] = await buffer(body);
    },
  });
  // Two media of 40 KiB: two parts.
  for (const [path, photo] of [
    ['media/p1.jpg', content.photo ?? PHOTO],
    ['media/p2.jpg', PHOTO],
  ] as const) {
    await writer.add({
      kind: 'media',
      path,
      size: photo.length,
      open: () => Promise.resolve(Readable.from([photo])),
    });
  }
  await writer.add({
    kind: 'text',
    path: 'json/posts.json',
    data: Buffer.from(JSON.stringify({ posts: [{ id: 'p1', text: 'hello' }] })),
  });
  await writer.add({
    kind: 'text',
    path: 'index.html',
    data: Buffer.from((content.index ?? defaultIndex)(identity)),
  });
  await writer.finish();
  return parts.map((bytes, i) => ({ partNumber: i + 1, name: `user-1-part-${i + 1}.zip`, bytes }));
}

async function digest(identity: ExportIdentity, parts: readonly StoredPart[]) {
  return archiveDigest('1', parts, identity);
}

describe('archiveDigest', () => {
  it('is the same for two exports of the same content, whose parts differ in every byte', async () => {
    const [first, second] = [await partsOf(FIRST), await partsOf(SECOND)];
    expect(first.length).toBeGreaterThan(1);
    expect(first.map((part) => sha256(part.bytes))).not.toEqual(
      second.map((part) => sha256(part.bytes)),
    );
    expect(await digest(SECOND, second)).toEqual(await digest(FIRST, first));
  });

  it('shows a changed byte of a medium, and an identity where the other export has none', async () => {
    const first = await digest(FIRST, await partsOf(FIRST));
    const photo = Buffer.from(PHOTO);
    photo[100] = (photo[100] ?? 0) ^ 1;
    expect(await digest(SECOND, await partsOf(SECOND, { photo }))).not.toEqual(first);
    // The export id where the first export shows the words "an id".
    const index = (identity: ExportIdentity) =>
      `${defaultIndex(identity)}<p>${identity.exportId}</p>`;
    const firstWithWords = await digest(
      FIRST,
      await partsOf(FIRST, { index: (identity) => `${defaultIndex(identity)}<p>an id</p>` }),
    );
    expect(await digest(SECOND, await partsOf(SECOND, { index }))).not.toEqual(firstWithWords);
  });

  it('leaves a longer number holding the export id alone', async () => {
    const first = await digest(FIRST, await partsOf(FIRST));
    // "member 1000000000000420" holds FIRST's id inside a longer number: not a placeholder.
    const index = (identity: ExportIdentity) =>
      `${defaultIndex(identity)}`.replace(
        'member 1000000000000420',
        `member ${identity.exportId}0`,
      );
    expect(await digest(SECOND, await partsOf(SECOND, { index }))).not.toEqual(first);
  });

  it('refuses a manifest or a part index that does not match the real bytes', async () => {
    const parts = await partsOf(FIRST);
    expect(await digest(FIRST, parts)).toBeDefined();
    const renamed = parts.map((part) => ({ ...part, name: `other-${part.partNumber}.zip` }));
    await expect(digest(FIRST, renamed)).rejects.toThrow(/parts-index\.json/);
    // Part 1 of the same export with another photo: sound, but not the part the index lists.
    const photo = Buffer.from(PHOTO);
    photo[100] = (photo[100] ?? 0) ^ 1;
    const [otherFirst] = await partsOf(FIRST, { photo });
    await expect(digest(FIRST, [otherFirst!, ...parts.slice(1)])).rejects.toThrow(
      /parts-index\.json: part 1 does not match/,
    );
    await expect(digest(SECOND, parts)).rejects.toThrow(/export_id is 100000000000042/);
  });
});
