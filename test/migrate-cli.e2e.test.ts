/**
 * @module
 * `dyi migrate` as an operator runs it before starting a fleet: it migrates the embedded file or
 * a PostgreSQL database, prints the schema version, and refuses (exit 2, no stack trace) a
 * database that a newer dyi-export has migrated.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runDyi } from './support/dyi-cli.js';
import { postgresOrSkip, type TestDatabase } from './support/postgres.js';

describe('dyi migrate', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('migrates a new data dir and says its version', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-migrate-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const run = await runDyi(['migrate', '--data-dir', dataDir]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`Schema up to date at 0018_run_claims (data in ${dataDir}).\n`);
  }, 60_000);

  it('migrates PostgreSQL, is idempotent, and refuses a database from a newer version', async (ctx) => {
    const database: TestDatabase | undefined = await postgresOrSkip(ctx);
    if (database === undefined) return;
    cleanups.push(() => database.drop());
    const dataDir = await mkdtemp(path.join(tmpdir(), 'dyi-migrate-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const shown = database.url.replace(/:[^@/]*@/, '@');
    for (let run = 1; run <= 2; run++) {
      const answer = await runDyi([
        'migrate',
        '--data-dir',
        dataDir,
        '--database-url',
        database.url,
      ]);
      expect(answer.stderr).toBe('');
      expect(answer.code).toBe(0);
      expect(answer.stdout).toBe(
        `Schema up to date at 0201_usage_windows (data in PostgreSQL ${shown}, files in ${path.join(dataDir, 'blobs')}).\n`,
      );
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query(
      "INSERT INTO kysely_migration (name, timestamp) VALUES ('0999_from_the_future', now())",
    );
    await client.end();
    const refused = await runDyi(['migrate', '--data-dir', dataDir], {
      DYI_DATABASE_URL: database.url,
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/newer version of dyi-export.*0999_from_the_future/s);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);
});
