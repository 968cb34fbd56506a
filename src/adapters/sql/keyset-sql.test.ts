/**
 * The texts of keyset page fetches: the same text for every direction, position and id
 * column as the SQL built on every call was, and the very same string on each call (the
 * statement cache then hashes no new text).
 */
import { describe, expect, it } from 'vitest';
import { keysetSql } from './keyset-sql.js';

const BASE = 'SELECT * FROM dyi_files WHERE job_id = ?';

describe('keysetSql', () => {
  it('continues the base past a position in each direction, for each id column', () => {
    for (const idColumn of ['id', 'j.id']) {
      const call = (direction: 'asc' | 'desc', hasPosition: boolean): string =>
        idColumn === 'id'
          ? keysetSql(BASE, direction, hasPosition)
          : keysetSql(BASE, direction, hasPosition, idColumn);
      expect(call('asc', false)).toBe(`${BASE} ORDER BY ${idColumn} ASC LIMIT ?`);
      expect(call('asc', true)).toBe(
        `${BASE} AND ${idColumn} > ? ORDER BY ${idColumn} ASC LIMIT ?`,
      );
      expect(call('desc', false)).toBe(`${BASE} ORDER BY ${idColumn} DESC LIMIT ?`);
      expect(call('desc', true)).toBe(
        `${BASE} AND ${idColumn} < ? ORDER BY ${idColumn} DESC LIMIT ?`,
      );
    }
  });

  it('keeps the texts of different bases apart', () => {
    const other = 'SELECT * FROM dyi_files WHERE export_id = ?';
    expect(keysetSql(other, 'asc', true)).toBe(`${other} AND id > ? ORDER BY id ASC LIMIT ?`);
    expect(keysetSql(BASE, 'asc', true)).toBe(`${BASE} AND id > ? ORDER BY id ASC LIMIT ?`);
    // A base built at run time (the audit trail's filters) finds the texts of an equal one.
    const built = ['SELECT * FROM dyi_files', 'WHERE job_id = ?'].join(' ');
    expect(keysetSql(built, 'desc', false)).toBe(keysetSql(BASE, 'desc', false));
  });
});
