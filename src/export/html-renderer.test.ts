/**
 * @module
 * The HTML writer as a reader meets it: user text always escaped and isolated, media linked
 * relatively from `html/`, only web addresses made into links, times in words with their ISO
 * form for machines, columns headed with words, and long sections paged with links between
 * the pages.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Row, Section } from './data-type-sections.js';
import { defineSection, field } from './section-model.js';
import { HtmlWriter, htmlCell, ROWS_PER_PAGE } from './html-renderer.js';
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

describe('times', () => {
  it('shows a time column in words, UTC, with its ISO form in datetime', () => {
    expect(htmlCell('created_time', '2024-05-01T10:00:00Z')).toBe(
      '<time datetime="2024-05-01T10:00:00Z">1 May 2024, 10:00 UTC</time>',
    );
    expect(htmlCell('start_time', '2023-12-31T23:59:59Z')).toBe(
      '<time datetime="2023-12-31T23:59:59Z">31 December 2023, 23:59 UTC</time>',
    );
  });

  it('keeps anything else as text: a time column that is no ISO time, an ISO time in a message', () => {
    expect(htmlCell('created_time', 'yesterday')).toBe('<bdi>yesterday</bdi>');
    expect(htmlCell('created_time', '2024-02-30T10:00:00Z')).toBe(
      '<bdi>2024-02-30T10:00:00Z</bdi>',
    );
    expect(htmlCell('message', '2024-05-01T10:00:00Z')).toBe('<bdi>2024-05-01T10:00:00Z</bdi>');
  });
});

const POSTS: Section = defineSection({
  name: 'your_posts',
  title: 'Your posts',
  kind: 'post',
  fields: z.object({
    id: field.id,
    message: field.text,
    created_time: field.time,
    reaction_count: z.number(),
  }),
  query: () => null,
  row: () => ({ id: '', message: '', created_time: '', reaction_count: 0 }),
});

function row(i: number): Row {
  return {
    id: `p${i}`,
    message: `post ${i}`,
    created_time: '2024-05-01T10:00:00Z',
    reaction_count: i,
  };
}

/** Every page the writer makes for `rows` rows of one section. */
function pages(rows: number, rowsPerPage?: number): { path: string; html: string }[] {
  const writer = new HtmlWriter(
    'posts_your_activity',
    'Your posts',
    4 * 1024 * 1024,
    new Map(),
    rowsPerPage,
  );
  const entries = [...writer.startSection(POSTS)];
  for (let i = 1; i <= rows; i++) entries.push(...writer.writeRow(row(i)));
  entries.push(...writer.finish());
  return entries.map((entry) => ({ path: entry.path, html: entry.data.toString() }));
}

/** The ids of the rows of a page: the last cell of each row (ids come last on a page). */
function rowIds(html: string): string[] {
  return [...html.matchAll(/<td><bdi>(p\d+)<\/bdi><\/td><\/tr>/g)].map((match) => match[1] ?? '');
}

describe('HtmlWriter', () => {
  it('heads columns with words, ids last, in a captioned table that scrolls in its own box', () => {
    const [page] = pages(1);
    expect(page?.html).toContain(
      '<thead><tr><th scope="col">Message</th><th scope="col">Created</th>' +
        '<th scope="col">Reaction count</th><th scope="col">ID</th></tr></thead>',
    );
    expect(page?.html).toContain(
      '<div class="scroll" role="region" tabindex="0" aria-labelledby="your_posts-table">\n' +
        '<table>\n<caption id="your_posts-table">Your posts</caption>',
    );
    expect(page?.html).toContain('<h1>Your posts</h1>');
    expect(page?.html).toContain('<h2>Your posts</h2>');
    expect(page?.html).not.toContain('created_time</th>');
  });

  it(`pages a long section at ${ROWS_PER_PAGE} rows, each page linked to its neighbours`, () => {
    const made = pages(ROWS_PER_PAGE * 2 + 1);
    expect(made.map((page) => page.path)).toEqual([
      'html/posts_your_activity.html',
      'html/posts_your_activity_2.html',
      'html/posts_your_activity_3.html',
    ]);
    expect(made.map((page) => rowIds(page.html).length)).toEqual([ROWS_PER_PAGE, ROWS_PER_PAGE, 1]);
    expect(made.flatMap((page) => rowIds(page.html))).toEqual(
      Array.from({ length: ROWS_PER_PAGE * 2 + 1 }, (_, i) => `p${i + 1}`),
    );
    const [first, second, third] = made.map((page) => page.html);
    expect(first).toContain('<a href="posts_your_activity_2.html" rel="next">Next page (2)</a>');
    expect(first).not.toContain('rel="prev"');
    expect(second).toContain('<a href="posts_your_activity.html" rel="prev">Previous page (1)</a>');
    expect(second).toContain('<a href="posts_your_activity_3.html" rel="next">Next page (3)</a>');
    expect(second).toContain('<h1>Your posts, page 2</h1>');
    expect(second).toContain('<h2>Your posts (continued)</h2>');
    expect(third).not.toContain('rel="next"');
    for (const html of [first, second, third]) {
      expect(html).toContain('<a href="../index.html">All data types</a>');
      expect(html?.endsWith('</footer>\n</body>\n</html>\n')).toBe(true);
    }
  });

  it('keeps the pages it makes to the row count asked for', () => {
    expect(pages(7, 3).map((page) => rowIds(page.html).length)).toEqual([3, 3, 1]);
    expect(pages(3, 3)).toHaveLength(1);
  });
});

describe('cell widths', () => {
  it('marks cells of long text, so that their column keeps a readable width', () => {
    const writer = new HtmlWriter('posts_your_activity', 'Your posts', 4 * 1024 * 1024);
    writer.startSection(POSTS);
    writer.writeRow({ ...row(1), message: 'x'.repeat(41) });
    writer.writeRow({ ...row(2), message: 'short' });
    const [page] = writer.finish();
    const html = page?.data.toString() ?? '';
    expect(html).toContain(`<td class="long"><bdi>${'x'.repeat(41)}</bdi></td>`);
    expect(html).toContain('<td><bdi>short</bdi></td>');
  });
});
