/**
 * @module
 * The router's query string parser against find-my-way's default (fast-querystring), on
 * generated query strings: the first answer and the kept ones are the same objects as the
 * default makes (prototype, keys and their order, values, arrays), and no answer shares
 * anything a caller could change with another.
 */
import fc from 'fast-check';
import { parse } from 'fast-querystring';
import { describe, expect, it } from 'vitest';
import { keepingQueryParser } from './query-parser.js';

/** What find-my-way parses a query string with when it is given no parser. */
const routerDefault = (query: string): unknown => (query.length === 0 ? {} : parse(query));

/** Pieces a query string is made of: plain text, escapes (valid, broken, multibyte), + & = ; */
const piece = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('%2C', '%7B', '%7d', '%20', '+', '=', '&', '&&', '==', ';', '%', '%2', '%zz'),
  fc.constantFrom('%C3%A9', '%E2%82%AC', '%F0%9F%98%80', '%C3', '%ED%A0%80', '%FF', '%00'),
  fc.constantFrom('fields', 'access_token', 'limit', '__proto__', 'constructor', '0', '10'),
  fc.constantFrom('é', '😀', '\ud800'),
);
const queryString = fc.array(piece, { maxLength: 24 }).map((pieces) => pieces.join(''));

/** Own keys in order with their values, and the prototype: all a caller can see. */
function shape(value: unknown): unknown {
  const object = value as Record<string, unknown>;
  return {
    proto: Object.getPrototypeOf(object) === Object.prototype ? 'Object' : 'no Object methods',
    hasObjectMethods: 'hasOwnProperty' in object,
    entries: Reflect.ownKeys(object).map((key) => [key, object[key as string]]),
  };
}

describe('keepingQueryParser', () => {
  it('answers what the router would, the first time and when asked again', () => {
    const parser = keepingQueryParser();
    fc.assert(
      fc.property(queryString, (query) => {
        const expected = shape(routerDefault(query));
        expect(shape(parser(query))).toEqual(expected);
        expect(shape(parser(query))).toEqual(expected);
        expect(shape(parser(query))).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('parses a Graph read as the default does: fields decoded, repeated names as arrays', () => {
    const parser = keepingQueryParser();
    const query =
      'fields=id%2Ccompany_job%7Bid%2Cjob_state%7D&access_token=T&limit=2&limit=3&empty&q=a+b';
    for (let i = 0; i < 3; i++) {
      const parsed = parser(query);
      expect(shape(parsed)).toEqual(shape(parse(query)));
      expect(parsed.fields).toBe('id,company_job{id,job_state}');
      expect(parsed.limit).toEqual(['2', '3']);
      expect(parsed.q).toBe('a b');
    }
  });

  it('gives every request an object of its own', () => {
    const parser = keepingQueryParser();
    const query = 'a=1&a=2&b=3';
    const first = parser(query);
    (first.a as string[]).push('changed');
    first.b = 'changed';
    const second = parser(query);
    expect(second.a).toEqual(['1', '2']);
    expect(second.b).toBe('3');
    (second.a as string[]).length = 0;
    delete second.b;
    expect({ ...parser(query) }).toEqual({ a: ['1', '2'], b: '3' });
    expect(parser('')).not.toBe(parser(''));
  });

  it('keeps a bounded number of query strings and still answers every one', () => {
    const parser = keepingQueryParser();
    const queries = Array.from({ length: 1000 }, (_, i) => `after=${i}&fields=id%2Cname`);
    for (const round of [1, 2]) {
      for (const query of queries) {
        expect(shape(parser(query)), `round ${round}`).toEqual(shape(parse(query)));
      }
    }
    const long = `fields=${'id%2C'.repeat(1000)}id`;
    expect(shape(parser(long))).toEqual(shape(parse(long)));
    expect(shape(parser(long))).toEqual(shape(parse(long)));
  });
});
