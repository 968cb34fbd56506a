/**
 * @module
 * The body of one thread of `test/sqlite-concurrency.test.ts`: opens its own metadata store on
 * the shared file, as an export worker thread does, and runs `rounds` write transactions of
 * the shapes the engine uses (read then write, as a job run's clean-up does; a multi-row
 * insert, as creating an export does; single-row updates), then posts the codes of the errors
 * it met.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteMetadataStore } from '../../src/adapters/sqlite/sqlite-metadata-store.js';

export interface WriterThreadData {
  readonly filename: string;
  readonly communityId: string;
  readonly rounds: number;
}

const data = workerData as WriterThreadData;
const store = new SqliteMetadataStore({ filename: data.filename });
await store.init();
const errors: string[] = [];
for (let round = 0; round < data.rounds; round++) {
  try {
    const created = await store.exports.create(
      {
        communityId: data.communityId,
        createTime: 1,
        dataTypes: ['POSTS_YOUR_ACTIVITY'],
        dyiFormat: 'JSON',
        mediaQuality: 'HIGH',
        keepOriginalMedia: false,
        withholdOthersMedia: false,
        startTime: 0,
        endTime: 1,
        idempotencyKey: null,
      },
      [{ jobType: 'COMPANY', userId: null, dataTypes: [] }],
    );
    const job = await store.jobs.companyJob(created.id);
    await store.files.deleteByJob(job.id);
    await store.jobs.setProgress(job.id, 0.5, 2);
    await store.exports.cancel(created.id, 3);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    errors.push(`${(error as Error).name} ${cause?.code ?? ''} ${(error as Error).message}`);
  }
}
await store.close();
parentPort?.postMessage(errors);
