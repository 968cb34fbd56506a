/**
 * @module
 * Cell rules of the HTML writer: user text always escaped, media linked relatively from
 * `html/`, only web addresses made into links.
 */
import { describe, expect, it } from 'vitest';
import { htmlCell } from './html-renderer.js';
import { escapeHtml } from './html-page.js';

describe('htmlCell', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
    expect(htmlCell('message', '<img src=x onerror=alert(1)>')).toBe(
      '<bdi>&lt;img src=x onerror=alert(1)&gt;</bdi>',
    );
    expect(htmlCell('participant_names', ['<b>Bob</b>'])).toBe(
      '<ul><li><bdi>&lt;b&gt;Bob&lt;/b&gt;</bdi></li></ul>',
    );
    expect(htmlCell('answers', [{ question: 'q', value: '</pre><script>' }])).not.toContain(
      '<script',
    );
  });

  it('shows images, links other media, and links only http(s) addresses', () => {
    expect(htmlCell('attachments', ['media/p1.jpg', 'media/p2.pdf'])).toBe(
      '<a href="../media/p1.jpg"><img src="../media/p1.jpg" alt="p1.jpg" loading="lazy"></a>' +
        '<a href="../media/p2.pdf">p2.pdf</a><br>',
    );
    expect(htmlCell('url', 'https://example.com/?a=1&b="2"')).toBe(
      '<a href="https://example.com/?a=1&amp;b=&quot;2&quot;" rel="noreferrer">https://example.com/?a=1&amp;b=&quot;2&quot;</a>',
    );
    expect(htmlCell('url', 'javascript:alert(1)')).toBe('<bdi>javascript:alert(1)</bdi>');
    expect(htmlCell('message', 'https://example.com')).toBe('<bdi>https://example.com</bdi>');
  });

  it('marks media left out of the archive as missing, pointing at nothing', () => {
    const missing = new Map([['media/p1.jpg', 'the image could not be decoded <x>']]);
    const html = htmlCell('attachments', ['media/p1.jpg', 'media/p2.jpg'], missing);
    expect(html).toBe(
      '<span class="missing"><bdi>p1.jpg</bdi>: not in this archive ' +
        '(<bdi>the image could not be decoded &lt;x&gt;</bdi>)</span><br>' +
        '<a href="../media/p2.jpg"><img src="../media/p2.jpg" alt="p2.jpg" loading="lazy"></a>',
    );
  });

  it('isolates user text, so that a right-to-left override cannot reverse the rest of a cell', () => {
    const override = 'Hello \u202Eevil.exe\u202C, and \u202Ethe rest';
    // The override and everything it governs sit inside one isolating element.
    expect(htmlCell('message', override)).toBe(`<bdi>${override}</bdi>`);
    expect(htmlCell('participant_names', ['\u202EEve', 'Bob'])).toBe(
      '<ul><li><bdi>\u202EEve</bdi></li><li><bdi>Bob</bdi></li></ul>',
    );
    expect(htmlCell('answers', [{ q: '\u202Ex' }])).toMatch(/^<pre dir="auto">/);
    expect(htmlCell('message', 'مرحبا')).toBe('<bdi>مرحبا</bdi>');
  });
});
