import fc from 'fast-check';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesCounter, SeriesHistogram } from './series-metrics.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const LABELS = ['route', 'method', 'status'] as const;
type Label = (typeof LABELS)[number];

/** A label set: values as the app passes them (strings, and numbers for status codes). */
const labelSet = fc.record({
  route: fc.constantFrom('/:id', '/:id/:edge', '/healthz', 'unmatched', 'a "quoted"\\ \n route'),
  method: fc.constantFrom('GET', 'POST'),
  status: fc.oneof(fc.constantFrom(200, 400, 404), fc.constantFrom('200', '503')),
});
const observation = fc.record({
  labels: labelSet,
  value: fc.oneof(
    fc.double({ min: 0, max: 20, noNaN: true }),
    fc.constantFrom(...BUCKETS),
    fc.constant(0),
  ),
});

/** Both kinds of metric fed the same counts, each in a registry of its own. */
function feedBoth(
  observations: readonly { labels: Record<Label, string | number>; value: number }[],
) {
  const theirs = new Registry();
  const ours = new Registry();
  const names = { counter: 'test_requests_total', histogram: 'test_duration_seconds' };
  const counter = new Counter({
    name: names.counter,
    help: 'Requests.',
    labelNames: LABELS,
    registers: [theirs],
  });
  const histogram = new Histogram({
    name: names.histogram,
    help: 'Time "taken".\nIn seconds.',
    labelNames: LABELS,
    buckets: BUCKETS,
    registers: [theirs],
  });
  const seriesCounter = new SeriesCounter({
    name: names.counter,
    help: 'Requests.',
    labelNames: LABELS,
    registers: [ours],
  });
  const seriesHistogram = new SeriesHistogram({
    name: names.histogram,
    help: 'Time "taken".\nIn seconds.',
    labelNames: LABELS,
    buckets: BUCKETS,
    registers: [ours],
  });
  for (const { labels, value } of observations) {
    counter.inc(labels);
    histogram.observe(labels, value);
    // A series is asked for again each time: asking twice gives the same series.
    seriesCounter.series(labels).inc();
    seriesHistogram.series(labels).observe(value);
  }
  return { theirs, ours };
}

describe('SeriesCounter and SeriesHistogram', () => {
  it('give the text, the JSON and the aggregate prom-client gives for the same counts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 60 }), async (observations) => {
        const { theirs, ours } = feedBoth(observations);
        expect(await ours.metrics()).toBe(await theirs.metrics());
        const theirJson = await theirs.getMetricsAsJSON();
        const ourJson = await ours.getMetricsAsJSON();
        expect(JSON.stringify(ourJson)).toBe(JSON.stringify(theirJson));
        const aggregate = (json: typeof ourJson) =>
          AggregatorRegistry.aggregate([json, json] as Parameters<
            typeof AggregatorRegistry.aggregate
          >[0]).metrics();
        expect(await aggregate(ourJson)).toBe(await aggregate(theirJson));
      }),
      { numRuns: 300 },
    );
  });

  it('start again from nothing after a reset, as prom-client does', async () => {
    const { theirs, ours } = feedBoth([
      { labels: { route: '/:id', method: 'GET', status: 200 }, value: 0.002 },
    ]);
    theirs.resetMetrics();
    ours.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('refuse a label the metric does not have, and values prom-client refuses', () => {
    const registry = new Registry();
    const counter = new SeriesCounter({
      name: 'c_total',
      help: 'C.',
      labelNames: ['route'],
      registers: [registry],
    });
    const histogram = new SeriesHistogram({
      name: 'h',
      help: 'H.',
      labelNames: ['route'],
      buckets: BUCKETS,
      registers: [registry],
    });
    expect(() => counter.series({ route: '/', other: 'x' } as { route: string })).toThrow(/other/);
    expect(() => counter.series({ route: '/' }).inc(-1)).toThrow(/decrease/);
    expect(() => histogram.series({ route: '/' }).observe(Number.NaN)).toThrow(/valid number/);
  });
});
