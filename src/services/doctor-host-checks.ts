/**
 * @module
 * The checks of `dyi doctor` that look at this machine: the data dir (there or creatable, and
 * writable, tried with a real write, since root passes every permission check but not a
 * read-only mount), its free space, the port `dyi serve` would bind, and Chromium.
 */
import { access, constants, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { reasonOf, whyAncestorNotWritable } from '../adapters/local-disk/writable-directory.js';
import type { Config } from '../config.js';
import { findRunningServer } from '../running-server.js';
import { type CheckResult, fail, ok, skip, warn } from './doctor-check.js';

/** Below this much free space exports fail: a failure. */
export const MIN_FREE_BYTES = 64 * 1024 * 1024;
/** Below this much, a warning: a few large exports fill it. */
export const LOW_FREE_BYTES = 1024 * 1024 * 1024;

export async function checkDataDir(dataDir: string): Promise<CheckResult> {
  const name = 'data dir';
  const fix = 'choose another with --data-dir DIR (or DYI_DATA_DIR), or make it writable';
  const found = await stat(dataDir).catch(() => undefined);
  if (found === undefined) {
    const blocked = await whyAncestorNotWritable(dataDir);
    return blocked === undefined
      ? ok(name, `${dataDir} does not exist yet; dyi serve creates it`)
      : fail(name, `${dataDir} cannot be created: ${blocked}`, fix);
  }
  if (!found.isDirectory()) return fail(name, `${dataDir} is a file, not a directory`, fix);
  const probe = path.join(dataDir, `.dyi-doctor-${process.pid}`);
  try {
    await writeFile(probe, 'dyi doctor');
    await rm(probe, { force: true });
  } catch (error) {
    return fail(name, `${dataDir} takes no writes: ${reasonOf(error)}`, fix);
  }
  return ok(name, `${dataDir} is writable`);
}

export async function checkFreeSpace(dataDir: string): Promise<CheckResult> {
  const name = 'free space';
  const where = await nearestExisting(dataDir);
  const stats = await statfs(where);
  const free = stats.bavail * stats.bsize;
  const detail = `${gigabytes(free)} free of ${gigabytes(stats.blocks * stats.bsize)} at ${where}`;
  if (free < MIN_FREE_BYTES) {
    return fail(
      name,
      detail,
      `free space (delete exports with dyi export delete, shorten DYI_RETENTION_DAYS) or move the data dir to a larger disk; exports need at least ${gigabytes(MIN_FREE_BYTES)}`,
    );
  }
  if (free < LOW_FREE_BYTES) {
    return warn(name, detail, 'a few large exports will fill it: plan more space');
  }
  return ok(name, detail);
}

export async function checkPort(config: Config): Promise<CheckResult> {
  const name = 'port';
  if (config.port === 0) return skip(name, 'port 0: dyi serve picks a free one');
  const where = `${config.host}:${config.port}`;
  const problem = await new Promise<string | undefined>((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ port: config.port, host: config.host }, () =>
      server.close(() => resolve(undefined)),
    );
  });
  if (problem === undefined) return ok(name, `${where} is free`);
  const running = await findRunningServer(config.dataDir);
  if (problem === 'EADDRINUSE' && running) {
    return ok(name, `${where} is in use by this data dir's dyi serve (pid ${running.pid})`);
  }
  return fail(
    name,
    problem === 'EADDRINUSE' ? `${where} is in use by another program` : `${where}: ${problem}`,
    'stop what listens there, or choose another with --port (PORT) or --host (DYI_HOST)',
  );
}

/** Chromium is needed by the browser tests only, so its absence is a warning. */
export async function checkChromium(executable: string): Promise<CheckResult> {
  const name = 'chromium';
  const found = await access(executable, constants.X_OK).then(
    () => true,
    () => false,
  );
  return found
    ? ok(name, `${executable} (for the browser tests)`)
    : warn(
        name,
        `no Chromium at ${executable}; only the browser tests need it, production does not`,
        'for the browser tests: apt-get install -y chromium, or set DYI_CHROMIUM',
      );
}

async function nearestExisting(dir: string): Promise<string> {
  let at = path.resolve(dir);
  while (
    !(await stat(at).then(
      () => true,
      () => false,
    ))
  ) {
    const parent = path.dirname(at);
    if (parent === at) return at;
    at = parent;
  }
  return at;
}

function gigabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
