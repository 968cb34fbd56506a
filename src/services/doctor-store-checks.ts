/**
 * @module
 * The checks of `dyi doctor` that look at the stores, without changing them: the database's
 * schema version against this code's (read-only: doctor migrates nothing), and the blob store
 * reached and written (a small blob put, read back and deleted). Also what the database tells
 * the other checks: the deployment id (`deployment-identity.ts`) and, for PostgreSQL, its clock.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { whyAncestorNotWritable } from '../adapters/local-disk/writable-directory.js';
import { describeDatabaseUrl, openPostgres } from '../adapters/postgres/postgres-database.js';
import { KNOWN_MIGRATIONS as POSTGRES_MIGRATIONS } from '../adapters/postgres/postgres-migrations.js';
import { KNOWN_MIGRATIONS as SQLITE_MIGRATIONS } from '../adapters/sqlite/sqlite-migrations.js';
import type { Config } from '../config.js';
import { blobStoreAt } from '../open-stores.js';
import { type CheckResult, fail, messageOf, ok, skip } from './doctor-check.js';
import { deploymentIdOf, DOWNLOAD_SECRET_KEY } from './deployment-identity.js';

/** What the database says, read once for several checks. */
export interface DatabaseFacts {
  /** "PostgreSQL at host:5432/db" or the SQLite file. */
  readonly location: string;
  /** Migrations applied, or undefined when there is no database yet. */
  readonly applied: readonly string[] | undefined;
  readonly known: readonly string[];
  /** Undefined until a server (or any command) has opened the deployment once. */
  readonly deploymentId: string | undefined;
  /** How far this machine's clock is ahead of PostgreSQL's, in ms (read at the same moment). */
  readonly clockAheadMs: number | undefined;
}

/** Reads the facts; throws when the database cannot be reached or read. */
export async function readDatabaseFacts(config: Config): Promise<DatabaseFacts> {
  return config.databaseUrl === undefined
    ? readSqliteFacts(path.join(config.dataDir, 'dyi.sqlite'))
    : readPostgresFacts(config.databaseUrl);
}

async function readSqliteFacts(filename: string): Promise<DatabaseFacts> {
  const facts = { location: filename, known: SQLITE_MIGRATIONS, clockAheadMs: undefined };
  if (!(await stat(filename).catch(() => undefined))) {
    return { ...facts, applied: undefined, deploymentId: undefined };
  }
  const db = new Database(filename, { readonly: true, fileMustExist: true });
  try {
    const has = (table: string) =>
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !==
      undefined;
    const applied = has('kysely_migration')
      ? (db.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as { name: string }[])
      : [];
    const secret = has('settings')
      ? (db.prepare('SELECT value FROM settings WHERE key = ?').get(DOWNLOAD_SECRET_KEY) as
          { value: string } | undefined)
      : undefined;
    return {
      ...facts,
      applied: applied.map((row) => row.name),
      deploymentId: secret && deploymentIdOf(secret.value),
    };
  } finally {
    db.close();
  }
}

async function readPostgresFacts(url: string): Promise<DatabaseFacts> {
  const db = openPostgres<unknown>({ url, maxConnections: 1, applicationName: 'dyi doctor' });
  try {
    const present = async (table: string) =>
      (
        await sql<{
          present: boolean;
        }>`SELECT to_regclass(${table}) IS NOT NULL AS present`.execute(db)
      ).rows[0]?.present === true;
    const applied = (await present('kysely_migration'))
      ? (await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db))
          .rows
      : [];
    const secret = (await present('settings'))
      ? (
          await sql<{
            value: string;
          }>`SELECT value FROM settings WHERE key = ${DOWNLOAD_SECRET_KEY}`.execute(db)
        ).rows[0]
      : undefined;
    const asked = Date.now();
    const clock = await sql<{ ms: number }>`
      SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`.execute(db);
    const answered = clock.rows[0]?.ms;
    const midway = (asked + Date.now()) / 2;
    return {
      location: describeDatabaseUrl(url),
      applied: applied.length === 0 ? undefined : applied.map((row) => row.name),
      known: POSTGRES_MIGRATIONS,
      deploymentId: secret && deploymentIdOf(secret.value),
      clockAheadMs: answered === undefined ? undefined : midway - answered,
    };
  } finally {
    await db.destroy();
  }
}

export function checkSchema(facts: DatabaseFacts): CheckResult {
  const name = 'schema';
  const latest = facts.known.at(-1) ?? 'none';
  if (facts.applied === undefined) {
    return ok(
      name,
      `no database yet at ${facts.location}; dyi migrate or dyi serve creates it at ${latest}`,
    );
  }
  const unknown = facts.applied.filter((migration) => !facts.known.includes(migration));
  if (unknown.length > 0) {
    return fail(
      name,
      `${facts.location} is newer than this dyi-export (it has ${unknown.join(', ')}; this version knows up to ${latest})`,
      'upgrade dyi-export to the version that wrote it; this version refuses to run on it',
    );
  }
  const missing = facts.known.filter((migration) => !facts.applied?.includes(migration));
  if (missing.length > 0) {
    return fail(
      name,
      `${facts.location} is behind: at ${facts.applied.at(-1) ?? 'none'}, this version needs ${latest} (${missing.length} migration${missing.length === 1 ? '' : 's'} to run)`,
      'run dyi migrate with the same settings, once, before starting the servers',
    );
  }
  return ok(name, `${facts.location} is at ${latest}, as this version expects`);
}

/** Puts a small blob, reads it back and deletes it. */
export async function checkBlobStore(config: Config, dataDirUsable: boolean): Promise<CheckResult> {
  const name = 'blob store';
  const location = config.blobStore;
  if (
    location.kind === 'local-disk' &&
    !dataDirUsable &&
    location.root.startsWith(config.dataDir)
  ) {
    return skip(name, `${location.root} is in the data dir, which cannot be used (see above)`);
  }
  const where =
    location.kind === 'local-disk'
      ? location.root
      : `s3://${location.bucket}/${location.prefix}${location.endpoint ? ` at ${location.endpoint}` : ''}`;
  if (location.kind === 'local-disk' && !(await stat(location.root).catch(() => undefined))) {
    const blocked = await whyAncestorNotWritable(location.root);
    return blocked === undefined
      ? ok(name, `${where} does not exist yet; dyi serve creates it`)
      : fail(
          name,
          `${where} cannot be created: ${blocked}`,
          'make the directory writable, or name another with DYI_BLOB_STORE',
        );
  }
  const store = blobStoreAt(location);
  const key = `doctor/${randomUUID()}`;
  const body = `dyi doctor ${key}`;
  try {
    await store.init();
    await store.put(key, Readable.from([Buffer.from(body)]));
    let read = '';
    for await (const chunk of (await store.openRead(key)) as AsyncIterable<Buffer>) {
      read += chunk.toString();
    }
    await store.delete(key);
    if (read !== body) throw new Error('a blob read back differs from what was written');
    return ok(name, `${where}: written, read back and deleted a test blob`);
  } catch (error) {
    return fail(
      name,
      `${where}: ${messageOf(error)}`,
      location.kind === 's3'
        ? 'check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the bucket of DYI_BLOB_STORE (it must exist), DYI_S3_ENDPOINT and DYI_S3_REGION'
        : 'make the directory writable, or name another with DYI_BLOB_STORE',
    );
  } finally {
    await store.close();
  }
}
