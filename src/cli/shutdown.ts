/**
 * @module
 * Graceful shutdown of the long-running commands (`serve`, `worker`): on SIGINT or SIGTERM,
 * finish what is in flight, and exit anyway once a timeout has passed.
 *
 * One Ctrl-C often arrives twice: under `npm start` the terminal signals the whole foreground
 * group and npm forwards the signal to its child once more. So the handlers stay installed for
 * the whole shutdown (a removed handler would let the duplicate kill the process by default,
 * mid-way through its clean-up): a repeat soon after the first is that echo and is ignored;
 * a repeat later is a person who does not want to wait, and stops the process at once.
 */

/** How long work in flight may take to finish on shutdown, in milliseconds. */
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** A repeated signal within this many milliseconds of the first is the same request. */
const ECHO_WINDOW_MS = 1_000;

/**
 * Listens for SIGINT and SIGTERM from this call on; resolves once one came and `close` finished.
 * Aborting `options.signal` before a signal came stops listening (the command is ending for
 * another reason, such as a port it could not listen on) and resolves at once.
 */
export function waitForShutdown(
  close: () => Promise<void>,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    let firstAt: number | undefined;
    const stop = (signal: NodeJS.Signals): void => {
      if (firstAt !== undefined) {
        if (Date.now() - firstAt < ECHO_WINDOW_MS) return;
        process.stderr.write(`${signal} again: stopping now, without finishing work in flight.\n`);
        process.exit(1);
      }
      firstAt = Date.now();
      process.stderr.write(
        `\n${signal}: finishing work in flight, then stopping (send it again to stop at once).\n`,
      );
      const force = setTimeout(() => {
        process.stderr.write('Work in flight did not finish in time; stopping now.\n');
        process.exit(1);
      }, SHUTDOWN_TIMEOUT_MS);
      force.unref();
      close().then(() => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        process.stderr.write('Stopped.\n');
        resolve();
      }, reject);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    options.signal?.addEventListener(
      'abort',
      () => {
        if (firstAt !== undefined) return;
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      },
      { once: true },
    );
  });
}
