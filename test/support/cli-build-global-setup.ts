/**
 * @module
 * Vitest global setup: compiles the product once per run, as `npm start` does (tsc with
 * tsconfig.build.json), into `.test-build/` at the repository's root, so that every `dyi` process
 * a test starts runs compiled JavaScript instead of compiling the TypeScript sources again at
 * each start (about 2 s of CPU per process with tsx, of which the suite starts hundreds). The
 * build is incremental: a run after an unchanged one takes a few seconds. It sets
 * `DYI_TEST_CLI` to the compiled entry point, which `dyi-cli.ts` runs; the processes the tests
 * start inherit it. Tests themselves still run the sources.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** Where the compiled product goes: beside `src/`, so that its paths to `web/` hold. */
export const TEST_BUILD_DIR = path.join(ROOT, '.test-build');

export default async function setup(): Promise<void> {
  // Each project of the run calls this; the first one builds.
  if (process.env.DYI_TEST_CLI) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const args = [
    tsc,
    ...['-p', path.join(ROOT, 'tsconfig.build.json')],
    ...['--outDir', TEST_BUILD_DIR],
    ...['--incremental', '--tsBuildInfoFile', path.join(TEST_BUILD_DIR, '.tsbuildinfo')],
    ...['--declaration', 'false'],
  ];
  try {
    await promisify(execFile)(process.execPath, args, { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`compiling the product for the tests failed:\n${stdout}${stderr}`);
  }
  process.env.DYI_TEST_CLI = path.join(TEST_BUILD_DIR, 'cli', 'main.js');
}
