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
 * Calls `run`, timing it (a promise until it settles) into its operation's series. A promise
 * is answered as it is, not through a chained one: the caller awaits exactly what the store
 * gave, and the timing costs one reaction, not a promise of its own in the caller's chain.
 */
function timed<T>(series: OperationSeries, run: () => T): T {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  let value: T;
  try {
    value = run();
  } catch (error) {
    series.error.observe(seconds());
    throw error;
  }
  if (value instanceof Promise) {
    value.then(
      () => series.ok.observe(seconds()),
      () => series.error.observe(seconds()),
    );
    return value;
  }
  series.ok.observe(seconds());
  return value;
}

/** Methods that are not operations on the data: left untimed. */
const UNTIMED = new Set(['init', 'close', 'changeMark', 'jobQueue']);

/** Wraps every method of `target` (and of the repositories it holds) in a timer. */
function meter<T extends object>(target: T, prefix: string, seriesOf: SeriesOf): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, key, receiver) {
      const cached = wrapped.get(key);
      if (cached !== undefined) return cached;
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof key !== 'string' || UNTIMED.has(key)) {
        return typeof value === 'function' ? (value as () => unknown).bind(object) : value;
      }
      let result: unknown = value;
      if (typeof value === 'function') {
        const series = seriesOf(prefix === '' ? key : `${prefix}.${key}`);
        const method = value as (...a: unknown[]) => unknown;
        result = (...args: unknown[]) => timed(series, () => method.apply(object, args));
      } else if (prefix === '' && typeof value === 'object' && value !== null) {
        result = meter(value, key, seriesOf);
      }
      wrapped.set(key, result);
      return result;
    },
  });
}

/** Each operation's series of `histogram`, labelled at the first call of the operation. */
function seriesOfHistogram(histogram: ProcessMetrics['databaseDuration']): SeriesOf {
  return (operation) => ({
    ok: histogram.labels({ operation, result: 'ok' }),
    error: histogram.labels({ operation, result: 'error' }),
  });
}

export function meteredMetadataStore(store: MetadataStore, metrics: ProcessMetrics): MetadataStore {
  const metered = meter(store, '', seriesOfHistogram(metrics.databaseDuration));
  const files = metered.files;
  const countedFiles: MetadataStore['files'] = new Proxy(files, {
    get(object, key, receiver) {
      if (key !== 'create') return Reflect.get(object, key, receiver) as unknown;
      return async (...args: Parameters<MetadataStore['files']['create']>) => {
        const created = await object.create(...args);
        metrics.archiveBytes.inc(args[1].size);
        return created;
      };
    },
  });
  return new Proxy(metered, {
    get: (object, key, receiver) =>
      key === 'files' ? countedFiles : (Reflect.get(object, key, receiver) as unknown),
  });
}

export function meteredBlobStore(store: BlobStore, metrics: ProcessMetrics): BlobStore {
  return meter(store, '', seriesOfHistogram(metrics.blobDuration));
}
