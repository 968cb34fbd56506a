/**
 * @module
 * The Graph answer writer against `JSON.stringify`, byte for byte, on generated answers: nodes
 * of any field names (repeated ones and indexes too) and values (unicode, lone
 * surrogates, escapes, large and odd numbers, null and undefined fields, dates, boxed values),
 * nested nodes and paged lists of nodes. What the writer writes is what the resolver's plain
 * objects gave through `JSON.stringify` before it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileObjectWriter, graphJson, ResolvedObject } from './graph-json.js';

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnits = fc.string({
  unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
});
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  codeUnits,
  fc.constantFrom('', '"', '\\', '\u0000', '\n\r\t\b\f', '\u001f', '\u007f', '\u2028\u2029'),
  fc.constantFrom('\ud800', '\udfff', 'a\ud83dz', '\ude00b', '\ud83d\ude00', 'é€😀'),
);
const numbers = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.MAX_SAFE_INTEGER + 2,
    1e21,
    1e-7,
    123456789012345680000,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
  ),
);
const scalar = fc.oneof(
  text,
  numbers,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: false }),
  fc.constantFrom<unknown>(
    // JSON.stringify unwraps boxed values, leaves functions and symbols out.
    new Number(7),
    new String('boxed "text"'),
    new Boolean(false),
    () => 1,
    Symbol('left out'),
  ),
);
/**
 * Field names: plain ones, repeated ones, and indexes, which a plain object puts first. Not
 * `__proto__` or `toJSON`: no node type has such a field, and a plain object would take them
 * as its prototype or its JSON. fast-check's strings do include `__proto__` (about once in
 * 10,000), so they are filtered out: with a Date as its value, the object built for
 * `JSON.stringify` inherits Date's `toJSON` and throws, which says nothing about the writer.
 */
const fieldName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('id', 'name', 'download_url', 'data', 'paging') },
  { weight: 2, arbitrary: text.filter((name) => name !== '__proto__' && name !== 'toJSON') },
  { weight: 1, arbitrary: fc.constantFrom('0', '7', '4294967295', '01') },
);

const { value: answer } = fc.letrec<{ value: unknown; node: ResolvedObject }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: scalar },
    tie('node'),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fieldName, tie('value'), { maxKeys: 5 }),
    list(tie('node')),
  ),
  node: fc.array(fc.tuple(fieldName, tie('value')), { maxLength: 8 }).map((fields) =>
    resolved(
      fields.map(([name]) => name),
      fields.map(([, v]) => v),
    ),
  ),
}));

/** A page as `shapeList` builds it: `{data, paging, summary}` around resolved nodes. */
function list(node: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .record(
      {
        data: fc.array(node, { maxLength: 4 }),
        paging: fc.record(
          {
            cursors: fc.record({ before: text, after: text }),
            previous: fc.webUrl(),
            next: fc.webUrl(),
          },
          { requiredKeys: ['cursors'] },
        ),
        summary: fc.record({ total_count: fc.nat() }),
      },
      { requiredKeys: ['data'] },
    )
    .map((page) => page as unknown);
}

/** What a call gave: its text, or the class of what it threw. */
function outcome(write: () => string | undefined): { text?: string; threw?: string } {
  try {
    return { text: write() };
  } catch (error) {
    return { threw: (error as Error).constructor.name };
  }
}

function resolved(names: readonly string[], values: readonly unknown[]): ResolvedObject {
  return new ResolvedObject(names, values, compileObjectWriter(names));
}

describe('graphJson', () => {
  it('writes what JSON.stringify writes, for any generated answer', () => {
    fc.assert(
      fc.property(answer, (value) => {
        expect(outcome(() => graphJson(value))).toEqual(outcome(() => JSON.stringify(value)));
      }),
      { numRuns: 3000 },
    );
  });

  it('writes a node the way JSON.stringify wrote the object the resolver built before', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fieldName, answer), { maxLength: 10 }), (fields) => {
        const names = fields.map(([name]) => name);
        const values = fields.map(([, value]) => value);
        const stringifyBuilt = () => {
          const built: Record<string, unknown> = {};
          values.forEach((value, index) => {
            if (value !== null && value !== undefined) built[names[index] ?? ''] = value;
          });
          return JSON.stringify(built);
        };
        expect(outcome(() => graphJson(resolved(names, values)))).toEqual(outcome(stringifyBuilt));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes a typical file node and page exactly', () => {
    const file = resolved(
      ['id', 'download_url', 'file_size', 'name'],
      ['100000000000042', 'https://x.example/download/1?sig=a%2Fb&e=1', 1234, undefined],
    );
    const page = { data: [file, file], paging: { cursors: { before: 'MQ', after: 'Mg' } } };
    expect(graphJson(page)).toBe(
      '{"data":[{"id":"100000000000042","download_url":"https://x.example/download/1?sig=a%2Fb&e=1","file_size":1234},' +
        '{"id":"100000000000042","download_url":"https://x.example/download/1?sig=a%2Fb&e=1","file_size":1234}],' +
        '"paging":{"cursors":{"before":"MQ","after":"Mg"}}}',
    );
    expect(graphJson(resolved(['id', 'name'], [null, undefined]))).toBe('{}');
  });

  it('refuses a bigint as JSON.stringify does, and leaves out undefined as it does', () => {
    expect(() => graphJson(1n)).toThrow(TypeError);
    expect(() => graphJson(resolved(['n'], [2n]))).toThrow(TypeError);
    expect(graphJson(undefined)).toBeUndefined();
    expect(graphJson([undefined, () => 1])).toBe('[null,null]');
  });
});
