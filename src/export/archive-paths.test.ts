/**
 * @module
 * Archive file names as a person sees them in a downloads folder: whose archive (the member's
 * id, then their name as a slug), which part, and nothing a shell or file system could misread.
 */
import { describe, expect, it } from 'vitest';
import { partFileName } from './archive-paths.js';

const ID = '100000000000002';

describe('partFileName', () => {
  it('names a member part by id and name slug', () => {
    expect(partFileName({ userId: ID, memberName: 'Zoë Ölund' }, 1)).toBe(
      `user-${ID}-zoe-olund-part-1.zip`,
    );
    expect(partFileName({ userId: ID, memberName: 'Zoë Ölund' }, 12)).toBe(
      `user-${ID}-zoe-olund-part-12.zip`,
    );
  });

  it.each([['山田太郎'], [''], [null], [undefined]])(
    'names a part by id alone when the name %j gives no slug',
    (memberName) => {
      expect(partFileName({ userId: ID, memberName }, 2)).toBe(`user-${ID}-part-2.zip`);
    },
  );

  it('names company parts without a person', () => {
    expect(partFileName({ userId: null, memberName: 'Acme' }, 3)).toBe('company-part-3.zip');
  });

  it('keeps every name to characters safe in any shell and file system', () => {
    const hostile = [
      '../../x',
      'a/b\\c',
      '$(rm -rf ~)',
      '"; drop',
      'nul\u0000byte',
      '\u202Etxt.exe',
    ];
    for (const memberName of hostile) {
      expect(partFileName({ userId: ID, memberName }, 1)).toMatch(
        /^user-\d+(-[a-z0-9]+)*-part-1\.zip$/,
      );
    }
  });
});
