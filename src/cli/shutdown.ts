/**
 * @module
 * Graceful shutdown of the long-running commands (`serve`, `worker`): on SIGINT or SIGTERM,
 * finish what is in flight, and exit anyway once a timeout has passed.
 */

/** How long work in flight may take to finish on shutdown, in milliseconds. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Listens for SIGINT and SIGTERM from this call on; resolves once one came and `close` finished. */
export function waitForShutdown(close: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.stderr.write(`\n${signal}: finishing work in flight, then stopping.\n`);
      const force = setTimeout(() => {
        process.stderr.write('Work in flight did not finish in time; stopping now.\n');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS);
      force.unref();
      close().then(resolve, reject);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
