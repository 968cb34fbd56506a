/**
 * @module
 * Work started ahead, results taken in order: `aheadInOrder(items, atOnce, work)` yields
 * `work(item)` for each item in the items' order, while up to `atOnce` calls run at once; the
 * next call starts as soon as a result is taken, before the consumer is done with it. The job
 * runner scales a job's images this way, so that libvips works on the next images while the
 * current one is hashed and zipped, and the archive still gets its entries in the same order,
 * whatever `atOnce` is.
 *
 * A call that fails makes the generator throw when its turn comes, not before: the calls before
 * it are yielded first. When the consumer stops early (a break, or a throw of its own), no new
 * call starts; those already running finish unobserved, their failures swallowed (nobody is left
 * to report them to).
 */
export async function* aheadInOrder<T, R>(
  items: Iterable<T>,
  atOnce: number,
  work: (item: T) => Promise<R>,
): AsyncGenerator<R, void, undefined> {
  const limit = Math.max(1, Math.floor(atOnce));
  const pending = items[Symbol.iterator]();
  const running: Promise<R>[] = [];
  const startNext = (): void => {
    const next = pending.next();
    if (next.done === true) return;
    const call = Promise.resolve().then(() => work(next.value));
    // Observed here so that a failure ahead of its turn is not an unhandled rejection; the
    // consumer still gets it from `call` when it reaches it.
    call.catch(() => undefined);
    running.push(call);
  };
  while (running.length < limit) {
    const before = running.length;
    startNext();
    if (running.length === before) break;
  }
  for (let call = running.shift(); call !== undefined; call = running.shift()) {
    const result = await call;
    startNext();
    yield result;
  }
}
