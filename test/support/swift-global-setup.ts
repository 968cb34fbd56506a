/**
 * @module
 * Vitest global setup for the S3 tests: makes one private directory per `vitest run`, in which
 * the first test file that needs OpenStack Swift starts it (`swift.ts`), and stops that Swift
 * by its pid files when the run ends. A run whose files need no Swift starts none.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's directory for a Swift started on demand (see test/support/swift.ts). */
    swiftRunDir: string;
  }
}

export const SWIFT_SCRIPT = path.resolve(import.meta.dirname, '../../scripts/swift-server.sh');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runDir = await mkdtemp(path.join(tmpdir(), 'dyi-swift-'));
  project.provide('swiftRunDir', runDir);
  return async () => {
    // Stops only what the script started here: it reads the pid files in this directory.
    await promisify(execFile)('bash', [SWIFT_SCRIPT, 'stop', path.join(runDir, 'swift')]).catch(
      () => undefined,
    );
    await rm(runDir, { recursive: true, force: true });
  };
}
