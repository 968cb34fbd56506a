/**
 * @module
 * Whether a process of this machine still runs, for files that name their writer by pid (temp
 * files of unfinished writes, `server.json`): a file whose process is gone can be judged stale.
 * Only node's own `process` here: the downloader loads it through `running-server.ts`.
 */

/** True while process `pid` exists, whoever owns it. */
export function isProcessAlive(pid: number): boolean {
  try {
    // Signal 0 checks that the process exists without touching it.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
