/**
 * @module
 * Tests of paging cursors: what a cursor looks like on the wire, that every id survives the
 * round trip, and that no input whatever reaches the store as anything but a numeric id or
 * comes back as anything but a ValidationError naming the parameter.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../domain/errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';

const ID = fc.stringMatching(/^(?:0|[1-9][0-9]{0,15})$/);

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function decodeError(cursor: string, parameter: 'after' | 'before' = 'after'): ValidationError {
  try {
    decodeCursor(cursor, parameter);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`decodeCursor(${JSON.stringify(cursor)}) did not throw`);
}

describe('encodeCursor', () => {
  it('writes base64url of a versioned JSON payload', () => {
    const cursor = encodeCursor('100000000000123');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(cursor, 'base64url').toString('utf8')).toBe(
      '{"v":1,"id":"100000000000123"}',
    );
  });
});

describe('decodeCursor', () => {
  it('reads back the id of a cursor it wrote', () => {
    expect(decodeCursor(encodeCursor('100000000000123'), 'after')).toBe('100000000000123');
    expect(decodeCursor(encodeCursor('9999999999999999'), 'before')).toBe('9999999999999999');
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$def'],
    ['standard base64 with padding', base64url('{"v":1,"id":"1"}') + '=='],
    ['base64 of text that is not JSON', base64url('hello')],
    ['JSON that is not an object', base64url('"100000000000123"')],
    ['JSON null', base64url('null')],
    ['another version', base64url('{"v":2,"id":"100000000000123"}')],
    ['no version', base64url('{"id":"100000000000123"}')],
    ['a numeric id', base64url('{"v":1,"id":100000000000123}')],
    ['a negative id', base64url('{"v":1,"id":"-1"}')],
    ['an id with a leading zero', base64url('{"v":1,"id":"0100"}')],
    ['an id of 17 digits', base64url('{"v":1,"id":"10000000000000000"}')],
    ['an id with a fraction', base64url('{"v":1,"id":"1.5"}')],
    ['an offset instead of an id', base64url('{"v":1,"offset":25}')],
    ['a huge input', 'A'.repeat(100_000)],
  ])('refuses %s', (_case, cursor) => {
    const error = decodeError(cursor, 'before');
    expect(error.parameter).toBe('before');
    expect(error.message).toBe(
      'Invalid cursor in "before": pass a value from paging.cursors of an earlier response, unchanged.',
    );
  });

  it('refuses a cursor with changed trailing bits, which Node would otherwise decode alike', () => {
    // 17 payload bytes: the last base64url character carries 2 bits that decoding ignores.
    const cursor = encodeCursor('12');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const siblings = [...alphabet]
      .map((char) => cursor.slice(0, -1) + char)
      .filter(
        (candidate) =>
          candidate !== cursor &&
          Buffer.from(candidate, 'base64url').equals(Buffer.from(cursor, 'base64url')),
      );
    expect(siblings).toHaveLength(3);
    for (const sibling of siblings) expect(decodeError(sibling).parameter).toBe('after');
  });

  it('round-trips every id a store can make', () => {
    fc.assert(
      fc.property(ID, fc.constantFrom('after' as const, 'before' as const), (id, parameter) => {
        expect(decodeCursor(encodeCursor(id), parameter)).toBe(id);
      }),
      { numRuns: 1000 },
    );
  });

  it('turns any string into a numeric id or a ValidationError, never anything else', () => {
    const almostCursors = fc
      .record({ v: fc.oneof(fc.constant(1), fc.anything()), id: fc.oneof(ID, fc.anything()) })
      .map((payload) => base64url(JSON.stringify(payload)));
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.base64String(), fc.string({ unit: 'binary' }), almostCursors),
        (cursor) => {
          let id: string;
          try {
            id = decodeCursor(cursor, 'after');
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            expect((error as ValidationError).parameter).toBe('after');
            return;
          }
          expect(id).toMatch(/^\d{1,16}$/);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
