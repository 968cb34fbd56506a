/**
 * @module
 * The archive's index page on what was left out: nothing said when nothing was, otherwise a
 * sentence with the count, the first items named (escaped, since paths and reasons come from
 * imported content) and how many more the manifests list.
 */
import { describe, expect, it } from 'vitest';
import { INDEX_LEFT_OUT_LISTED, renderHtmlIndex } from './html-index.js';

const dataTypes = [{ dataType: 'POSTS_YOUR_ACTIVITY' as const, items: 3, pages: [] }];

function indexHtml(count: number, listed: { item: string; reason: string }[]): string {
  return renderHtmlIndex({ title: 'T', dataTypes, leftOut: { count, listed } }).data.toString();
}

describe('renderHtmlIndex', () => {
  it('says nothing about left-out items when there are none', () => {
    expect(indexHtml(0, [])).not.toMatch(/left out/i);
    expect(renderHtmlIndex({ title: 'T', dataTypes }).data.toString()).not.toMatch(/left out/i);
  });

  it('names what was left out, escaped, and counts the rest', () => {
    const listed = Array.from({ length: INDEX_LEFT_OUT_LISTED }, (_, i) => ({
      item: `media/<b>${i}</b>.jpg`,
      reason: 'the image cannot be decoded',
    }));
    const html = indexHtml(INDEX_LEFT_OUT_LISTED + 5, listed);
    expect(html).toContain(`${INDEX_LEFT_OUT_LISTED + 5} items were left out of this archive`);
    expect(html).toContain(
      '<code>media/&lt;b&gt;0&lt;/b&gt;.jpg</code>: the image cannot be decoded',
    );
    expect(html).not.toContain('<b>0</b>');
    expect(html).toContain('<li>and 5 more</li>');
    expect(indexHtml(1, listed.slice(0, 1))).toContain('1 item was left out of this archive');
  });
});
