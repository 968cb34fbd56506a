/**
 * The Node versions package.json claims are ones every locked package supports: `npm install`
 * on the oldest claimed version of each line prints no EBADENGINE warning (on this OS and CPU;
 * binaries for others are skipped by npm, and checked by nobody here). (npm's own `semver`,
 * in the tree through many packages, reads the ranges exactly as npm does.)
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '..');
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};

interface LockedPackage {
  readonly version?: string;
  /** An object, or in a few old packages an array (which npm ignores). */
  readonly engines?: { readonly node?: unknown };
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
}

/** Whether npm installs the package here (not a binary for another OS or CPU, which it skips). */
function isForThisMachine(locked: LockedPackage): boolean {
  return (
    (locked.os?.includes(process.platform) ?? true) && (locked.cpu?.includes(process.arch) ?? true)
  );
}

it('claims only Node versions that every locked package supports', async () => {
  const manifest = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  const lock = JSON.parse(await readFile(path.join(REPO, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockedPackage>;
  };
  const claim = manifest.engines.node;
  // The oldest version of each line the claim allows (e.g. 20.19.0 and 22.12.0).
  const oldest = claim.split('||').map((range) => semver.minVersion(range.trim())?.version);
  expect(oldest).not.toContain(undefined);
  // The README promises Node 20.
  expect(oldest.some((version) => version?.startsWith('20.'))).toBe(true);
  const unsupported = Object.entries(lock.packages).flatMap(([where, locked]) => {
    const needs = locked.engines?.node;
    if (typeof needs !== 'string' || where === '' || !isForThisMachine(locked)) return [];
    return oldest
      .filter((version) => version !== undefined && !semver.satisfies(version, needs))
      .map((version) => `${where}@${locked.version ?? '?'} needs node ${needs}, not ${version}`);
  });
  expect(unsupported).toEqual([]);
});
