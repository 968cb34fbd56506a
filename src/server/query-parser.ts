/**
 * @module
 * The query string parser of the app's router: Fastify's own (fast-querystring), with the
 * result of each recent query string kept. A downloader asks the same URL again and again
 * (it polls its export with the same `fields`, and walks the same pages), and decoding a
 * `fields` list full of `%2C` escapes is slow: 1.4 µs for the export read a downloader polls,
 * against 0.45 µs to find and copy the kept result (docs/benchmarks.md, Graph, session 10).
 *
 * Every request still gets an object of its own, equal to what fast-querystring would have
 * made (same prototype, same keys in the same order, arrays for repeated keys), so a caller
 * that changes `request.query` changes no other request's.
 */
import { parse } from 'fast-querystring';

/** Query strings kept at most; the keeper starts over, empty, when it is full. */
const MAX_ENTRIES = 256;
/** Longer query strings are parsed every time: they are rarely asked twice, and weigh more. */
const MAX_KEPT_LENGTH = 2048;

type ParsedQuery = Record<string, string | string[]>;

export interface QueryParser {
  (query: string): ParsedQuery;
}

/**
 * A parser that answers as find-my-way's default does (`{}` for an empty query string,
 * otherwise fast-querystring's `parse`), from a copy of the kept result when the same
 * string came lately.
 */
export function keepingQueryParser(): QueryParser {
  let kept = new Map<string, ParsedQuery>();
  return (query) => {
    if (query.length === 0) return {};
    if (query.length > MAX_KEPT_LENGTH) return parse(query) as ParsedQuery;
    const known = kept.get(query);
    if (known !== undefined) return copyOf(known);
    const parsed = parse(query) as ParsedQuery;
    if (kept.size >= MAX_ENTRIES) kept = new Map();
    kept.set(query, copyOf(parsed));
    return parsed;
  };
}

/** A copy with the same prototype (fast-querystring's, which has none of Object's). */
function copyOf(parsed: ParsedQuery): ParsedQuery {
  const copy = Object.create(Object.getPrototypeOf(parsed) as object | null) as ParsedQuery;
  for (const name in parsed) {
    const value = parsed[name] as string | string[];
    copy[name] = typeof value === 'string' ? value : value.slice();
  }
  return copy;
}
