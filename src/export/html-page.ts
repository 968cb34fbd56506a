/**
 * @module
 * The frame every HTML page of an archive shares: escaping, the document head with its only
 * stylesheet (inline: the archive must read offline, with nothing fetched) and a policy that
 * forbids scripts, so that even a missed escape could not run code from imported content.
 * Each page has the same landmarks (a skip link, a header with the page links, the main
 * content, a footer), so that a screen reader finds its way the same on every page. On a
 * narrow screen (360 px) the page never scrolls sideways: a wide table scrolls inside its own
 * box, which can take the keyboard focus for that. Times are written the same way everywhere,
 * in UTC and without the reader's locale, so that the same job always gives the same bytes.
 */

import { chunkPath } from './format-writer.js';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 72rem; color: #1c1e21; overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
a { color: #1b4fbb; }
.skip { position: absolute; left: -100vw; }
.skip:focus { position: static; }
nav ul, .pager { display: flex; flex-wrap: wrap; gap: .5rem 1rem; margin: 1rem 0; padding: 0; list-style: none; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; overflow-wrap: normal; } dd { margin: 0; min-width: 0; }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll:focus { outline: 2px solid #1b4fbb; }
table { border-collapse: collapse; min-width: 100%; }
caption { text-align: left; padding: .25rem 0; }
th, td { border: 1px solid #dadde1; padding: .35rem .5rem; text-align: left; vertical-align: top; min-width: 6rem; max-width: 32rem; }
th { background: #f0f2f5; overflow-wrap: normal; }
td.long { min-width: min(18rem, 70vw); }
td time { white-space: nowrap; }
caption { color: #5f6368; font-size: .9em; }
td { white-space: pre-wrap; overflow-wrap: anywhere; }
td ul { margin: 0; padding-left: 1.1rem; }
pre { margin: 0; white-space: pre-wrap; font-size: .85em; }
img { max-width: min(16rem, 100%); max-height: 16rem; height: auto; display: block; margin: .2rem 0; }
.empty, .missing { color: #5f6368; }
ol.messages, ol.conversations { list-style: none; margin: 0; padding: 0; }
ol.messages > li, ol.conversations > li { border-bottom: 1px solid #dadde1; padding: .6rem 0; }
.meta { color: #5f6368; font-size: .9em; margin: 0; }
.meta b { color: #1c1e21; }
p.text { white-space: pre-wrap; margin: .3rem 0; }
.missing { font-style: italic; }
`;

/**
 * Everything before a page's own content: the head, the skip link, the header with `nav`
 * (links to other pages, or nothing), and the opening of `<main>`.
 */
export function pageStart(title: string, nav = ''): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<meta http-equiv="Content-Security-Policy" content="script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'">\n` +
    `<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n` +
    '<a class="skip" href="#main">Skip to the content</a>\n' +
    `${nav === '' ? '' : `<header>\n${nav}</header>\n`}<main id="main">\n`
  );
}

/**
 * The links of a page that is one of a numbered series (`name.html`, `name_2.html` ...): back
 * (to the index, or to a list), then to the previous page and, when there is one, the next.
 */
export function pagerHtml(
  back: { readonly href: string; readonly label: string },
  name: string,
  pageNumber: number,
  hasNext: boolean,
): string {
  const link = (href: string, label: string, rel = ''): string =>
    `<li><a href="${escapeHtml(href)}"${rel}>${label}</a></li>`;
  const links = [link(back.href, back.label)];
  if (pageNumber > 1) {
    const previous = pageNumber - 1;
    links.push(
      link(chunkPath(name, 'html', previous), `Previous page (${previous})`, ' rel="prev"'),
    );
  }
  if (hasNext) {
    const next = pageNumber + 1;
    links.push(link(chunkPath(name, 'html', next), `Next page (${next})`, ' rel="next"'));
  }
  return `<ul class="pager">${links.join('')}</ul>\n`;
}

/** Everything after a page's own content: `<main>` closed, then `footer` (or nothing). */
export function pageEnd(footer = ''): string {
  return `</main>\n${footer === '' ? '' : `<footer>\n${footer}</footer>\n`}</body>\n</html>\n`;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

/** "1 May 2024, 10:00 UTC": the same words whatever the machine's locale or time zone. */
export function readableTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  const two = (value: number) => String(value).padStart(2, '0');
  const month = MONTHS[date.getUTCMonth()] ?? '';
  return (
    `${date.getUTCDate()} ${month} ${date.getUTCFullYear()}, ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())} UTC`
  );
}

/** Unix seconds of 10000-01-01T00:00:00Z: from there on, ISO years have six digits and a sign. */
const YEAR_10000 = 253_402_300_800;
const SECONDS_PER_DAY = 86_400;
/** `00` to `59`. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));

/**
 * ISO 8601 in UTC, whole seconds: `2024-05-01T10:00:00Z`, as `toISOString` writes it without
 * its milliseconds. An export writes several per record, so whole seconds from 1970 to 9999
 * are worked out with integer arithmetic (days to a civil date, as in Howard Hinnant's
 * `civil_from_days`), about six times faster than through a `Date`; the rest go through one.
 */
export function isoSeconds(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds >= YEAR_10000) {
    return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  }
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const ofDay = seconds - days * SECONDS_PER_DAY;
  // Days since 0000-03-01, in 400-year eras: a year then ends with February and its leap day.
  const sinceMarch = days + 719_468;
  const era = Math.floor(sinceMarch / 146_097);
  const dayOfEra = sinceMarch - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(ofDay / 3600);
  const minute = Math.floor((ofDay % 3600) / 60);
  const second = ofDay % 60;
  const two = (value: number): string => TWO_DIGITS[value] ?? '';
  return `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}Z`;
}

/** A `<time>` a machine reads (ISO, in `datetime`) and a person reads (its text). */
export function timeHtml(seconds: number): string {
  return `<time datetime="${isoSeconds(seconds)}">${readableTime(seconds)}</time>`;
}
