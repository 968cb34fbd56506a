/**
 * @module
 * A sweep run now and then every so often in the background (`dyi serve`, `dyi worker`): one
 * run at a time, each result or failure handed to a callback; the timer keeps no process alive.
 */

export interface Schedule {
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Runs `sweep` now and then every `intervalSeconds`, never two at once. */
export function repeatEvery<T>(
  intervalSeconds: number,
  sweep: () => Promise<T>,
  onReport: (report: T) => void,
  onError: (error: unknown) => void,
): Schedule {
  let running: Promise<void> = Promise.resolve();
  const run = (): void => {
    running = running.then(() => sweep().then(onReport, onError));
  };
  run();
  const timer = setInterval(run, intervalSeconds * 1000);
  timer.unref();
  return {
    async stop(): Promise<void> {
      clearInterval(timer);
      await running;
    },
  };
}
