/**
 * @module
 * Runs the JobQueue contract on pg-boss in a fresh PostgreSQL database whose clock the suite
 * steps: pg-boss and our statements read the database's `now()`, so that database gets a
 * `now()` of its own (schema `stepped_clock`, ahead of `pg_catalog` in its search_path) that
 * stands still until the fixture advances it. A second fresh database keeps the real clock,
 * for what only real time shows: four claimers in two queue instances (two processes) never
 * get the same task, a worker that stops renewing (or whose process is killed) loses its task
 * once the lease has run out and not before, a lease expired by pg-boss's own maintenance still counts as lost, and a
 * failed maintenance run reaches `onError` instead of ending the process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../domain/index.js';
import type { ClaimedTask, JobQueue } from '../../ports/job-queue.js';
import { runJobQueueContract } from '../../ports/job-queue.contract.js';
import { postgresOrSkip, type TestDatabase } from '../../../test/support/postgres.js';
import { PgBossJobQueue } from './pg-boss-job-queue.js';
import { taskUuid } from './task-uuid.js';

let databases: { stepped: TestDatabase; real: TestDatabase } | undefined;
let queues = 0;

beforeEach(async (ctx) => {
  if (databases) return;
  const stepped = await postgresOrSkip(ctx);
  const real = stepped && (await postgresOrSkip(ctx));
  if (!stepped || !real) return;
  await withClient(stepped.url, (client) =>
    client.query(`
      CREATE SCHEMA stepped_clock;
      CREATE TABLE stepped_clock.state (ms bigint NOT NULL);
      INSERT INTO stepped_clock.state VALUES (0);
      CREATE FUNCTION stepped_clock.now() RETURNS timestamptz LANGUAGE sql STABLE AS
        $$ SELECT timestamptz '2026-01-01 00:00:00+00' + ms * interval '1 millisecond'
             FROM stepped_clock.state $$;
      ALTER DATABASE ${stepped.name} SET search_path = stepped_clock, pg_catalog, public;`),
  );
  databases = { stepped, real };
});

afterAll(async () => {
  await databases?.stepped.drop();
  await databases?.real.drop();
});

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs pg-boss's own expiry of leases that ran out (what its maintenance does). */
async function expireWithPgBoss(url: string): Promise<void> {
  const boss = new PgBoss({ connectionString: url, schedule: false, supervise: false });
  boss.on('error', () => undefined);
  await boss.start();
  try {
    await boss.expire();
  } finally {
    await boss.stop({ graceful: false });
  }
}

/** A started queue of its own (a queue name no other test uses) in `database`. */
async function openQueue(database: TestDatabase, queueName: string): Promise<PgBossJobQueue> {
  const queue = new PgBossJobQueue({
    url: database.url,
    queueName,
    // Maintenance stays out of the way; the test that needs it runs it itself.
    maintenanceIntervalSeconds: 3600,
  });
  await queue.init();
  return queue;
}

function newQueueName(): string {
  queues += 1;
  return `test-queue-${queues}`;
}

runJobQueueContract('PgBossJobQueue on a database with a stepped clock', async () => {
  if (!databases) throw new Error('no database');
  const { stepped } = databases;
  const queue = await openQueue(stepped, newQueueName());
  return {
    queue,
    advance: (ms) =>
      withClient(stepped.url, (client) =>
        client.query('UPDATE stepped_clock.state SET ms = ms + $1', [ms]),
      ).then(() => undefined),
    cleanup: () => queue.close(),
  };
});

describe('PgBossJobQueue on the real clock', () => {
  const opened: JobQueue[] = [];
  const open = async (queueName: string) => {
    if (!databases) throw new Error('no database');
    const queue = await openQueue(databases.real, queueName);
    opened.push(queue);
    return queue;
  };

  afterAll(async () => {
    for (const queue of opened) await queue.close();
  });

  it('gives each of 200 tasks to exactly one of four claimers in two processes', async () => {
    const name = newQueueName();
    // Both start at once, as processes do: pg-boss and our indexes must cope.
    const [first, second] = await Promise.all([open(name), open(name)]);
    const ids = Array.from({ length: 200 }, (_, i) => String(100_000_000_000_000 + i));
    await first.enqueue(ids);
    const claimer = async (queue: JobQueue, worker: string) => {
      const taken: string[] = [];
      for (let task = await queue.claim(worker, 60_000); task;) {
        taken.push(task.jobId);
        task = await queue.claim(worker, 60_000);
      }
      return taken;
    };
    const taken = await Promise.all([
      claimer(first, 'a1'),
      claimer(first, 'a2'),
      claimer(second, 'b1'),
      claimer(second, 'b2'),
    ]);
    expect(taken.flat().sort()).toEqual(ids);
    expect(await second.stats()).toEqual({ queued: 0, running: 200, done: 0 });
  });

  it('keeps a renewed task, and gives it to another worker once renewals stop and the lease ends', async () => {
    const name = newQueueName();
    const [mine, other] = [await open(name), await open(name)];
    // Long enough that a loaded machine (CI shares two cores with other runs) never delays a
    // renewal past it; renewals come every sixth of it.
    const lease = 1500;
    await mine.enqueue(['7001']);
    expect(await mine.claim('a', lease)).toEqual({
      jobId: '7001',
      attempt: 1,
      lostRuns: 0,
      claim: 1,
    });
    // For two leases, `a` renews every sixth of one; `b` never gets the task meanwhile.
    const started = Date.now();
    let lastRenewal = started;
    while (Date.now() - started < 2 * lease) {
      await sleep(50);
      expect(await other.claim('b', lease)).toBeUndefined();
      if (Date.now() - lastRenewal >= lease / 6) {
        // The lease runs from when the database ran the renewal: after this, before the answer.
        const renewing = Date.now();
        expect(await mine.renew('7001', 'a', lease)).toBe(true);
        lastRenewal = renewing;
      }
    }
    // Worker `a` stops renewing (its process died).
    const stopped = lastRenewal;
    let task: ClaimedTask | undefined;
    while (!task && Date.now() - stopped < lease + 2000) {
      task = await other.claim('b', lease);
      if (!task) await sleep(25);
    }
    const waited = Date.now() - stopped;
    expect(task).toEqual({ jobId: '7001', attempt: 1, lostRuns: 1, claim: 2 });
    expect(waited).toBeGreaterThanOrEqual(lease - 50);
    expect(waited).toBeLessThan(lease + 1500);
    expect(await mine.renew('7001', 'a', lease)).toBe(false);
  });

  it('gives the task of a worker process killed with SIGKILL to another after its lease', async () => {
    if (!databases) throw new Error('no database');
    const name = newQueueName();
    const queue = await open(name);
    await queue.enqueue(['7501']);
    const lease = 600;
    // A worker process: claims, renews every 150 ms, says so on stdout, never finishes.
    const script = `
      const { PgBossJobQueue } = await import(${JSON.stringify(new URL('./pg-boss-job-queue.ts', import.meta.url).href)});
      const queue = new PgBossJobQueue({ url: process.env.URL, queueName: process.env.QUEUE });
      await queue.init();
      const task = await queue.claim('doomed', ${lease});
      process.stdout.write(JSON.stringify(task) + '\\n');
      setInterval(() => void queue.renew('7501', 'doomed', ${lease}), 150);`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        env: { ...process.env, URL: databases.real.url, QUEUE: name },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      expect(JSON.parse(line.toString())).toEqual({
        jobId: '7501',
        attempt: 1,
        lostRuns: 0,
        claim: 1,
      });
      await sleep(lease * 1.5);
      expect(await queue.claim('b', lease)).toBeUndefined();
    } finally {
      child.kill('SIGKILL');
    }
    await once(child, 'exit');
    const killed = Date.now();
    let task: ClaimedTask | undefined;
    while (!task && Date.now() - killed < lease + 2000) {
      task = await queue.claim('b', lease);
      if (!task) await sleep(25);
    }
    expect(task).toEqual({ jobId: '7501', attempt: 1, lostRuns: 1, claim: 2 });
    expect(Date.now() - killed).toBeLessThan(lease + 500);
  });

  it("counts a lease that pg-boss's own maintenance expired as a lost run, and keeps the last error where pg-boss shows it", async () => {
    if (!databases) throw new Error('no database');
    const name = newQueueName();
    const queue = await open(name);
    await queue.enqueue(['8001']);
    const boss = new PgBoss({ connectionString: databases.real.url, schedule: false });
    boss.on('error', () => undefined);
    await boss.start();
    try {
      await queue.claim('a', 60_000);
      await queue.retry('8001', 'a', 0, 'disk full');
      expect((await boss.getJobById(name, taskUuid('8001')))?.output).toEqual({
        error: 'disk full',
      });
      await queue.claim('b', 100);
      await sleep(150);
      await boss.expire();
      expect((await boss.getJobById(name, taskUuid('8001')))?.state).toBe('retry');
    } finally {
      await boss.stop({ graceful: false });
    }
    await sleep(5);
    expect(await queue.claim('c', 60_000)).toEqual({
      jobId: '8001',
      attempt: 2,
      lostRuns: 1,
      claim: 3,
    });
  });

  it("lets a worker renew a lease pg-boss's maintenance expired while nobody has taken it", async () => {
    if (!databases) throw new Error('no database');
    const name = newQueueName();
    const queue = await open(name);
    await queue.enqueue(['8101']);
    await queue.claim('a', 100);
    await sleep(150);
    await expireWithPgBoss(databases.real.url);
    // Still running, as far as anyone can tell: nobody has taken it.
    expect(await queue.stats()).toEqual({ queued: 0, running: 1, done: 0 });
    expect(await queue.renew('8101', 'a', 60_000)).toBe(true);
    expect(await queue.claim('b', 60_000)).toBeUndefined();
    expect(await queue.stats()).toEqual({ queued: 0, running: 1, done: 0 });
  });

  it("hands pg-boss's failed maintenance to onError, and goes on", async () => {
    if (!databases) throw new Error('no database');
    const { url } = databases.real;
    const errors: unknown[] = [];
    const queue = new PgBossJobQueue({
      url,
      queueName: newQueueName(),
      maintenanceIntervalSeconds: 1,
      onError: (error) => errors.push(error),
    });
    await queue.init();
    opened.push(queue);
    // Archiving, the second step of maintenance, cannot find its table for a while.
    await withClient(url, (client) => client.query('ALTER TABLE pgboss.archive RENAME TO away'));
    try {
      for (let waited = 0; errors.length === 0 && waited < 4000; waited += 100) await sleep(100);
    } finally {
      await withClient(url, (client) => client.query('ALTER TABLE pgboss.away RENAME TO archive'));
    }
    expect(String(errors[0])).toMatch(/archive/);
    await queue.enqueue(['9001']);
    expect(await queue.claim('a', 60_000)).toEqual({
      jobId: '9001',
      attempt: 1,
      lostRuns: 0,
      claim: 1,
    });
  });

  it('turns a server that does not answer into a TransientError', async () => {
    const queue = new PgBossJobQueue({ url: 'postgres://postgres@127.0.0.1:1/none' });
    await expect(queue.init()).rejects.toBeInstanceOf(TransientError);
  });
});
