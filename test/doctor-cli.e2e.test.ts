/**
 * @module
 * `dyi doctor`, run as an operator runs it, on a healthy deployment and on five broken ones.
 * Each broken one fails with exit code 1 and a FAIL line naming the problem and what to do:
 * - an unwritable data dir: a read-only bind mount of it (we run as root, and chmod does not
 *   stop root; mounting needs root, as in CI: elsewhere that case is skipped, with its reason);
 * - a wrong S3 secret, against the repo's Swift (skipped with its reason without Swift);
 * - a wrong public URL: one where another HTTP server answers;
 * - a full disk: the data dir on a small tmpfs filled up (root, as above);
 * - a database written by a newer dyi-export (and one behind, which asks for dyi migrate).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, statfs } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDyi } from './support/dyi-cli.js';
import { type ServerProcess, startServer } from './support/server-process.js';
import { swiftSkipReason, type TestS3, testSwift } from './support/swift.js';

const REQUIRE_SERVICES = process.env.DYI_REQUIRE_SERVICES === '1';
const MIB = 1024 * 1024;

let scratch: string;
const mounts: string[] = [];
const servers: ServerProcess[] = [];
let other: Server | undefined;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'dyi-doctor-'));
});

afterAll(async () => {
  // Only what this file started and mounted.
  await Promise.all(servers.map((server) => server.kill()));
  await new Promise((resolve) => (other ? other.close(resolve) : resolve(undefined)));
  for (const mount of mounts.reverse()) execFileSync('umount', [mount]);
  await rm(scratch, { recursive: true, force: true });
});

/** Mounts with `args` (a remount is not recorded again), or answers why not (not root). */
function mount(args: readonly string[], at: string): string | undefined {
  try {
    execFileSync('mount', [...args, at], { stdio: 'pipe' });
    if (!args.some((arg) => arg.startsWith('remount'))) mounts.push(at);
    return undefined;
  } catch (error) {
    const why = `cannot mount (needs root, as in CI): ${String((error as Error).message).split('\n')[0]}`;
    if (REQUIRE_SERVICES) throw new Error(`DYI_REQUIRE_SERVICES=1 but ${why}`);
    return why;
  }
}

/** `dyi doctor` with a free port (not the default, which a test elsewhere may hold). */
function doctor(args: readonly string[], env: Record<string, string> = {}) {
  return runDyi(['doctor', '--port', '0', ...args], env);
}

/** The line of one check. */
function lineOf(stdout: string, check: string): string {
  return stdout.split('\n').find((line) => line.slice(5).startsWith(`${check}:`)) ?? '';
}

async function migrated(dir: string): Promise<string> {
  const result = await runDyi(['migrate', '--data-dir', dir]);
  expect(result.code, result.stderr).toBe(0);
  return path.join(dir, 'dyi.sqlite');
}

describe('dyi doctor', () => {
  it('passes a healthy deployment whose public URL answers as itself', async () => {
    const dataDir = path.join(scratch, 'healthy');
    const server = await startServer(dataDir);
    servers.push(server);
    const result = await doctor(['--data-dir', dataDir, '--public-url', server.baseUrl]);
    expect(result.stdout).toContain('All checks passed');
    expect(result.code).toBe(0);
    expect(lineOf(result.stdout, 'public url')).toMatch(
      /^ok {3}public url: .* answers as this deployment$/,
    );
    expect(lineOf(result.stdout, 'clock')).toMatch(/^ok {3}clock: .* the public URL/);
    expect(lineOf(result.stdout, 'schema')).toMatch(/^ok /);
    expect(lineOf(result.stdout, 'blob store')).toMatch(/^ok /);
  }, 60_000);

  it('names a wrong public URL: another server answers there', async () => {
    const dataDir = path.join(scratch, 'healthy');
    other = createServer((_request, response) => response.writeHead(404).end('Not Found'));
    await new Promise<void>((resolve) => other?.listen(0, '127.0.0.1', resolve));
    const wrong = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    const result = await doctor(['--data-dir', dataDir, '--public-url', wrong]);
    expect(result.code).toBe(1);
    expect(lineOf(result.stdout, 'public url')).toBe(
      `FAIL public url: ${wrong}/.well-known/dyi-deployment answers HTTP 404 without a deployment id: it reaches something other than dyi serve (another server, a proxy's error page, an older dyi-export) -> set --public-url (DYI_PUBLIC_URL) to the origin clients reach this deployment at, and route it to dyi serve`,
    );
    expect(result.stdout).toContain('1 check failed');
  }, 60_000);

  it('names a database written by a newer dyi-export, and one that is behind', async () => {
    const newer = await migrated(path.join(scratch, 'newer'));
    const db = new Database(newer);
    db.prepare(
      "INSERT INTO kysely_migration (name, timestamp) VALUES ('9999_from_the_future', '2030-01-01')",
    ).run();
    db.close();
    const result = await doctor(['--data-dir', path.dirname(newer)]);
    expect(result.code).toBe(1);
    expect(lineOf(result.stdout, 'schema')).toMatch(
      /^FAIL schema: .*dyi\.sqlite is newer than this dyi-export \(it has 9999_from_the_future; this version knows up to \w+\) -> upgrade dyi-export/,
    );

    const behind = await migrated(path.join(scratch, 'behind'));
    const old = new Database(behind);
    const last = old
      .prepare('SELECT name FROM kysely_migration ORDER BY name DESC LIMIT 1')
      .get() as { name: string };
    old.prepare('DELETE FROM kysely_migration WHERE name = ?').run(last.name);
    old.close();
    const stale = await doctor(['--data-dir', path.dirname(behind)]);
    expect(stale.code).toBe(1);
    expect(lineOf(stale.stdout, 'schema')).toMatch(
      /^FAIL schema: .* is behind: .*-> run dyi migrate/,
    );
  }, 60_000);

  it('names an unwritable data dir (a read-only bind mount)', async (context) => {
    const dataDir = path.join(scratch, 'read-only');
    await mkdir(dataDir);
    const why = mount(['--bind', dataDir], dataDir) ?? mount(['-o', 'remount,ro,bind'], dataDir);
    if (why !== undefined) context.skip(why);
    const result = await doctor(['--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(lineOf(result.stdout, 'data dir')).toBe(
      `FAIL data dir: ${dataDir} takes no writes: the file system is read-only -> choose another with --data-dir DIR (or DYI_DATA_DIR), or make it writable`,
    );
  });

  it('names a full disk (a small tmpfs, filled)', async (context) => {
    const disk = path.join(scratch, 'small-disk');
    await mkdir(disk);
    const why = mount(['-t', 'tmpfs', '-o', `size=${8 * MIB}`, 'tmpfs'], disk);
    if (why !== undefined) context.skip(why);
    const dataDir = path.join(disk, 'data');
    await migrated(dataDir);
    // Filled up but for a little: the data dir still takes a small write, the disk no export.
    const filler = await open(path.join(disk, 'filler'), 'w');
    const stats = await statfs(disk);
    await filler.write(Buffer.alloc(Math.max(0, stats.bavail * stats.bsize - 256 * 1024)));
    await filler.close();
    const result = await doctor(['--data-dir', dataDir]);
    expect(result.code).toBe(1);
    expect(lineOf(result.stdout, 'free space')).toMatch(
      /^FAIL free space: 0\.\d MB free of 8\.4 MB at .*small-disk\/data -> free space .* or move the data dir to a larger disk/,
    );
    expect(lineOf(result.stdout, 'data dir')).toMatch(/^ok /);
  });
});

const noSwift = await swiftSkipReason();
if (noSwift !== undefined && REQUIRE_SERVICES)
  throw new Error(`DYI_REQUIRE_SERVICES=1 but ${noSwift}`);

describe.skipIf(noSwift !== undefined)('dyi doctor on S3 (Swift)', () => {
  let s3: TestS3;
  let bucket: string;

  beforeAll(async () => {
    s3 = await testSwift();
    bucket = await s3.createBucket();
  }, 200_000);

  afterAll(async () => {
    await s3.removeBucket(bucket);
  });

  function s3Env(secret: string): Record<string, string> {
    return {
      DYI_BLOB_STORE: `s3://${bucket}/dyi`,
      DYI_S3_ENDPOINT: s3.endpoint,
      DYI_S3_REGION: s3.region,
      DYI_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: secret,
    };
  }

  it('names a wrong S3 secret, and passes the right one', async () => {
    const dataDir = path.join(scratch, 's3');
    const right = await doctor(['--data-dir', dataDir], s3Env(s3.credentials.secretAccessKey));
    expect(lineOf(right.stdout, 'blob store')).toMatch(
      new RegExp(
        `^ok {3}blob store: s3://${bucket}/dyi/ at .*: written, read back and deleted a test blob$`,
      ),
    );
    const wrong = await doctor(['--data-dir', dataDir], s3Env('not-the-secret'));
    expect(wrong.code).toBe(1);
    const line = lineOf(wrong.stdout, 'blob store');
    expect(line).toMatch(new RegExp(`^FAIL blob store: s3://${bucket}/dyi/ at `));
    expect(line).toContain('-> check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    expect(wrong.stdout).toContain('1 check failed');
  }, 60_000);
});
