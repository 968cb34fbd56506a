/**
 * @module
 * The data and requests the Graph benches share (`graph-vs-bare`, `graph-allocation`,
 * `graph-postgres-vs-sqlite`): one community, one export of USER_JOBS user jobs, every job (the
 * company job too) completed with FILES_PER_JOB small files, seeded through the services as
 * `test/support/graph-fixture.ts` does; and the two requests measured.
 */
import { type ConfigOverrides, loadConfig } from '../../src/config.js';
import { openRuntime } from '../../src/runtime.js';
import {
  completeJobWithFiles,
  createExport,
  jobsOf,
  seedCommunity,
} from '../../test/support/graph-fixture.js';

export const USER_JOBS = 50;
export const FILES_PER_JOB = 3;
/** The fields of the export-node request: scalars, a list and a nested node. */
export const EXPORT_FIELDS =
  'id,is_completed,create_time,data_types,dyi_format,media_quality,start_time,end_time,' +
  'total_number_of_completed_jobs,company_job{id,job_state}';
/** Benches run with no rate limit, so the load is never answered with code 4 or 613. */
export const LIMITS_OFF = { rateLimitCalls: 0, communityRateLimitCalls: 0 } as const;

export interface GraphBenchData {
  readonly token: string;
  readonly exportId: string;
  /** A user job, whose files edge is the second request. */
  readonly jobId: string;
}

/** Seeds the data into the runtime that `overrides` (and `dataDir`) open, then closes it. */
export async function seedGraphBenchData(
  dataDir: string,
  overrides: ConfigOverrides = {},
): Promise<GraphBenchData> {
  const runtime = await openRuntime(
    loadConfig({}, { dataDir, logLevel: 'silent', ...LIMITS_OFF, ...overrides }),
  );
  try {
    const community = await seedCommunity(runtime, 'Bench', USER_JOBS);
    const exportJob = await createExport(runtime, community.community.id);
    const jobs = await jobsOf(runtime, exportJob.id);
    if (jobs.length !== USER_JOBS + 1) {
      throw new Error(`expected ${USER_JOBS + 1} jobs, got ${jobs.length}`);
    }
    for (const job of jobs) {
      const parts = Array.from({ length: FILES_PER_JOB }, (_, i) =>
        `job ${job.id} part ${i + 1}\n`.repeat(64),
      );
      await completeJobWithFiles(runtime, job, parts);
    }
    const firstUserJob = jobs[1];
    if (!firstUserJob) throw new Error('the export has no user job');
    return { token: community.readToken, exportId: exportJob.id, jobId: firstUserJob.id };
  } finally {
    await runtime.close();
  }
}
