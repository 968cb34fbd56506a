/**
 * @module
 * Unit tests of the block-level metadata cleaner on what sharp cannot write itself: GIF
 * comments and XMP application blocks, and JPEG data appended after the end of the image.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { stripImageMetadata } from './image-metadata.js';

const SECRET = 'SecretAuthorName';

/** A GIF block chain of one sub-block holding `text`. */
function subBlocks(text: string): Buffer {
  const data = Buffer.from(text, 'latin1');
  return Buffer.concat([Buffer.from([data.length]), data, Buffer.from([0])]);
}

describe('stripImageMetadata', () => {
  it('drops GIF comments and XMP blocks, keeping frames and looping', async () => {
    const frame = await sharp({
      create: { width: 40, height: 30, channels: 3, background: '#369' },
    })
      .png()
      .toBuffer();
    const gif = await sharp([frame, frame], { join: { animated: true } })
      .gif({ loop: 0 })
      .toBuffer();
    const flags = gif[10] ?? 0;
    const afterTable = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 7) + 1) : 0);
    const comment = Buffer.concat([Buffer.from([0x21, 0xfe]), subBlocks(SECRET)]);
    const xmp = Buffer.concat([
      Buffer.from([0x21, 0xff, 11]),
      Buffer.from('XMP DataXMP', 'latin1'),
      subBlocks(`<x:xmpmeta>${SECRET}</x:xmpmeta>`),
    ]);
    const tagged = Buffer.concat([
      gif.subarray(0, afterTable),
      comment,
      xmp,
      gif.subarray(afterTable),
    ]);
    const cleaned = stripImageMetadata(tagged, 'image/gif');
    expect(cleaned?.includes(SECRET)).toBe(false);
    expect(cleaned?.equals(gif)).toBe(true);
  });

  it('drops what follows the end of a JPEG (appended previews with their own EXIF)', async () => {
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#963' } })
      .jpeg()
      .toBuffer();
    const appended = Buffer.concat([jpeg, Buffer.from(`\xff\xd8\xff\xe1Exif${SECRET}`, 'latin1')]);
    expect(stripImageMetadata(appended, 'image/jpeg')?.equals(jpeg)).toBe(true);
  });

  it('gives up on a file whose blocks cannot be walked', () => {
    expect(stripImageMetadata(Buffer.from('GIF89a'), 'image/gif')).toBeUndefined();
    expect(stripImageMetadata(Buffer.from([0xff, 0xd8, 0x5a, 0x5a]), 'image/jpeg')).toBeUndefined();
    expect(stripImageMetadata(Buffer.from('RIFF\x04\0\0\0WEBPVP8 '), 'image/webp')).toBeUndefined();
  });
});
