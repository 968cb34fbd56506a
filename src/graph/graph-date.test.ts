/**
 * @module
 * Tests of Graph dates: the exact output format, every input spelling clients send, and that
 * bad input is refused with a message naming the parameter and both accepted forms.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../domain/errors.js';
import { formatGraphDate, parseDateInput } from './graph-date.js';

function inputError(value: unknown, parameter = 'start_time'): ValidationError {
  try {
    parseDateInput(value, parameter);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`parseDateInput(${String(value)}) did not throw`);
}

describe('formatGraphDate', () => {
  it('writes UTC with a colon-free offset and no fraction', () => {
    expect(formatGraphDate(1_795_916_227)).toBe('2026-11-29T01:37:07+0000');
    expect(formatGraphDate(0)).toBe('1970-01-01T00:00:00+0000');
    expect(formatGraphDate(253_402_300_799)).toBe('9999-12-31T23:59:59+0000');
  });

  it('drops fractions of a second', () => {
    expect(formatGraphDate(1_795_916_227.999)).toBe('2026-11-29T01:37:07+0000');
  });
});

describe('parseDateInput', () => {
  it.each([
    ['2026-11-29T01:37:07Z', 1_795_916_227],
    ['2026-11-29T01:37:07z', 1_795_916_227],
    ['2026-11-29T01:37:07+0000', 1_795_916_227],
    ['2026-11-29T01:37:07+00:00', 1_795_916_227],
    ['2026-11-29T01:37:07-00:00', 1_795_916_227],
    ['2026-11-29T03:37:07+02:00', 1_795_916_227],
    ['2026-11-29T03:37:07+0200', 1_795_916_227],
    ['2026-11-29T03:37:07+02', 1_795_916_227],
    ['2026-11-28T20:07:07-05:30', 1_795_916_227],
    ['2026-11-29T01:37:07.999Z', 1_795_916_227],
    ['2026-11-29T01:37:07,5+00:00', 1_795_916_227],
    ['2026-11-29 01:37:07Z', 1_795_916_227],
    ['2026-11-29T01:37:07', 1_795_916_227],
    ['2026-11-29T01:37Z', 1_795_916_220],
    ['2026-01-31', 1_769_817_600],
    ['2024-02-29', 1_709_164_800],
    ['  2026-01-31  ', 1_769_817_600],
    ['1970-01-01T00:00:00Z', 0],
    ['1970-01-01T01:00:00+01:00', 0],
    ['9999-12-31T23:59:59Z', 253_402_300_799],
  ])('reads the ISO 8601 form %j', (input, expected) => {
    expect(parseDateInput(input, 'start_time')).toBe(expected);
  });

  it.each([
    [1_769_817_600, 1_769_817_600],
    ['1769817600', 1_769_817_600],
    [0, 0],
    ['0', 0],
    [253_402_300_799, 253_402_300_799],
  ])('reads Unix seconds %j', (input, expected) => {
    expect(parseDateInput(input, 'end_time')).toBe(expected);
  });

  it('round-trips its own output', () => {
    for (const seconds of [0, 1, 1_795_916_227, 253_402_300_799]) {
      expect(parseDateInput(formatGraphDate(seconds), 'start_time')).toBe(seconds);
    }
  });

  it.each([
    ['an empty string', ''],
    ['words', 'yesterday'],
    ['a month that does not exist', '2026-13-01'],
    ['month zero', '2026-00-10'],
    ['a day that does not exist', '2026-02-30'],
    ['February 29 of a common year', '2026-02-29'],
    ['day zero', '2026-01-00'],
    ['hour 24', '2026-01-31T24:00:00Z'],
    ['minute 60', '2026-01-31T12:60:00Z'],
    ['a leap second', '2026-01-31T23:59:60Z'],
    ['an offset over 23 hours', '2026-01-31T12:00:00+24:00'],
    ['an offset with 60 minutes', '2026-01-31T12:00:00+01:60'],
    ['a one-digit month', '2026-1-31'],
    ['a time without minutes', '2026-01-31T12Z'],
    ['a trailing word', '2026-01-31T12:00:00Z later'],
    ['RFC 2822', 'Sat, 31 Jan 2026 12:00:00 GMT'],
    ['Unix milliseconds as a decimal', '1769817600.5'],
    ['a fractional number', 1_769_817_600.5],
    ['exponent notation', '1.7e9'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['an object', { seconds: 1 }],
    ['an array', ['2026-01-31']],
  ])('refuses %s naming the parameter and both forms', (_case, value) => {
    const error = inputError(value, 'end_time');
    expect(error.parameter).toBe('end_time');
    expect(error.message).toMatch(/^Invalid end_time /);
    expect(error.message).toContain('ISO 8601');
    expect(error.message).toContain('Unix seconds');
  });

  it('quotes the value it refused, cut short when long', () => {
    expect(inputError('soon').message).toBe(
      'Invalid start_time "soon": pass an ISO 8601 date-time such as 2026-01-31T09:30:00Z ' +
        '(or 2026-01-31 for midnight UTC), or Unix seconds such as 1769851800.',
    );
    expect(inputError('x'.repeat(1000)).message).toContain(`"${'x'.repeat(64)}…"`);
    expect(inputError(null).message).toMatch(/^Invalid start_time \(null\): /);
  });

  it.each([
    ['a year before 1970', '1969-12-31T23:59:59Z'],
    ['year zero', '0000-01-01'],
    ['a two-digit year that Date.UTC would read as 19xx', '0075-06-01'],
    ['a 1970 date that is 1969 in UTC', '1970-01-01T00:30:00+01:00'],
    ['a 9999 date that is year 10000 in UTC', '9999-12-31T23:00:00-05:00'],
    ['negative Unix seconds', -1],
    ['negative Unix seconds as a string', '-1'],
    ['Unix seconds after 9999', 253_402_300_800],
    ['Unix seconds after 9999 as a string', '253402300800'],
  ])('refuses %s as out of range', (_case, value) => {
    const error = inputError(value);
    expect(error.parameter).toBe('start_time');
    expect(error.message).toContain(
      'is out of range: it must lie between 1970-01-01T00:00:00+0000 and 9999-12-31T23:59:59+0000',
    );
  });
});
