/**
 * @module
 * What the download benches seed through the runtime, as an admin and the engine would: a
 * token that may read exports, an export of a community, and a job run by hand with the bytes
 * the bench chooses as its one part.
 */
import { Readable } from 'node:stream';
import type { DyiFile, DyiJob, ExportJob } from '../../src/domain/index.js';
import { partFileName } from '../../src/export/archive-paths.js';
import type { Runtime } from '../../src/runtime.js';

/** A read token of a new integration, and an export (posts, JSON) of the community. */
export async function tokenAndExport(
  runtime: Runtime,
  communityId: string,
): Promise<{ token: string; exportJob: ExportJob }> {
  const integration = await runtime.access.createIntegration(communityId, { name: 'Bench' });
  const { token } = await runtime.access.createToken(integration.id, ['read_company_data_exports']);
  const exportJob = await runtime.exports.create(communityId, {
    data_types: 'POSTS_YOUR_ACTIVITY',
    dyi_format: 'JSON',
    media_quality: 'HIGH',
    start_time: '2026-01-01T00:00:00Z',
  });
  return { token, exportJob };
}

/** Runs `job` by hand: starts it, stores `body` as its only part, completes it. */
export async function completeWithOnePart(
  runtime: Runtime,
  job: DyiJob,
  body: Iterable<Buffer> | AsyncIterable<Buffer>,
): Promise<DyiFile> {
  await runtime.jobs.start(job.id, 'bench-run');
  const file = await runtime.jobs.storeFile(job, 'bench-run', {
    name: partFileName(job, 1),
    contentType: 'application/zip',
    partNumber: 1,
    body: Readable.from(body),
  });
  await runtime.jobs.complete(job.id, 'bench-run');
  return file;
}
