/**
 * @module
 * The strict Prometheus text parser of the tests refuses what Prometheus would, so that a
 * `/metrics` it accepts is one Prometheus scrapes.
 */
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sumOf, valueOf } from './prometheus-text.js';

const GOOD = [
  '# HELP requests_total Requests.',
  '# TYPE requests_total counter',
  'requests_total{route="/:id",method="GET"} 3',
  'requests_total{route="/a\\"b\\\\c\\n",method="GET"} 1',
  '# TYPE latency_seconds histogram',
  'latency_seconds_bucket{le="0.1"} 1',
  'latency_seconds_bucket{le="+Inf"} 2',
  'latency_seconds_sum 0.35',
  'latency_seconds_count 2',
  '# TYPE lag gauge',
  'lag NaN',
  '',
].join('\n');

describe('parsePrometheusText', () => {
  it('reads families, escaped labels, histograms and NaN', () => {
    const families = parsePrometheusText(GOOD);
    expect(families.get('requests_total')?.help).toBe('Requests.');
    expect(valueOf(families, 'requests_total', { route: '/:id', method: 'GET' })).toBe(3);
    expect(valueOf(families, 'requests_total', { route: '/a"b\\c\n', method: 'GET' })).toBe(1);
    expect(sumOf(families, 'requests_total')).toBe(4);
    expect(valueOf(families, 'latency_seconds_count')).toBe(2);
    expect(valueOf(families, 'lag')).toBeNaN();
  });

  it.each([
    ['a sample before its TYPE', 'x 1\n'],
    ['a series twice', '# TYPE x counter\nx{a="1"} 1\nx{a="1"} 2\n'],
    ['a bad escape', '# TYPE x counter\nx{a="\\t"} 1\n'],
    ['a value that is no number', '# TYPE x counter\nx 1,5\n'],
    ['two spaces before the value', '# TYPE x counter\nx  1\n'],
    ['a missing final newline', '# TYPE x counter\nx 1'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n'],
    [
      'a histogram whose count differs from +Inf',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 1\n',
    ],
    ['a second TYPE', '# TYPE x counter\n# TYPE x gauge\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
