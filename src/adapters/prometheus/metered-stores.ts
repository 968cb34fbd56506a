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

type Timer = (labels: { operation: string; result: string }) => void;

/** Calls `run`, timing it (a promise until it settles) into `histogram` under `operation`. */
function timed<T>(start: () => Timer, operation: string, run: () => T): T {
  const end = start();
  let value: T;
  try {
    value = run();
  } catch (error) {
    end({ operation, result: 'error' });
    throw error;
  }
  if (value instanceof Promise) {
    return value.then(
      (resolved: unknown) => {
        end({ operation, result: 'ok' });
        return resolved;
      },
      (error: unknown) => {
        end({ operation, result: 'error' });
        throw error;
      },
    ) as T;
  }
  end({ operation, result: 'ok' });
  return value;
}

/** Methods that are not operations on the data: left untimed. */
const UNTIMED = new Set(['init', 'close', 'changeMark', 'jobQueue']);

/** Wraps every method of `target` (and of the repositories it holds) in a timer. */
function meter<T extends object>(target: T, prefix: string, start: () => Timer): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(object, key, receiver) {
      const value: unknown = Reflect.get(object, key, receiver);
      if (typeof key !== 'string' || UNTIMED.has(key)) {
        return typeof value === 'function' ? (value as () => unknown).bind(object) : value;
      }
      const cached = wrapped.get(key);
      if (cached !== undefined) return cached;
      let result: unknown = value;
      if (typeof value === 'function') {
        const operation = prefix === '' ? key : `${prefix}.${key}`;
        result = (...args: unknown[]) =>
          timed(start, operation, () =>
            (value as (...a: unknown[]) => unknown).apply(object, args),
          );
      } else if (prefix === '' && typeof value === 'object' && value !== null) {
        result = meter(value, key, start);
      }
      wrapped.set(key, result);
      return result;
    },
  });
}

export function meteredMetadataStore(store: MetadataStore, metrics: ProcessMetrics): MetadataStore {
  const start = (): Timer => metrics.databaseDuration.startTimer();
  const metered = meter(store, '', start);
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
  return meter(store, '', () => metrics.blobDuration.startTimer());
}
