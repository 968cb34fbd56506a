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
      '&lt;img src=x onerror=alert(1)&gt;',
    );
    expect(htmlCell('participant_names', ['<b>Bob</b>'])).toBe(
      '<ul><li>&lt;b&gt;Bob&lt;/b&gt;</li></ul>',
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
    expect(htmlCell('url', 'javascript:alert(1)')).toBe('javascript:alert(1)');
    expect(htmlCell('message', 'https://example.com')).toBe('https://example.com');
  });
});
