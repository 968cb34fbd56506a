/**
 * @module
 * Lowering the priority of threads that this process did not start itself, by their name, on
 * Linux. A nice value belongs to a thread and a thread starts with the nice value of the thread
 * that started it. The export threads of `dyi serve` lower their own (`export-worker.ts`), but
 * the threads libvips scales images on are started by the thread that runs sharp's pipeline:
 * one of libuv's pool threads, which the main thread started at nice 0. So they ran at nice 0
 * beside the API's thread however low the export thread was (measured under load: 0.6 to 0.9 s
 * of CPU in the first 10 s of the latency bench's export, against 1 to 2.6 s for both export
 * threads), and glib ends idle ones and starts new ones as images come, so they are looked for
 * again.
 * The reads are synchronous on purpose: asynchronous ones would run on libuv's pool at nice 0.
 * Where /proc cannot be read (not Linux) or the system refuses, nothing changes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** The name libvips gives the threads it scales images on (a thread name holds 15 bytes). */
export const LIBVIPS_THREAD_NAME = 'libvips worker';

/** A thread of this process as /proc shows it. */
export interface ThreadNiceness {
  readonly tid: number;
  readonly name: string;
  /** Nice value, -20 (first) to 19 (last). */
  readonly niceness: number;
}

/**
 * Lowers every thread of this process named `name` to nice `niceness`, leaving those already
 * at it or lower; answers how many it lowered.
 */
export function lowerThreadsNamed(name: string, niceness: number): number {
  let lowered = 0;
  for (const thread of threadsOfProcess()) {
    if (thread.name !== name || thread.niceness >= niceness) continue;
    try {
      setPriority(thread.tid, niceness);
      lowered += 1;
    } catch {
      // The thread ended meanwhile, or the system refuses: it runs as it is.
    }
  }
  return lowered;
}

/** Every thread of this process with its name and nice value (none where /proc is not). */
export function threadsOfProcess(): ThreadNiceness[] {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return [];
  }
  const threads: ThreadNiceness[] = [];
  for (const tid of tids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
    } catch {
      continue; // ended meanwhile
    }
    // The name is in parentheses and may hold any character, ')' too: fields are counted
    // after the last one. The nice value is field 19 of proc_pid_stat(5); field 3 comes first.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    threads.push({
      tid: Number(tid),
      name: stat.slice(stat.indexOf('(') + 1, close),
      niceness: Number(fields[19 - 3]),
    });
  }
  return threads;
}
