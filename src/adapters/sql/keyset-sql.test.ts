/**
 * The texts of keyset page fetches: the same text for every direction, position and id
 * column as the SQL built on every call was, and the very same string on each call (the
 * statement cache then hashes no new text).
 */
import { describe, expect, it } from 'vitest';
import { keysetParameters, keysetSql } from './keyset-sql.js';

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

  it('brings the row next to the position, on its other side, with the page in one text', () => {
    const behind = (op: string, back: string) =>
      `(SELECT id FROM (${BASE} AND j.id ${op} ? ORDER BY j.id ${back} LIMIT 1) AS behind)`;
    expect(keysetSql(BASE, 'asc', true, 'j.id', true)).toBe(
      `${BASE} AND j.id >= COALESCE(${behind('<=', 'DESC')}, ?) ORDER BY j.id ASC LIMIT ?`,
    );
    expect(keysetSql(BASE, 'desc', true, 'j.id', true)).toBe(
      `${BASE} AND j.id <= COALESCE(${behind('>=', 'ASC')}, ?) ORDER BY j.id DESC LIMIT ?`,
    );
    // Without a position there is no other side: the plain text.
    expect(keysetSql(BASE, 'asc', false, 'id', true)).toBe(keysetSql(BASE, 'asc', false));
    // The base's parameters twice, the position, the range's start when nothing is behind.
    expect(keysetParameters([7], 50, 102, 'asc', true)).toEqual([7, 7, 50, 51, 102]);
    expect(keysetParameters([7], 50, 102, 'desc', true)).toEqual([7, 7, 50, 49, 102]);
    expect(keysetParameters([7], 50, 101)).toEqual([7, 50, 101]);
    expect(keysetParameters([7], undefined, 101, 'asc', true)).toEqual([7, 101]);
  });
});
