/**
 * @module
 * A value, or a promise of it: what a store read answers when one engine may have the answer at
 * hand (SQLite's read cache) and another must ask over the network (PostgreSQL). A Graph
 * request makes several reads; answering those found in the cache without a promise saves a
 * promise, an async frame and an await per read. A failure is still a rejected promise, never
 * a throw, so that callers see failures as they did when every read was a promise.
 */
export type MaybePromise<T> = T | Promise<T>;

/**
 * `fn` applied to a value that may be a promise, without making a promise when it is not; a
 * throw of `fn` becomes a rejected promise.
 */
export function thenMaybe<T, U>(
  value: MaybePromise<T>,
  fn: (value: T) => MaybePromise<U>,
): MaybePromise<U> {
  if (value instanceof Promise) return value.then(fn);
  try {
    return fn(value);
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as thrown
    return Promise.reject(error);
  }
}
