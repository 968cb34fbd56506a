/**
 * @module
 * `index.html` at the root of an archive: the page people open first after unzipping. It says
 * whose archive it is (the person's name, member id and email, or the community for the
 * company job), which export made it (its id, time range and when it was requested: the
 * export's own time, not the moment of writing, so that a job run again gives the same bytes),
 * explains how the archive is organised, and links every data type's pages and its JSON and CSV
 * copies. Data types without pages (no items rendered as HTML) are still listed, so that nobody
 * wonders where they went. When the job had to leave something out (a file larger than a
 * part, an image that could not be read), the page says so first, names the first few and
 * points at the manifests, which list them all with their reasons.
 */
import type { DataType, UnixSeconds } from '../domain/index.js';
import type { LeftOut, TextEntry } from './archive-entry.js';
import { DATA_TYPE_SECTIONS } from './data-type-sections.js';
import { escapeHtml, pageEnd, pageStart, timeHtml } from './html-page.js';

/** How many left-out items the index names; the manifests list all of them. */
export const INDEX_LEFT_OUT_LISTED = 20;
/** Longest item or reason the index shows, in characters. */
const LEFT_OUT_TEXT_CHARS = 200;

/** Whose archive this is and which export made it: shown on the index, kept in the manifest. */
export interface ArchiveIdentity {
  readonly exportId: string;
  /** When the export was requested (its create time), Unix seconds. */
  readonly requestedTime: UnixSeconds;
  readonly community: { readonly id: string; readonly name: string };
  /** The person of a user job; null for the company job. */
  readonly member: {
    readonly id: string;
    readonly name: string;
    readonly email: string | null;
  } | null;
  /** The export's time range, Unix seconds, `[start, end)`. */
  readonly range: { readonly start: UnixSeconds; readonly end: UnixSeconds };
}

/** Archive paths of one data type's files, per format, in order. */
export interface DataTypeFiles {
  readonly html: readonly string[];
  readonly json: readonly string[];
  readonly csv: readonly string[];
}

export interface HtmlIndexJob {
  readonly identity: ArchiveIdentity;
  readonly dataTypes: readonly {
    readonly dataType: DataType;
    readonly items: number;
    readonly files: DataTypeFiles;
  }[];
  /** Everything the job left out: how many, and the first of them. */
  readonly leftOut?: { readonly count: number; readonly listed: readonly LeftOut[] };
}

export function renderHtmlIndex(job: HtmlIndexJob): TextEntry {
  const { identity } = job;
  const title =
    identity.member === null
      ? `Company information: ${identity.community.name}`
      : `Your information: ${identity.member.name}`;
  const html =
    pageStart(title) +
    `<h1>${escapeHtml(title)}</h1>\n${identityHtml(identity)}${leftOutHtml(job.leftOut)}` +
    `${contentsHtml(job.dataTypes)}${ABOUT_ARCHIVE}${pageEnd()}`;
  return { kind: 'text', path: 'index.html', data: Buffer.from(html) };
}

/** Who, which community, which export, which time range, requested when. */
function identityHtml(identity: ArchiveIdentity): string {
  const { member, community, range } = identity;
  const rows: [string, string][] = [];
  if (member !== null) {
    rows.push(['Name', `<bdi>${escapeHtml(member.name)}</bdi>`]);
    rows.push(['Member ID', escapeHtml(member.id)]);
    rows.push(['Email', member.email === null ? 'none' : `<bdi>${escapeHtml(member.email)}</bdi>`]);
  }
  rows.push(['Community', `<bdi>${escapeHtml(community.name)}</bdi>`]);
  rows.push(['Export ID', escapeHtml(identity.exportId)]);
  rows.push([
    'Time range',
    `items created from ${timeHtml(range.start)} up to ${timeHtml(range.end)}; ` +
      'profile and other lasting information whatever its date',
  ]);
  rows.push(['Requested on', timeHtml(identity.requestedTime)]);
  const list = rows.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join('\n');
  return `<dl>\n${list}\n</dl>\n`;
}

/** Every data type with its item count, its pages and its copies for programs. */
function contentsHtml(dataTypes: HtmlIndexJob['dataTypes']): string {
  const items = dataTypes.map(({ dataType, items, files }) => {
    const title = escapeHtml(DATA_TYPE_SECTIONS[dataType].title);
    const [firstPage] = files.html;
    const heading = firstPage === undefined ? title : link(firstPage, title);
    const count = `${items} ${items === 1 ? 'item' : 'items'}`;
    const details = [
      files.html.length > 1 ? `pages ${numberedLinks(files.html)}` : '',
      files.json.length > 0 ? `JSON copy ${fileLinks(files.json)}` : '',
      files.csv.length > 0 ? `CSV copy ${fileLinks(files.csv)}` : '',
    ].filter((detail) => detail !== '');
    return `<li>${heading}: ${count}${details.map((detail) => `; ${detail}`).join('')}</li>`;
  });
  const list =
    items.length === 0
      ? '<p class="empty">This archive holds no data types.</p>\n'
      : `<ul>\n${items.join('\n')}\n</ul>\n`;
  return `<section id="contents">\n<h2>Contents</h2>\n${list}</section>\n`;
}

function link(href: string, label: string): string {
  return `<a href="${escapeHtml(href)}">${label}</a>`;
}

function numberedLinks(paths: readonly string[]): string {
  return paths.map((path, i) => link(path, String(i + 1))).join(', ');
}

function fileLinks(paths: readonly string[]): string {
  return paths.map((path) => link(path, `<code>${escapeHtml(path)}</code>`)).join(', ');
}

const ABOUT_ARCHIVE = `<section id="about">
<h2>What is in this archive</h2>
<p>Open this page first. Each data type listed above has pages to read in a browser, in the <code>html</code> folder; a long one is split into numbered pages, each linked to the next. Photos and other files are in the <code>media</code> folder, at the quality the export asked for; one left out says so where it would be.</p>
<p>The <code>json</code> and <code>csv</code> folders, when the export asked for them, hold the same items for programs rather than people: stable field names, ids kept, and times in ISO 8601 with their zone (UTC).</p>
<p>A large archive comes in several zip parts (<code>…-part-1.zip</code>, <code>…-part-2.zip</code> …). Extract all of them into one folder: no file is in two parts, and the links between pages work once every part is there.</p>
<p>Each part has a manifest of its own, <code>manifest-part-N.json</code>, with whose archive it is, the export, the item count of each data type, what was left out and why, and every file of the part with its size and SHA-256 hash, a fingerprint that changes when a single byte does. The last part&#39;s manifest says how many parts there are, and <code>parts-index.json</code> lists every part with its size and hash, so that a program can check that nothing is missing or altered.</p>
</section>
`;

/** The warning about what was left out; nothing when nothing was. */
function leftOutHtml(leftOut: HtmlIndexJob['leftOut']): string {
  if (leftOut === undefined || leftOut.count === 0) return '';
  const { count, listed } = leftOut;
  const shown = listed
    .slice(0, INDEX_LEFT_OUT_LISTED)
    .map(
      (item) =>
        `<li><code>${escapeHtml(cap(item.item))}</code>: ${escapeHtml(cap(item.reason))}</li>`,
    );
  const more = count > shown.length ? `<li>and ${count - shown.length} more</li>\n` : '';
  return (
    `<section id="left_out">\n<h2>Left out</h2>\n<p>${leftOutSentence(count)}; ` +
    'the manifest of each part (<code>manifest-part-N.json</code>) lists every one of them and why.</p>\n' +
    `<ul>\n${shown.join('\n')}\n${more}</ul>\n</section>\n`
  );
}

/** "1 item was left out of this archive", "3 items were ...". */
export function leftOutSentence(count: number): string {
  return count === 1
    ? '1 item was left out of this archive'
    : `${count} items were left out of this archive`;
}

function cap(text: string): string {
  return text.length <= LEFT_OUT_TEXT_CHARS ? text : `${text.slice(0, LEFT_OUT_TEXT_CHARS - 1)}…`;
}
