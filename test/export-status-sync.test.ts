/**
 * An export's status is worked out without a promise when the store has every read at hand
 * (SQLite's read connection): the counts, and when they are needed the first abort reason and
 * the last job update (a completed export whose expiry the sweep has not fixed yet). The same
 * status comes back, and the same Graph answer, as from a store that answers every read with a
 * promise, for a completed export, a cancelled one with an aborted job, and one still running.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportJob } from '../src/domain/index.js';
import type { MetadataStore } from '../src/ports/metadata-store.js';
import { buildApp } from '../src/server/app.js';
import { ExportService } from '../src/services/export-service.js';
import {
  completeJobWithFiles,
  createExport,
  type GraphFixture,
  jobsOf,
  ManualClock,
  type SeededCommunity,
  seedCommunity,
  startInProcessFixture,
} from './support/graph-fixture.js';
import { withPromisedReads } from './support/promised-store.js';

let fixture: GraphFixture;
let acme: SeededCommunity;
/** The same runtime's metadata, every repository read answered as a promise. */
let promised: MetadataStore;
let promisedApp: FastifyInstance;
const exports: Record<'completed' | 'cancelled' | 'running', ExportJob> = {} as never;

const STATUS_FIELDS =
  'id,is_completed,expires_time,abort_reason,total_number_of_jobs,' +
  'total_number_of_completed_jobs,total_number_of_aborted_jobs,left_out_count';

beforeAll(async () => {
  fixture = await startInProcessFixture({ retentionDays: 7 }, new ManualClock());
  const { runtime } = fixture;
  acme = await seedCommunity(runtime, 'Acme', 2);
  exports.completed = await createExport(runtime, acme.community.id);
  for (const job of await jobsOf(runtime, exports.completed.id)) {
    await completeJobWithFiles(runtime, job, [`job ${job.id}\n`]);
  }
  exports.cancelled = await createExport(runtime, acme.community.id, { name: 'cancelled' });
  const [company] = await jobsOf(runtime, exports.cancelled.id);
  if (!company) throw new Error('the export has no company job');
  await completeJobWithFiles(runtime, company, ['company\n']);
  await runtime.exports.cancel(acme.community.id, exports.cancelled.id);
  exports.running = await createExport(runtime, acme.community.id, { name: 'running' });
  promised = withPromisedReads(runtime.metadata);
  promisedApp = await buildApp({
    ...runtime,
    metadata: promised,
    exports: new ExportService(
      promised,
      runtime.blobs,
      runtime.queue,
      runtime.clock,
      runtime.config,
    ),
  });
});

afterAll(async () => {
  await promisedApp.close();
  await fixture.close();
});

describe('export status with reads at hand and with promises', () => {
  it('answers the same status, without a promise when SQLite has the reads', async () => {
    const { runtime } = fixture;
    const fromPromises = new ExportService(
      promised,
      runtime.blobs,
      runtime.queue,
      runtime.clock,
      runtime.config,
    );
    for (const [name, stored] of Object.entries(exports)) {
      // As the Graph reads it: the stored row, with expires_time still unset by the sweep.
      const exportJob = await runtime.exports.get(acme.community.id, stored.id);
      const status = runtime.exports.status(exportJob);
      expect(status, name).not.toBeInstanceOf(Promise);
      const slow = fromPromises.status(exportJob);
      expect(slow, name).toBeInstanceOf(Promise);
      expect(status, name).toEqual(await slow);
    }
    const completed = runtime.exports.status(exports.completed) as { expiresTime: number | null };
    expect(exports.completed.expiresTime).toBeNull();
    expect(completed.expiresTime).toBe(Math.floor(new ManualClock().now() / 1000) + 7 * 86_400);
    const cancelled = runtime.exports.status(exports.cancelled) as { abortReason: string | null };
    expect(cancelled.abortReason).toBe('CANCELLED_BY_USER');
  });

  it('answers the same bytes on the wire', async () => {
    for (const [name, { id }] of Object.entries(exports)) {
      for (const query of [`fields=${STATUS_FIELDS}`, `fields=${STATUS_FIELDS}&date_format=U`]) {
        const url = `/${id}?${query}&access_token=${acme.readToken}`;
        const direct = await fixture.app.inject(url);
        const slow = await promisedApp.inject(url);
        expect(direct.statusCode, name).toBe(200);
        expect(slow.body, name).toBe(direct.body);
      }
    }
  });
});
