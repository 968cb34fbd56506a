/**
 * @module
 * `<data dir>/server.json`: which `dyi serve` serves a data directory, and at which URL. The
 * server writes it once it listens and removes it when it stops; a server killed without
 * shutdown leaves it behind, so a reader believes it only while its process is alive. The CLI
 * reads it to name the URL to use (`dyi list` without `--base-url`, `dyi admin create`),
 * never to pick one silently. Only node:fs here: the downloader loads it.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from './adapters/local-disk/process-alive.js';

export const RUNNING_SERVER_FILE = 'server.json';

export interface RunningServer {
  readonly pid: number;
  /** The origin clients use (the server's public URL). */
  readonly url: string;
}

/** Records this process as the server of `dataDir`; the returned function removes the record. */
export async function recordRunningServer(
  dataDir: string,
  url: string,
): Promise<() => Promise<void>> {
  const file = path.join(dataDir, RUNNING_SERVER_FILE);
  const record: RunningServer = { pid: process.pid, url };
  await writeFile(file, `${JSON.stringify(record)}\n`);
  return async () => {
    // Another server may have started on the same data dir since: its record stays.
    if ((await readRecord(file))?.pid === process.pid) await rm(file, { force: true });
  };
}

/** The live server of `dataDir`, or undefined when there is none (or its record is stale). */
export async function findRunningServer(dataDir: string): Promise<RunningServer | undefined> {
  const record = await readRecord(path.join(dataDir, RUNNING_SERVER_FILE));
  return record !== undefined && isProcessAlive(record.pid) ? record : undefined;
}

async function readRecord(file: string): Promise<RunningServer | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Partial<RunningServer>;
    return typeof value.pid === 'number' && typeof value.url === 'string'
      ? { pid: value.pid, url: value.url }
      : undefined;
  } catch {
    return undefined;
  }
}
