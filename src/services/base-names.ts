/**
 * @module
 * Files named as the admin knows them: an import run's error quotes the files it read
 * (`/srv/dyi/incoming/posts.ndjson:3: author: …`), and the panel shows it to every admin of the
 * community, who gave `posts.ndjson` and has no business with the server's folders. Runs keep
 * their errors with base names; runs recorded before that are shown through the same function.
 */
import path from 'node:path';

/** An absolute path (two or more segments) at the start of a word; the last segment is kept. */
const ABSOLUTE_PATH = /(?<=^|[\s(“"'`])(?:\/[^\s/:“”"'`()]+)+\/([^\s/:“”"'`()]+)/gu;

/**
 * `text` with each of `files` (as given, relative or not, and as resolved) named by its base
 * name, and any other absolute path by its last segment.
 */
export function withBaseNames(text: string, files: readonly string[] = []): string {
  const named = files.flatMap((file) => {
    const base = path.basename(file);
    return [path.resolve(file), file].map((given) => [given, base] as const);
  });
  let result = text;
  for (const [given, base] of named.sort(([a], [b]) => b.length - a.length)) {
    if (given !== base) result = result.replaceAll(given, base);
  }
  return result.replace(ABSOLUTE_PATH, '$1');
}
