/**
 * @module
 * Writing Graph answers as JSON without `JSON.stringify` walking a freshly built object per
 * node. A resolved node is kept as its field values in selection order (`ResolvedObject`), and
 * a writer compiled once per selection (the `"name":` prefixes quoted once) writes them. The
 * bytes are exactly those of `JSON.stringify` on the plain object (`toJSON` gives that object,
 * so any other consumer sees no difference); `graph-json.property.test.ts` holds it to that.
 */

/** Writes the values of one selection, in its order, as a JSON object. */
export type ObjectWriter = (values: readonly unknown[]) => string;

/**
 * A resolved Graph node: the values of its selected fields (null or undefined when absent) and
 * the writer of its selection. `JSON.stringify` sees the plain object, as if one were built.
 */
export class ResolvedObject {
  constructor(
    readonly names: readonly string[],
    readonly values: readonly unknown[],
    readonly writer: ObjectWriter,
  ) {}

  toJSON(): Record<string, unknown> {
    return plainObject(this.names, this.values);
  }
}

/** The object the resolver used to build: each name set in order, null and undefined left out. */
function plainObject(
  names: readonly string[],
  values: readonly unknown[],
): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  values.forEach((value, index) => {
    if (value !== null && value !== undefined) object[names[index] ?? ''] = value;
  });
  return object;
}

/**
 * The writer of an object with fields `names`, in this order, leaving out null and undefined
 * values as the resolver does. When a name repeats (a plain object keeps its first place and
 * last value) or is one a plain object would move or refuse (an index, `__proto__`), the
 * writer builds the plain object and writes that instead.
 */
export function compileObjectWriter(names: readonly string[]): ObjectWriter {
  if (new Set(names).size !== names.length || names.some((name) => SPECIAL_NAME.test(name))) {
    return (values) => writeObject(plainObject(names, values));
  }
  const openers = names.map((name) => `{${JSON.stringify(name)}:`);
  const separators = names.map((name) => `,${JSON.stringify(name)}:`);
  return (values) => {
    let out = '';
    for (let index = 0; index < values.length; index++) {
      const value = values[index];
      if (value === null || value === undefined) continue;
      const written = writeValue(value, names[index] ?? '');
      if (written === undefined) continue;
      out += (out === '' ? openers[index] : separators[index]) + written;
    }
    return out === '' ? '{}' : `${out}}`;
  };
}

/** `JSON.stringify(value)`, byte for byte, writing resolved nodes with their own writers. */
export function graphJson(value: unknown): string | undefined {
  return writeValue(value, '');
}

/** Characters a JSON string has to escape (JSON.stringify escapes lone surrogates too). */
// eslint-disable-next-line no-control-regex -- the control characters are what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A name JSON.stringify would put first (an array index), or one an object cannot hold. */
const SPECIAL_NAME = /^(?:0|[1-9]\d{0,9}|__proto__)$/;

/** One member's value as JSON, `toJSON` applied; undefined where JSON.stringify leaves it out. */
function writeValue(value: unknown, key: string): string | undefined {
  if (typeof value === 'object' && value !== null && !(value instanceof ResolvedObject)) {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return writeBare(toJSON.call(value, key));
  }
  return writeBare(value);
}

/** A value as JSON once `toJSON` has been applied. */
function writeBare(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (value instanceof ResolvedObject) return value.writer(value.values);
      if (Array.isArray(value)) return writeArray(value);
      if (value instanceof Number) return writeBare(Number(value));
      if (value instanceof String) return writeBare(String(value));
      if (value instanceof Boolean) return writeBare(value.valueOf());
      if (value instanceof BigInt) return JSON.stringify(value);
      return writeObject(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      // JSON.stringify's own TypeError.
      return JSON.stringify(value);
  }
}

function writeArray(values: readonly unknown[]): string {
  let out = '[';
  for (let index = 0; index < values.length; index++) {
    if (index > 0) out += ',';
    out += writeValue(values[index], String(index)) ?? 'null';
  }
  return `${out}]`;
}

function writeObject(object: object): string {
  let out = '';
  for (const key of Object.keys(object)) {
    const written = writeValue((object as Record<string, unknown>)[key], key);
    if (written === undefined) continue;
    out += `${out === '' ? '{' : ','}${writeBare(key) ?? ''}:${written}`;
  }
  return out === '' ? '{}' : `${out}}`;
}
