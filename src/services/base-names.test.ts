import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { withBaseNames } from './base-names.js';

describe('withBaseNames', () => {
  it('names the files given, relative or absolute, by their base names', () => {
    const message =
      'data/in/posts.ndjson:3: author: no such member\n/srv/x/people.ndjson: no such file';
    expect(withBaseNames(message, ['data/in/posts.ndjson', '/srv/x/people.ndjson'])).toBe(
      'posts.ndjson:3: author: no such member\npeople.ndjson: no such file',
    );
    const resolved = `${path.resolve('data/in/posts.ndjson')}:3: bad`;
    expect(withBaseNames(resolved, ['data/in/posts.ndjson'])).toBe('posts.ndjson:3: bad');
  });

  it('shortens any other absolute path (runs recorded before) and leaves other text alone', () => {
    expect(
      withBaseNames(
        'Nothing was imported: 1 problem (format: docs/import-format.md). Fix it:\n/tmp/dyi-panel-import-Ab1/broken.ndjson:1: author: "m9" (the folder of /tmp/a/b.ndjson)',
      ),
    ).toBe(
      'Nothing was imported: 1 problem (format: docs/import-format.md). Fix it:\nbroken.ndjson:1: author: "m9" (the folder of b.ndjson)',
    );
    expect(withBaseNames('a 1/2 ratio and https://x.example/a/b')).toBe(
      'a 1/2 ratio and https://x.example/a/b',
    );
  });
});
