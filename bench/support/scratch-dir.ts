/**
 * @module
 * The scratch directory every bench works in, and the clean-up that must happen however the
 * bench ends: finished, failed, or stopped with Ctrl-C or SIGTERM (then with exit code 130).
 * Servers and child processes register their stop with `atCleanUp`; the steps run last-added
 * first, each even when one before it failed, and then the directory (with its gigabytes of
 * test data) is removed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface ScratchDir {
  readonly dir: string;
  /** Adds a step to run at clean-up, before the directory is removed. */
  readonly atCleanUp: (step: () => unknown) => void;
}

export async function withScratchDir<T>(
  prefix: string,
  work: (scratch: ScratchDir) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const steps: (() => unknown)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const step of steps.reverse()) {
        await Promise.resolve()
          .then(step)
          .catch((error: unknown) => console.error('cleaning up:', error));
      }
      await rm(dir, { recursive: true, force: true });
    })());
  const stopOnSignal = (): void => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    return await work({ dir, atCleanUp: (step) => steps.push(step) });
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
    await cleanUp();
  }
}
