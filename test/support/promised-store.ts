/**
 * A metadata store whose reads all answer promises: what a store that must wait for its
 * answer (PostgreSQL) gives, over the same rows. Tests compare what the Graph API answers from
 * it with what it answers from SQLite's read cache, which gives most values at once.
 */
import type { MetadataStore } from '../../src/ports/metadata-store.js';

/**
 * `store` with every method of its repositories (and `findObject`) answered as a promise, as
 * a store that must wait for its answer does; what it answers is the store's own.
 */
export function withPromisedReads(store: MetadataStore): MetadataStore {
  return promised(store, false);
}

function promised<T extends object>(store: T, isRepository: boolean): T {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value === 'function') {
        const method = value as (...args: unknown[]) => unknown;
        if (!isRepository && key !== 'findObject') return method.bind(target);
        return (...args: unknown[]) =>
          new Promise((resolve) => {
            resolve(method.apply(target, args));
          });
      }
      if (!isRepository && typeof value === 'object' && value !== null) {
        return promised(value, true);
      }
      return value;
    },
  });
}
