/**
 * @module
 * The archive's index page as its reader sees it: whose archive and which export (name, member
 * id, email, community, export id, time range, requested time in words and in ISO), every data
 * type with its human name, item count, pages and copies for programs, the text that explains
 * the archive, and what was left out: nothing said when nothing was, otherwise a sentence with
 * the count, the first items named (escaped, since paths and reasons come from imported
 * content) and how many more the manifests list.
 */
import { describe, expect, it } from 'vitest';
import { type HtmlIndexJob, INDEX_LEFT_OUT_LISTED, renderHtmlIndex } from './html-index.js';

const MAY_1_2024_10H = Date.UTC(2024, 4, 1, 10, 0, 0) / 1000;

const identity: HtmlIndexJob['identity'] = {
  exportId: '100000000000042',
  requestedTime: MAY_1_2024_10H,
  community: { id: '100000000000001', name: 'Acme & Co' },
  member: { id: '100000000000002', name: 'Zoë <Ünal>', email: 'zoe@example.test' },
  range: { start: Date.UTC(2024, 0, 1) / 1000, end: Date.UTC(2025, 0, 1) / 1000 },
};

const noFiles = { html: [], json: [], csv: [] };
const dataTypes = [{ dataType: 'POSTS_YOUR_ACTIVITY' as const, items: 3, files: noFiles }];

function indexHtml(job: Partial<HtmlIndexJob> = {}): string {
  return renderHtmlIndex({ identity, dataTypes, ...job }).data.toString();
}

function leftOutHtml(count: number, listed: { item: string; reason: string }[]): string {
  return indexHtml({ leftOut: { count, listed } });
}

describe('renderHtmlIndex', () => {
  it('is titled with the person and says who, which export, which range and when', () => {
    const html = indexHtml();
    expect(html).toContain('<title>Your information: Zoë &lt;Ünal&gt;</title>');
    expect(html).toContain('<h1>Your information: Zoë &lt;Ünal&gt;</h1>');
    expect(html).not.toMatch(/member 1000/);
    expect(html).toContain('<dt>Name</dt><dd><bdi>Zoë &lt;Ünal&gt;</bdi></dd>');
    expect(html).toContain('<dt>Member ID</dt><dd>100000000000002</dd>');
    expect(html).toContain('<dt>Email</dt><dd><bdi>zoe@example.test</bdi></dd>');
    expect(html).toContain('<dt>Community</dt><dd><bdi>Acme &amp; Co</bdi></dd>');
    expect(html).toContain('<dt>Export ID</dt><dd>100000000000042</dd>');
    expect(html).toContain(
      '<dt>Requested on</dt><dd><time datetime="2024-05-01T10:00:00Z">1 May 2024, 10:00 UTC</time></dd>',
    );
    expect(html).toContain(
      'from <time datetime="2024-01-01T00:00:00Z">1 January 2024, 00:00 UTC</time> ' +
        'up to <time datetime="2025-01-01T00:00:00Z">1 January 2025, 00:00 UTC</time>',
    );
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<main id="main">');
    expect(html).toContain('<a class="skip" href="#main">');
  });

  it('says the same of the community on the company job, with no person', () => {
    const html = indexHtml({ identity: { ...identity, member: null } });
    expect(html).toContain('<h1>Company information: Acme &amp; Co</h1>');
    expect(html).not.toContain('<dt>Name</dt>');
    expect(html).not.toContain('<dt>Email</dt>');
    expect(html).toContain('<dt>Export ID</dt><dd>100000000000042</dd>');
  });

  it('links every data type by its name, with its pages and its JSON and CSV copies', () => {
    const html = indexHtml({
      dataTypes: [
        {
          dataType: 'POSTS_YOUR_ACTIVITY',
          items: 40,
          files: {
            html: ['html/posts_your_activity.html', 'html/posts_your_activity_2.html'],
            json: ['json/posts_your_activity.json'],
            csv: [],
          },
        },
        {
          dataType: 'WORKPLACE_NOTES',
          items: 1,
          files: { html: ['html/workplace_notes.html'], json: [], csv: ['csv/notes.csv'] },
        },
        { dataType: 'FRIENDS_V2', items: 0, files: noFiles },
      ],
    });
    expect(html).toContain(
      '<li><a href="html/posts_your_activity.html">Your posts</a>: 40 items; ' +
        'pages <a href="html/posts_your_activity.html">1</a>, ' +
        '<a href="html/posts_your_activity_2.html">2</a>; ' +
        'JSON copy <a href="json/posts_your_activity.json"><code>json/posts_your_activity.json</code></a></li>',
    );
    expect(html).toContain(
      '<li><a href="html/workplace_notes.html">Your notes</a>: 1 item; ' +
        'CSV copy <a href="csv/notes.csv"><code>csv/notes.csv</code></a></li>',
    );
    expect(html).toContain('<li>Your connections: 0 items</li>');
  });

  it('explains how the archive is organised, its copies for programs, manifests and parts', () => {
    const html = indexHtml();
    expect(html).toContain('<h2>What is in this archive</h2>');
    expect(html).toMatch(/<code>json<\/code> and <code>csv<\/code> folders.*for programs/);
    expect(html).toMatch(/<code>manifest-part-N\.json<\/code>.*SHA-256/);
    expect(html).toMatch(/Extract all of them into one folder/);
    expect(html).toContain('<code>parts-index.json</code>');
  });

  it('gives the same bytes for the same job', () => {
    expect(indexHtml()).toBe(indexHtml());
  });

  it('says nothing about left-out items when there are none', () => {
    expect(leftOutHtml(0, [])).not.toMatch(/left out of this archive/i);
    expect(indexHtml()).not.toMatch(/<h2>Left out/i);
  });

  it('names what was left out, escaped, and counts the rest', () => {
    const listed = Array.from({ length: INDEX_LEFT_OUT_LISTED }, (_, i) => ({
      item: `media/<b>${i}</b>.jpg`,
      reason: 'the image cannot be decoded',
    }));
    const html = leftOutHtml(INDEX_LEFT_OUT_LISTED + 5, listed);
    expect(html).toContain(`${INDEX_LEFT_OUT_LISTED + 5} items were left out of this archive`);
    expect(html).toContain(
      '<code>media/&lt;b&gt;0&lt;/b&gt;.jpg</code>: the image cannot be decoded',
    );
    expect(html).not.toContain('<b>0</b>');
    expect(html).toContain('<li>and 5 more</li>');
    expect(leftOutHtml(1, listed.slice(0, 1))).toContain('1 item was left out of this archive');
  });
});
