/**
 * @module
 * CPU time of processes the bench did not start as Node children it can ask (nginx, Swift,
 * `dyi serve`), read from Linux's /proc: user plus system time of each process and of its
 * children, recursively, so that a master's forked workers count too. Differences of it
 * between two moments are what a request cost.
 */
import { readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on every Linux). */
export const USER_HZ = 100;

/** Seconds of CPU the processes `pids` and all their descendants have used so far. */
export async function processTreeCpuSeconds(pids: readonly number[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) ticks += await treeTicks(pid);
  return ticks / USER_HZ;
}

async function treeTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // Gone meanwhile (a worker that exited): it no longer counts either way.
  if (stat === undefined) return 0;
  // Fields after the command name, which may itself hold spaces: utime and stime are 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  let ticks = Number(fields[11]) + Number(fields[12]);
  const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  for (const child of children.split(' ').filter((each) => each.trim() !== '')) {
    ticks += await treeTicks(Number(child));
  }
  return ticks;
}
