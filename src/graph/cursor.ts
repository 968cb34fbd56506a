/**
 * @module
 * Opaque keyset cursors for `paging.cursors`. A cursor carries an object id (the position the
 * store pages from), wrapped in a versioned JSON payload and base64url-encoded, so that clients
 * treat it as a token rather than something to compute, and so that a later format can be told
 * apart from this one. Decoding is strict: anything that is not exactly a cursor we could have
 * issued is refused with the parameter's name, never passed on to the store.
 */
import { ValidationError } from '../domain/errors.js';

const VERSION = 1;

/** Ids as the stores make them: 1 to 16 digits, no leading zero. */
const ID = /^(?:0|[1-9][0-9]{0,15})$/;

/** Longer than any cursor we issue; refused before decoding so garbage costs nothing. */
const MAX_CURSOR_LENGTH = 128;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Cursors issued lately, by position: a page of files or jobs encodes the same ids again. */
const issued = new Map<string, string>();
const ISSUED_CACHE_SIZE = 10_000;

export function encodeCursor(position: string): string {
  let cursor = issued.get(position);
  if (cursor === undefined) {
    const payload = JSON.stringify({ v: VERSION, id: position });
    cursor = Buffer.from(payload, 'utf8').toString('base64url');
    if (issued.size >= ISSUED_CACHE_SIZE) issued.clear();
    issued.set(position, cursor);
  }
  return cursor;
}

/** The id a cursor carries; throws a ValidationError on `parameter` for anything else. */
export function decodeCursor(cursor: string, parameter: 'after' | 'before'): string {
  const id = readId(cursor);
  if (id === undefined) {
    throw new ValidationError(
      parameter,
      `Invalid cursor in "${parameter}": pass a value from paging.cursors of an earlier response, unchanged.`,
    );
  }
  return id;
}

function readId(cursor: string): string | undefined {
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) return undefined;
  const bytes = Buffer.from(cursor, 'base64url');
  // Node ignores stray trailing bits; only the canonical spelling is a cursor we issued.
  if (bytes.toString('base64url') !== cursor) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null) return undefined;
  const { v, id } = payload as { v?: unknown; id?: unknown };
  return v === VERSION && typeof id === 'string' && ID.test(id) ? id : undefined;
}
