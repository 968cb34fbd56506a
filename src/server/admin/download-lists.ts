/**
 * @module
 * The plain-text lists of an export's signed download URLs that the "Download all" page hands
 * to command-line downloaders, and where each file goes: `curl -K` (a curl config), `wget -i`
 * (one URL a line) and `aria2c -i` (an input file whose options make aria2c check SHA-256).
 * Every file goes to `<export id>/company/<name>` or `<export id>/user-<member id>/<name>`, the
 * folders `dyi download` uses, so the tools and the downloader fill the same tree; a name is
 * one safe path segment (`safeSegment`, the downloader's own rule), never `..` or absolute.
 */
import { safeSegment } from '../../client/export-files.js';
import type { Id } from '../../domain/index.js';

/** One file of a list: its signed URL, where it goes, and what it must hash to. */
export interface DownloadEntry {
  readonly url: string;
  /** Relative, `/`-separated, made by `relativePathsOf`. */
  readonly path: string;
  readonly sha256: string;
}

/** What a list says about itself in its first lines (where its format allows comments). */
export interface ListHeading {
  readonly exportId: Id;
  readonly fileName: string;
  /** Unix seconds at which the first of its URLs stops working. */
  readonly expiresTime: number | undefined;
  /** Whether jobs of the export were still running when the list was made. */
  readonly isPartial: boolean;
}

export const LIST_FORMATS = ['curl', 'wget', 'aria2c'] as const;
export type ListFormat = (typeof LIST_FORMATS)[number];

/** The file of an export a path is made for. */
export interface PathSource {
  readonly id: Id;
  readonly name: string;
  /** The member whose job made it; null for the company job. */
  readonly userId: Id | null;
}

/**
 * Where each file goes, in the order given. Two files of one job with one name (which the
 * engine never makes) keep apart by their ids, as the downloader does.
 */
export function relativePathsOf(exportId: Id, files: readonly PathSource[]): string[] {
  const used = new Set<string>();
  return files.map((file) => {
    const owner = file.userId === null ? 'company' : `user-${safeSegment(file.userId)}`;
    const directory = `${safeSegment(exportId)}/${owner}`;
    const name = safeSegment(file.name) || `${safeSegment(file.id)}.zip`;
    let path = `${directory}/${name}`;
    if (used.has(path)) path = `${directory}/${safeSegment(file.id)}-${name}`;
    used.add(path);
    return path;
  });
}

/** The list in `format`, one entry per file, ending in a newline. */
export function renderList(
  format: ListFormat,
  heading: ListHeading,
  entries: readonly DownloadEntry[],
): string {
  switch (format) {
    case 'curl':
      return curlConfig(heading, entries);
    case 'wget':
      // wget reads every line of an input file as a URL: no room for a comment.
      return entries.map((entry) => `${entry.url}\n`).join('');
    case 'aria2c':
      return aria2cInput(heading, entries);
  }
}

function commentLines(heading: ListHeading, command: string): string {
  const expiry =
    heading.expiresTime === undefined
      ? 'There are no files in it yet.'
      : `Its URLs work until ${new Date(heading.expiresTime * 1000).toISOString()} without signing in: keep this list secret until then.`;
  return [
    `# Every file of export ${heading.exportId}${heading.isPartial ? ' whose job has completed so far (the export is still running)' : ''}.`,
    `# ${command}`,
    `# ${expiry}`,
  ]
    .map((line) => `${line}\n`)
    .join('');
}

/** `url = "…"` and `output = "…"` pairs (curl pairs them in order), after the shared options. */
function curlConfig(heading: ListHeading, entries: readonly DownloadEntry[]): string {
  const lines = entries.flatMap((entry) => [
    '',
    `url = ${curlQuoted(entry.url)}`,
    `output = ${curlQuoted(entry.path)}`,
  ]);
  return `${commentLines(heading, `Run: curl -K ${heading.fileName}`)}create-dirs\nfail\nretry = 5\n${lines.map((line) => `${line}\n`).join('')}`;
}

/** A curl config string: in double quotes, where a backslash escapes. */
function curlQuoted(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** A URL line, then its options indented: where the file goes and its SHA-256 to check. */
function aria2cInput(heading: ListHeading, entries: readonly DownloadEntry[]): string {
  const lines = entries.flatMap((entry) => [
    entry.url,
    `  out=${entry.path}`,
    `  checksum=sha-256=${entry.sha256}`,
  ]);
  return `${commentLines(heading, `Run: aria2c -i ${heading.fileName}`)}${lines.map((line) => `${line}\n`).join('')}`;
}
