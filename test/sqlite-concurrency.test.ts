/**
 * Writers on several threads (export workers, the API) share one SQLite file: they wait for
 * each other instead of failing with SQLITE_BUSY. Before BEGIN IMMEDIATE, a transaction that
 * read first and wrote second failed at once whenever another thread committed in between.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SqliteMetadataStore } from '../src/adapters/sqlite/sqlite-metadata-store.js';
import type { WriterThreadData } from './support/sqlite-writer-thread.js';

const THREADS = 4;
const ROUNDS = 100;
const THREAD_URL = new URL('./support/sqlite-writer-thread.ts', import.meta.url);

let dir: string;
let store: SqliteMetadataStore;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dyi-busy-'));
  store = new SqliteMetadataStore({ filename: path.join(dir, 'dyi.sqlite') });
  await store.init();
});

afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function runThread(data: WriterThreadData): Promise<string[]> {
  const worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(THREAD_URL.href)}); })`,
    { eval: true, workerData: data },
  );
  return new Promise((resolve, reject) => {
    worker.once('message', (errors: string[]) => resolve(errors));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`writer thread exited with ${code}`));
    });
  });
}

it(`${THREADS} threads writing at once all succeed, waiting for each other`, async () => {
  const community = await store.communities.create({ name: 'Busy', createTime: 1 });
  const filename = path.join(dir, 'dyi.sqlite');
  const results = await Promise.all(
    Array.from({ length: THREADS }, () =>
      runThread({ filename, communityId: community.id, rounds: ROUNDS }),
    ),
  );
  const errors = results.flat();
  console.log(`${THREADS} threads x ${ROUNDS} rounds: ${errors.length} failed writes`);
  expect(errors).toEqual([]);
  // Every round's export is there, each with its one job cancelled.
  expect(await store.exports.count(community.id)).toBe(THREADS * ROUNDS);
}, 120_000);
