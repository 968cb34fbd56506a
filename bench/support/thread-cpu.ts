/**
 * @module
 * CPU time of each thread of this process, from Linux's /proc/self/task: user plus system time
 * and the thread's name (`comm`: `node` for Node's own threads, `libvips worker` for sharp's).
 * Differences between two moments say how busy each thread was over a stretch of work, which
 * a loaded machine's wall time cannot.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on every Linux). */
const TICKS_PER_SECOND = 100;

export interface ThreadCpu {
  readonly name: string;
  /** CPU seconds used so far. */
  readonly seconds: number;
}

/** Every thread of this process now, by thread id; empty where there is no /proc. */
export async function threadCpu(): Promise<Map<number, ThreadCpu>> {
  const threads = new Map<number, ThreadCpu>();
  const ids = await readdir('/proc/self/task').catch(() => []);
  for (const id of ids) {
    const [stat, comm] = await Promise.all([
      readFile(`/proc/self/task/${id}/stat`, 'utf8').catch(() => undefined),
      readFile(`/proc/self/task/${id}/comm`, 'utf8').catch(() => ''),
    ]);
    if (stat === undefined) continue;
    // Fields after the name, which may hold spaces: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    threads.set(Number(id), { name: comm.trim(), seconds: ticks / TICKS_PER_SECOND });
  }
  return threads;
}

/** CPU seconds each thread used between two readings (threads started meanwhile from 0). */
export function cpuBetween(
  before: ReadonlyMap<number, ThreadCpu>,
  after: ReadonlyMap<number, ThreadCpu>,
): Map<number, ThreadCpu> {
  const used = new Map<number, ThreadCpu>();
  for (const [id, now] of after) {
    used.set(id, { name: now.name, seconds: now.seconds - (before.get(id)?.seconds ?? 0) });
  }
  return used;
}
