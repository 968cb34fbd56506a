/**
 * @module
 * Tests of the `fields` parser: the shapes real clients send, every syntax error with the
 * position it reports, and a property that `formatFields` is the inverse of `parseFields`, which
 * is what lets paging URLs carry a request's fields unchanged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../domain/errors.js';
import {
  type FieldSelection,
  MAX_FIELDS_DEPTH,
  formatFields,
  parseFields,
} from './fields-parser.js';

function syntaxError(input: string): ValidationError {
  try {
    parseFields(input);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`parseFields(${JSON.stringify(input)}) did not throw`);
}

describe('parseFields', () => {
  it('gives no selections for undefined, empty and blank input', () => {
    expect(parseFields(undefined)).toEqual([]);
    expect(parseFields('')).toEqual([]);
    expect(parseFields('  \t ')).toEqual([]);
    expect(parseFields(',,')).toEqual([]);
  });

  it('reads a flat comma list', () => {
    expect(parseFields('id,create_time,is_completed')).toStrictEqual([
      { name: 'id' },
      { name: 'create_time' },
      { name: 'is_completed' },
    ]);
  });

  it('tolerates empty items and trailing commas like Graph', () => {
    expect(parseFields('id,,name,')).toStrictEqual([{ name: 'id' }, { name: 'name' }]);
    expect(parseFields(',id')).toStrictEqual([{ name: 'id' }]);
    expect(parseFields('a{,x,,y,}')).toStrictEqual([
      { name: 'a', children: [{ name: 'x' }, { name: 'y' }] },
    ]);
  });

  it('tolerates whitespace between any two tokens', () => {
    expect(
      parseFields(' user_dyi_jobs . limit ( 5 ) . summary ( true ) { id , files { file_size } } '),
    ).toStrictEqual([
      {
        name: 'user_dyi_jobs',
        limit: 5,
        summary: true,
        children: [{ name: 'id' }, { name: 'files', children: [{ name: 'file_size' }] }],
      },
    ]);
    expect(parseFields('id,\n\tname')).toStrictEqual([{ name: 'id' }, { name: 'name' }]);
  });

  it('reads nested expansions and modifiers in either order', () => {
    expect(
      parseFields('user_dyi_jobs.limit(5).summary(true){id,files.limit(2){file_size}}'),
    ).toStrictEqual([
      {
        name: 'user_dyi_jobs',
        limit: 5,
        summary: true,
        children: [{ name: 'id' }, { name: 'files', limit: 2, children: [{ name: 'file_size' }] }],
      },
    ]);
    expect(parseFields('x.summary(false).limit(0)')).toStrictEqual([
      { name: 'x', limit: 0, summary: false },
    ]);
    expect(parseFields('company_job{id,job_state}')).toStrictEqual([
      { name: 'company_job', children: [{ name: 'id' }, { name: 'job_state' }] },
    ]);
  });

  it('accepts names with underscores and digits after the first character', () => {
    expect(parseFields('_a,b2,C_3')).toStrictEqual([
      { name: '_a' },
      { name: 'b2' },
      { name: 'C_3' },
    ]);
  });

  it('merges a repeated name into its first place, later modifiers and children merged in', () => {
    expect(parseFields('id,name,id')).toStrictEqual([{ name: 'id' }, { name: 'name' }]);
    expect(
      parseFields('jobs.limit(2){id,files{name}},x,jobs.summary(true){state,files{size},id}'),
    ).toStrictEqual([
      {
        name: 'jobs',
        limit: 2,
        summary: true,
        children: [
          { name: 'id' },
          { name: 'files', children: [{ name: 'name' }, { name: 'size' }] },
          { name: 'state' },
        ],
      },
      { name: 'x' },
    ]);
    expect(parseFields('a.limit(1),a.limit(3)')).toStrictEqual([{ name: 'a', limit: 3 }]);
    expect(parseFields('a{x},a')).toStrictEqual([{ name: 'a', children: [{ name: 'x' }] }]);
  });

  it(`accepts ${MAX_FIELDS_DEPTH} levels of nesting and refuses one more`, () => {
    const nest = (levels: number): string => (levels === 0 ? 'id' : `n{${nest(levels - 1)}}`);
    expect(() => parseFields(nest(MAX_FIELDS_DEPTH))).not.toThrow();
    const error = syntaxError(nest(MAX_FIELDS_DEPTH + 1));
    expect(error.message).toBe(
      `Syntax error "Fields nest deeper than 10 levels of "{}"." at character 21: ${nest(11)}`,
    );
  });

  it('refuses a limit too large to count exactly', () => {
    expect(syntaxError('a.limit(99999999999999999999)').message).toBe(
      'Syntax error "The limit 99999999999999999999 is too large." at character 8: a.limit(99999999999999999999)',
    );
  });

  describe('syntax errors name the problem and the character', () => {
    const cases: [input: string, character: number, problem: string][] = [
      ['company_job{id', 14, 'Expected "," or "}" instead of end of string.'],
      ['company_job{', 12, 'Expected a field name or "}" instead of end of string.'],
      ['a{b,', 4, 'Expected a field name or "}" instead of end of string.'],
      ['company_job{}', 12, 'Expected a field name instead of "}".'],
      ['company_job{,}', 13, 'Expected a field name instead of "}".'],
      ['id}', 2, 'Expected "," or end of string instead of "}".'],
      ['}', 0, 'Expected a field name instead of "}".'],
      ['{id}', 0, 'Expected a field name instead of "{".'],
      ['id name', 3, 'Expected "," or end of string instead of "n".'],
      ['a{b c}', 4, 'Expected "," or "}" instead of "c".'],
      ['1d', 0, 'Expected a field name instead of "1".'],
      ['id-x', 2, 'Expected "," or end of string instead of "-".'],
      ['név', 1, 'Expected "," or end of string instead of "é".'],
      ['a.', 2, 'Expected "limit" or "summary" instead of end of string.'],
      ['a.{x}', 2, 'Expected "limit" or "summary" instead of "{".'],
      ['a.offset(2)', 2, 'Unknown modifier "offset"; expected "limit" or "summary".'],
      ['a.limit', 7, 'Expected "(" instead of end of string.'],
      ['a.limit(', 8, 'Expected a non-negative integer instead of end of string.'],
      ['a.limit()', 8, 'Expected a non-negative integer instead of ")".'],
      ['a.limit(-1)', 8, 'Expected a non-negative integer instead of "-".'],
      ['a.limit(1.5)', 9, 'Expected ")" instead of ".".'],
      ['a.limit(5', 9, 'Expected ")" instead of end of string.'],
      ['a.limit(5)x', 10, 'Expected "," or end of string instead of "x".'],
      ['a.summary(yes)', 10, 'Expected "true" or "false" instead of "y".'],
      ['a.summary(1)', 10, 'Expected "true" or "false" instead of "1".'],
      ['a.summary(True)', 10, 'Expected "true" or "false" instead of "T".'],
      ['a.limit(1).limit(2)', 11, 'Modifier "limit" is given twice on "a".'],
      ['a.summary(true).limit(1).summary(false)', 25, 'Modifier "summary" is given twice on "a".'],
      ['a{b}{c}', 4, 'Expected "," or end of string instead of "{".'],
      ['a{b}.limit(1)', 4, 'Expected "," or end of string instead of ".".'],
    ];
    it.each(cases)('%j', (input, character, problem) => {
      const error = syntaxError(input);
      expect(error.parameter).toBe('fields');
      expect(error.code).toBe('validation');
      expect(error.message).toBe(`Syntax error "${problem}" at character ${character}: ${input}`);
    });
  });
});

describe('formatFields', () => {
  it('writes modifiers before the expansion', () => {
    expect(
      formatFields([
        {
          name: 'a',
          summary: true,
          limit: 5,
          children: [{ name: 'b', children: [{ name: 'c' }] }],
        },
        { name: 'd' },
      ]),
    ).toBe('a.limit(5).summary(true){b{c}},d');
  });

  it('writes an empty expansion as the bare name', () => {
    expect(formatFields([{ name: 'a', children: [] }])).toBe('a');
    expect(formatFields([])).toBe('');
  });
});

const NAME = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,7}$/);

/** Trees `parseFields` can produce: unique names per level, non-empty expansions, bounded depth. */
const { selections } = fc.letrec<{
  selection: FieldSelection;
  selections: FieldSelection[];
}>((tie) => ({
  selection: fc.record(
    {
      name: NAME,
      limit: fc.nat(),
      summary: fc.boolean(),
      children: tie('selections'),
    },
    { requiredKeys: ['name'] },
  ),
  selections: fc.oneof(
    { maxDepth: MAX_FIELDS_DEPTH, depthIdentifier: 'fields' },
    fc.uniqueArray(NAME, { maxLength: 3 }).map((names) => names.map((name) => ({ name }))),
    fc.uniqueArray(tie('selection'), { minLength: 1, maxLength: 3, selector: (s) => s.name }),
  ),
}));

/** Drops empty expansions, which the syntax cannot express. */
function normalise(fields: readonly FieldSelection[]): FieldSelection[] {
  return fields.map(({ children, ...rest }) =>
    children && children.length > 0 ? { ...rest, children: normalise(children) } : rest,
  );
}

function depth(fields: readonly FieldSelection[]): number {
  return Math.max(0, ...fields.map((f) => (f.children?.length ? 1 + depth(f.children) : 0)));
}

describe('formatFields and parseFields', () => {
  it('round-trip every tree the parser can produce', () => {
    fc.assert(
      fc.property(selections, (tree) => {
        const expected = normalise(tree);
        expect(depth(expected)).toBeLessThanOrEqual(MAX_FIELDS_DEPTH);
        expect(parseFields(formatFields(expected))).toStrictEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('read the same tree with whitespace and empty items added between tokens', () => {
    fc.assert(
      fc.property(selections, (tree) => {
        const expected = normalise(tree);
        const noisy = formatFields(expected)
          .replaceAll(',', ' ,\t, ')
          .replaceAll('{', ' {\n')
          .replaceAll('}', ' } ')
          .replaceAll('.', ' . ')
          .replaceAll('(', '( ')
          .replaceAll(')', ' )');
        expect(parseFields(noisy)).toStrictEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('either parse any string or throw a ValidationError on fields', () => {
    const alphabet = fc.constantFrom(...'ab_1{},.() limit summary true'.split(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: alphabet })), (input) => {
        try {
          parseFields(input);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).parameter).toBe('fields');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
