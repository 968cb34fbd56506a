/**
 * @module
 * The worker's accounting of runs on real stores: a run lost with its worker (a `kill -9`,
 * simulated by a lease left to run out) uses up none of the job's attempts, so the next run
 * completes the job; a job whose runs are lost again and again ends FAILED instead of taking
 * down worker after worker forever.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  createExport,
  type GraphFixture,
  jobsOf,
  ManualClock,
  seedCommunity,
  startGraphFixture,
} from '../../test/support/graph-fixture.js';
import { waitFor } from '../../test/support/export-scenarios.js';
import { ExportWorker, MAX_LOST_RUNS, type WorkerEvent } from './export-worker.js';

let fixture: GraphFixture;
let clock: ManualClock;

beforeEach(async () => {
  clock = new ManualClock(Date.now());
  fixture = await startGraphFixture({}, clock);
});

afterEach(async () => {
  await fixture.close();
});

/** Claims the job's task as a worker that then dies, `times` times over. */
async function loseRuns(times: number): Promise<void> {
  const { jobLeaseMs } = fixture.runtime.config;
  for (let i = 0; i < times; i++) {
    expect(await fixture.runtime.queue.claim(`killed-${i}`, jobLeaseMs)).toBeDefined();
    clock.advance(jobLeaseMs);
  }
}

async function runWorkerUntil(jobId: string): Promise<WorkerEvent[]> {
  const events: WorkerEvent[] = [];
  const worker = new ExportWorker(fixture.runtime, 0, (event) => events.push(event));
  const running = worker.run();
  try {
    await waitFor(
      `job ${jobId} to end`,
      () => Promise.resolve(events.some((e) => e.type === 'job' && e.jobId === jobId) || undefined),
      { timeoutMs: 20_000 },
    );
  } finally {
    worker.stop();
    await running;
  }
  return events;
}

it('completes a job after runs lost to kills, using none of its attempts', async () => {
  const acme = await seedCommunity(fixture.runtime, 'Acme', 0);
  const made = await createExport(fixture.runtime, acme.community.id);
  const [job] = await jobsOf(fixture.runtime, made.id);
  if (!job) throw new Error('no company job');
  await loseRuns(fixture.runtime.config.jobAttempts + 1);
  const task = await fixture.runtime.queue.claim('probe', 1);
  expect(task).toMatchObject({ jobId: job.id, attempt: 1 });
  clock.advance(1);
  await runWorkerUntil(job.id);
  expect((await fixture.runtime.jobs.get(acme.community.id, job.id)).state).toBe('COMPLETED');
});

it(`ends FAILED a job whose runs were lost ${MAX_LOST_RUNS} times`, async () => {
  const acme = await seedCommunity(fixture.runtime, 'Acme', 0);
  const made = await createExport(fixture.runtime, acme.community.id);
  const [job] = await jobsOf(fixture.runtime, made.id);
  if (!job) throw new Error('no company job');
  await loseRuns(MAX_LOST_RUNS);
  await runWorkerUntil(job.id);
  const ended = await fixture.runtime.jobs.get(acme.community.id, job.id);
  expect(ended.state).toBe('FAILED');
  expect(ended.stateMessage).toMatch(new RegExp(`^The job's run was lost ${MAX_LOST_RUNS} times`));
  expect(await fixture.runtime.queue.stats()).toEqual({ queued: 0, running: 0, done: 1 });
});
