/**
 * @module
 * Decorators that time every operation of a store port into `ProcessMetrics`: the metadata
 * store (each repository method, labelled `repository.method`) and the blob store (each
 * method). They wrap the port, so no adapter and no caller changes. The metadata decorator
 * also counts the bytes of archive parts as their file records are made (`files.create`).
 */
import type { BlobStore } from '../../ports/blob-store.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import type { ProcessMetrics } from './process-metrics.js';

/** The two series of one operation, labelled once: an observation then hashes no labels. */
interface OperationSeries {
  readonly ok: { observe(seconds: number): void };
  readonly error: { observe(seconds: number): void };
}

type SeriesOf = (operation: string) => OperationSeries;

/**
 * `method` called on `object`, timed (a promise until it settles) into its operation's series.
 * A promise is answered as it is, not through a chained one: the caller awaits exactly what
 * the store gave, and the timing costs one reaction, not a promise of its own in the caller's
 * chain. Every store call on the request path comes through here: no closure but the
 * reaction's.
 */
function timedMethod(
  object: object,
  method: (...args: unknown[]) => unknown,
  series: OperationSeries,
): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    const started = performance.now();
    let value: unknown;
    try {
      value = method.apply(object, args);
    } catch (error) {
      series.error.observe(secondsSince(started));
      throw error;
    }
    if (value instanceof Promise) {
      value.then(
        () => series.ok.observe(secondsSince(started)),
        () => series.error.observe(secondsSince(started)),
      );
    } else {
      series.ok.observe(secondsSince(started));
    }
    return value;
  };
}

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

/** Methods that are not operations on the data: left untimed. */
const UNTIMED = new Set(['init', 'close', 'changeMark', 'jobQueue']);

/**
 * Wraps every method of `target` (and of the repositories it holds) in a timer. What a key
 * gives is made once and kept (untimed methods bound once too): a call through the wrapper
 * costs a lookup, not a new function. `decorate` may wrap a top-level property further.
 */
function meter<T extends object>(
  target: T,
  prefix: string,
  seriesOf: SeriesOf,
  decorate: (key: string, value: unknown) => unknown = (_key, value) => value,
): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, key, receiver) {
      const cached = wrapped.get(key);
      if (cached !== undefined) return cached;
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof key !== 'string') {
        return typeof value === 'function' ? (value as () => unknown).bind(object) : value;
      }
      let result: unknown = value;
      if (typeof value === 'function') {
        const method = value as (...a: unknown[]) => unknown;
        result = UNTIMED.has(key)
          ? method.bind(object)
          : timedMethod(object, method, seriesOf(prefix === '' ? key : `${prefix}.${key}`));
      } else if (UNTIMED.has(key)) {
        return value;
      } else if (prefix === '' && typeof value === 'object' && value !== null) {
        result = decorate(key, meter(value, key, seriesOf));
      }
      wrapped.set(key, result);
      return result;
    },
  });
}

/** Each operation's series of `histogram`, labelled at the first call of the operation. */
function seriesOfHistogram(histogram: ProcessMetrics['databaseDuration']): SeriesOf {
  return (operation) => ({
    ok: histogram.series({ operation, result: 'ok' }),
    error: histogram.series({ operation, result: 'error' }),
  });
}

export function meteredMetadataStore(store: MetadataStore, metrics: ProcessMetrics): MetadataStore {
  return meter(store, '', seriesOfHistogram(metrics.databaseDuration), (key, metered) =>
    key === 'files' ? countingArchiveBytes(metered as MetadataStore['files'], metrics) : metered,
  );
}

/** Counts the bytes of archive parts as their file records are made (`files.create`). */
function countingArchiveBytes(
  files: MetadataStore['files'],
  metrics: ProcessMetrics,
): MetadataStore['files'] {
  const create = async (...args: Parameters<MetadataStore['files']['create']>) => {
    const created = await files.create(...args);
    metrics.archiveBytes.inc(args[1].size);
    return created;
  };
  return new Proxy(files, {
    get: (object, key, receiver) =>
      key === 'create' ? create : (Reflect.get(object, key, receiver) as unknown),
  });
}

export function meteredBlobStore(store: BlobStore, metrics: ProcessMetrics): BlobStore {
  return meter(store, '', seriesOfHistogram(metrics.blobDuration));
}
