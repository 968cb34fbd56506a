/**
 * @module
 * Counters and histograms for the hot paths (every HTTP request, every store call), where a
 * caller keeps the series of each label set it uses. prom-client hashes and validates the
 * labels on every `inc` and `observe`, its `labels()` children too; a `series(labels)` here
 * does that once, and counting is then plain arithmetic on the series.
 *
 * They register in a prom-client `Registry` like its own metrics and answer `get()` with the
 * values prom-client's `Counter` and `Histogram` give for the same counts (same order: series
 * as first counted; same label order), so `/metrics`, `getMetricsAsJSON()` and
 * `AggregatorRegistry` see no difference. `series-metrics.test.ts` compares them.
 */
import type { Metric, Registry } from 'prom-client';

type Labels<L extends string> = Readonly<Record<L, string | number>>;

interface MetricOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly registers: readonly Registry[];
}

/** One counted label set of a `SeriesCounter`. */
export interface CounterSeries {
  inc(amount?: number): void;
}

/** One observed label set of a `SeriesHistogram`. */
export interface HistogramSeries {
  observe(value: number): void;
}

/** One line of the metric, as prom-client's metrics give it to the registry. */
interface SeriesValue {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
  readonly exemplar?: null;
}

/** What `get()` answers, as prom-client's metrics do (the part the registry reads). */
interface MetricValues {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly values: SeriesValue[];
  readonly aggregator: 'sum';
}

/** What the registry reads of a metric; the rest of prom-client's `Metric` class it never uses. */
abstract class SeriesMetric<L extends string, S> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  readonly #labelNames: readonly string[];
  /** Every series asked for, by its labels (as prom-client keys them: sorted `name:value`). */
  readonly #series = new Map<string, S>();
  /** Series counted at least once, in the order of their first count (prom-client's). */
  protected counted: S[] = [];

  constructor(options: MetricOptions<L>) {
    this.name = options.name;
    this.help = options.help;
    this.#labelNames = options.labelNames;
    for (const registry of options.registers) {
      registry.registerMetric(this as unknown as Metric<L>);
    }
  }

  /** The one series of `labels`, made at the first ask. */
  protected seriesOf(labels: Labels<L>, make: () => S): S {
    const names = Object.keys(labels);
    for (const name of names) {
      if (!this.#labelNames.includes(name)) {
        throw new Error(
          `Added label "${name}" is not included in initial labelset of ${this.name}`,
        );
      }
    }
    const key = names
      .sort()
      .map((name) => `${name}:${labels[name as L]}`)
      .join(',');
    let series = this.#series.get(key);
    if (series === undefined) {
      series = make();
      this.#series.set(key, series);
    }
    return series;
  }

  /** @internal Called by a series at its first count. */
  enlist(series: S): void {
    this.counted.push(series);
  }

  /** Forgets every count (prom-client's `Registry.resetMetrics`); kept series start again. */
  abstract reset(): void;
  abstract get(): Promise<MetricValues>;
}

/** A counter whose label sets are counted through `series(labels)`. */
export class SeriesCounter<L extends string> extends SeriesMetric<L, CounterEntry<L>> {
  readonly type = 'counter' as const;

  /** The series of `labels`: keep it, and count through it. */
  series(labels: Labels<L>): CounterSeries {
    return this.seriesOf(labels, () => new CounterEntry(labels, this));
  }

  reset(): void {
    for (const entry of this.counted) entry.clear();
    this.counted = [];
  }

  get(): Promise<MetricValues> {
    return Promise.resolve({
      help: this.help,
      name: this.name,
      type: this.type,
      values: this.counted.map((entry) => ({ value: entry.value, labels: entry.labels })),
      aggregator: this.aggregator,
    });
  }
}

class CounterEntry<L extends string> implements CounterSeries {
  value = 0;
  #listed = false;
  constructor(
    readonly labels: Labels<L>,
    readonly owner: SeriesCounter<L>,
  ) {}

  inc(amount = 1): void {
    if (!Number.isFinite(amount)) throw new TypeError(`Value is not a valid number: ${amount}`);
    if (amount < 0) throw new Error('It is not possible to decrease a counter');
    if (!this.#listed) {
      this.#listed = true;
      this.owner.enlist(this);
    }
    this.value += amount;
  }

  clear(): void {
    this.value = 0;
    this.#listed = false;
  }
}

/** A histogram whose label sets are observed through `series(labels)`. */
export class SeriesHistogram<L extends string> extends SeriesMetric<L, HistogramEntry<L>> {
  readonly type = 'histogram' as const;
  readonly buckets: readonly number[];

  constructor(options: MetricOptions<L> & { readonly buckets: readonly number[] }) {
    super(options);
    this.buckets = [...options.buckets];
  }

  /** The series of `labels`: keep it, and observe through it. */
  series(labels: Labels<L>): HistogramSeries {
    return this.seriesOf(labels, () => new HistogramEntry(labels, this));
  }

  reset(): void {
    for (const entry of this.counted) entry.clear();
    this.counted = [];
  }

  get(): Promise<MetricValues> {
    const bucketName = `${this.name}_bucket`;
    const values: SeriesValue[] = [];
    for (const entry of this.counted) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += entry.perBucket[i] ?? 0;
        values.push(bucketValue(cumulative, bucketName, { le: bound, ...entry.labels }));
      });
      values.push(
        bucketValue(entry.count, bucketName, { le: '+Inf', ...entry.labels }),
        {
          value: entry.sum,
          metricName: `${this.name}_sum`,
          exemplar: undefined,
          labels: { ...entry.labels },
        },
        {
          value: entry.count,
          metricName: `${this.name}_count`,
          exemplar: undefined,
          labels: { ...entry.labels },
        },
      );
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    });
  }
}

function bucketValue(
  value: number,
  metricName: string,
  labels: Record<string, string | number>,
): SeriesValue {
  return { value, metricName, exemplar: null, labels };
}

class HistogramEntry<L extends string> implements HistogramSeries {
  readonly perBucket: number[];
  sum = 0;
  count = 0;
  #listed = false;
  constructor(
    readonly labels: Labels<L>,
    readonly owner: SeriesHistogram<L>,
  ) {
    this.perBucket = owner.buckets.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    if (!this.#listed) {
      this.#listed = true;
      this.owner.enlist(this);
    }
    const { buckets } = this.owner;
    for (let i = 0; i < buckets.length; i++) {
      if (value <= (buckets[i] as number)) {
        this.perBucket[i] = (this.perBucket[i] as number) + 1;
        break;
      }
    }
    this.sum += value;
    this.count += 1;
  }

  clear(): void {
    this.perBucket.fill(0);
    this.sum = 0;
    this.count = 0;
    this.#listed = false;
  }
}
