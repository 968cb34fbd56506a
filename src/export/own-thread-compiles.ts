/**
 * @module
 * Worker threads whose optimizing compiles run on their own thread. V8 optimizes hot
 * functions (TurboFan) on its platform threads, which the whole process shares and which run
 * at the priority of the thread that started them, the main one: in `dyi serve` the export
 * threads (nice 19) had their code optimized at the API's priority (nice 0, about three
 * quarters of the 2.3 to 4.3 s that V8's platform threads spent during the latency bench's
 * large export, `perf record` by thread). Whether an isolate compiles concurrently is decided
 * once, when V8 makes the isolate (`--concurrent-recompilation`): `startWithOwnCompiles`
 * turns the flag off while the thread's isolate is made and back on once the thread runs, so
 * the new isolate compiles on its own thread, at that thread's priority, and every other
 * isolate (the main one first) keeps compiling concurrently. The CPU is the same; only where
 * it runs changes. If the operator set the flag themselves (`node
 * --[no-]concurrent-recompilation`; `NODE_OPTIONS` may not hold it), nothing is changed.
 */
import { setFlagsFromString } from 'node:v8';
import type { Worker } from 'node:worker_threads';

const FLAG = 'concurrent-recompilation';
/** Threads being started with the flag off; it is turned back on when none is left. */
let starting = 0;

function isFlagSetByOperator(): boolean {
  return process.execArgv.some((arg) => arg.includes(FLAG));
}

/** Starts a worker thread (`start` makes it) whose isolate optimizes code on its own thread. */
export function startWithOwnCompiles(start: () => Worker): Worker {
  if (isFlagSetByOperator()) return start();
  if (starting++ === 0) setFlagsFromString(`--no-${FLAG}`);
  let worker: Worker;
  try {
    worker = start();
  } catch (error) {
    restore();
    throw error;
  }
  // 'online' comes once the thread runs code: its isolate is made. A thread that fails to
  // start gives 'error' or 'exit' instead.
  let done = false;
  const settle = (): void => {
    if (done) return;
    done = true;
    restore();
  };
  worker.once('online', settle);
  worker.once('error', settle);
  worker.once('exit', settle);
  return worker;
}

function restore(): void {
  if (--starting === 0) setFlagsFromString(`--${FLAG}`);
}
