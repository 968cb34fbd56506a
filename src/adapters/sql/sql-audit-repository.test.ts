/**
 * The audit trail's contract (`ports/audit-store.contract.ts`) on SQLite (two stores on one
 * file) and on PostgreSQL (two pools on one database), and on SQLite two Node processes
 * appending to one file at once.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresOrSkip, type TestDatabase } from '../../../test/support/postgres.js';
import { findAuditBreak } from '../../domain/index.js';
import type { MetadataStore } from '../../ports/metadata-store.js';
import { runAuditContract } from '../../ports/audit-store.contract.js';
import { PostgresMetadataStore } from '../postgres/postgres-metadata-store.js';
import { SqliteMetadataStore } from '../sqlite/sqlite-metadata-store.js';

const opened: MetadataStore[] = [];
const dirs: string[] = [];
const databases: TestDatabase[] = [];

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  for (const database of databases) await database.drop();
});

async function keep<T extends MetadataStore>(store: T): Promise<T> {
  await store.init();
  opened.push(store);
  return store;
}

async function sqliteFile(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dyi-audit-'));
  dirs.push(dir);
  return path.join(dir, 'metadata.db');
}

runAuditContract('SqliteMetadataStore', {
  // better-sqlite3 blocks its thread while it waits for the file's lock, so a second store in
  // the process holding the lock waits for a transaction that cannot go on; processes are
  // tested below instead.
  twoStoresBlock: true,
  async open() {
    const filename = await sqliteFile();
    const store = await keep(new SqliteMetadataStore({ filename }));
    return { store, again: () => keep(new SqliteMetadataStore({ filename })) };
  },
});

runAuditContract('PostgresMetadataStore', {
  async open(ctx) {
    const database = await postgresOrSkip(ctx);
    if (!database) throw new Error('unreachable: skipped');
    databases.push(database);
    const store = await keep(new PostgresMetadataStore({ url: database.url, maxConnections: 4 }));
    return {
      store,
      again: () => keep(new PostgresMetadataStore({ url: database.url, maxConnections: 4 })),
    };
  },
});

describe('SqliteMetadataStore audit trail across processes', () => {
  it('keeps one linear chain when two processes append to one file at once', async () => {
    const filename = await sqliteFile();
    const store = await keep(new SqliteMetadataStore({ filename })); // migrated first
    await Promise.all([0, 1].map((n) => appendInOtherProcess(filename, n, 40)));
    const records = await store.audit.scan(0, 1000);
    expect(records).toHaveLength(80);
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(findAuditBreak(records, undefined)).toBeUndefined();
    // Both processes' records are there, interleaved or not.
    expect(new Set(records.map((r) => r.userAgent))).toEqual(new Set(['process 0', 'process 1']));
  }, 60_000);
});

/** Opens the store in a new Node process and appends `count` records, several at once. */
function appendInOtherProcess(filename: string, n: number, count: number): Promise<void> {
  const storeModule = pathToFileURL(
    path.join(import.meta.dirname, '../sqlite/sqlite-metadata-store.ts'),
  );
  const script = `
    const { SqliteMetadataStore } = await import(${JSON.stringify(storeModule.href)});
    const store = new SqliteMetadataStore({ filename: ${JSON.stringify(filename)} });
    await store.init();
    await Promise.all(Array.from({ length: ${count} }, (_, i) => store.audit.append({
      time: 1000 + i, act: 'file.download', actor: { type: 'signed_url' },
      client: { address: '192.0.2.${n}', userAgent: 'process ${n}' },
      communityId: '1', objectType: 'dyi_file', objectId: String(i),
    })));
    await store.close();`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      (error, _stdout, stderr) => (error ? reject(new Error(stderr, { cause: error })) : resolve()),
    );
  });
}
