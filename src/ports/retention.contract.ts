/**
 * @module
 * The part of the MetadataStore contract about retention and who asked, run by
 * `runMetadataStoreContract` on every adapter: an export keeps its creator, reason and
 * retention; its expiry is fixed only once every job ended (its last end plus its retention);
 * a claim takes an export from one of several processes at once, never while a job runs, and
 * marks its files; a claim left by a crashed sweep is taken over after its lease; an admin's
 * new expiry holds only while the export is kept.
 */
import { describe, expect, it } from 'vitest';
import type { DyiJob, ExportCreator, ExportJob, Id } from '../domain/index.js';
import { blobKeyForFile } from './blob-store.js';
import type { MetadataStore, NewExport } from './metadata-store.js';

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const DAY = 86_400;
const LEASE = 900;

const ADMIN: ExportCreator = { type: 'admin', id: '7', name: 'ada@example.com', tokenId: null };

export function describeRetention(store: () => MetadataStore): void {
  describe('retention', () => {
    async function exportOf(
      overrides: Partial<NewExport> = {},
      users = 1,
    ): Promise<{ exportJob: ExportJob; jobs: DyiJob[] }> {
      const s = store();
      const community = await s.communities.create({ name: 'Keep', createTime: T0 });
      const userIds: Id[] = [];
      for (let i = 0; i < users; i++) {
        const member = await s.members.create(community.id, {
          name: `M${i}`,
          email: null,
          status: 'active',
        });
        userIds.push(member.id);
      }
      const exportJob = await s.exports.create(
        {
          communityId: community.id,
          createTime: T0,
          idempotencyKey: null,
          dataTypes: ['POSTS_YOUR_ACTIVITY'],
          dyiFormat: 'JSON',
          mediaQuality: 'MEDIUM',
          startTime: T0 - DAY,
          endTime: T0,
          keepOriginalMedia: false,
          withholdOthersMedia: false,
          retentionDays: 7,
          ...overrides,
        },
        [
          { jobType: 'COMPANY', userId: null, dataTypes: [] },
          ...userIds.map((userId) => ({
            jobType: 'USER' as const,
            userId,
            dataTypes: ['POSTS_YOUR_ACTIVITY' as const],
          })),
        ],
      );
      const ids = await s.jobs.idsOfExport(exportJob.id);
      const jobs: DyiJob[] = [];
      for (const id of ids) {
        const job = await s.jobs.get(id);
        if (job) jobs.push(job);
      }
      return { exportJob, jobs };
    }

    async function complete(job: DyiJob, time: number, files = 1): Promise<Id[]> {
      const s = store();
      const run = `run-${job.id}`;
      expect(
        await s.jobs.transition(job.id, ['PENDING'], {
          state: 'IN_PROGRESS',
          startsRun: run,
          time,
        }),
      ).toBe(true);
      const ids: Id[] = [];
      for (let part = 1; part <= files; part++) {
        const id = await s.files.allocateId(job.communityId);
        await s.files.create(
          id,
          {
            jobId: job.id,
            communityId: job.communityId,
            name: `part-${part}.zip`,
            size: 100 * part,
            sha256: 'cd'.repeat(32),
            contentType: 'application/zip',
            partNumber: part,
            leftOutCount: 0,
            blobKey: blobKeyForFile(job.exportId, job.id, id),
            createTime: time,
          },
          run,
        );
        ids.push(id);
      }
      expect(
        await s.jobs.transition(job.id, ['IN_PROGRESS'], { state: 'COMPLETED', time }, run),
      ).toBe(true);
      return ids;
    }

    async function completeAll(jobs: readonly DyiJob[], time: number): Promise<Id[]> {
      const files: Id[] = [];
      for (const job of jobs) files.push(...(await complete(job, time)));
      return files;
    }

    it("keeps an export's creator, reason and retention, and starts it kept", async () => {
      const integration: ExportCreator = {
        type: 'integration',
        id: '12',
        name: 'Legal exporter',
        tokenId: '13',
      };
      const { exportJob } = await exportOf({ createdBy: integration, reason: 'LEGAL-1' });
      const read = await store().exports.get(exportJob.id);
      for (const found of [exportJob, read]) {
        expect(found?.createdBy).toEqual(integration);
        expect(found?.reason).toBe('LEGAL-1');
        expect(found?.retentionDays).toBe(7);
        expect(found?.expiresTime).toBeNull();
        expect(found?.expiryState).toBeNull();
        expect(found?.expiredTime).toBeNull();
      }
      const { exportJob: plain } = await exportOf({ retentionDays: null });
      const plainRead = await store().exports.get(plain.id);
      expect(plainRead?.createdBy).toBeNull();
      expect(plainRead?.reason).toBeNull();
      expect(plainRead?.retentionDays).toBeNull();
    });

    it('fixes the expiry once every job ended: the last end plus the retention', async () => {
      const s = store();
      const { exportJob, jobs } = await exportOf({}, 2);
      const [company, first, second] = jobs as [DyiJob, DyiJob, DyiJob];
      await complete(company, T0 + 10);
      await complete(first, T0 + 20);
      // The second member's job still runs: no expiry yet, whatever the clock says.
      expect(await s.retention.fixEndedExpiries()).toBe(0);
      expect((await s.exports.get(exportJob.id))?.expiresTime).toBeNull();
      expect(await s.retention.due(T0 + 100 * DAY, LEASE, 10)).toEqual([]);
      expect(
        await s.jobs.transition(second.id, ['PENDING'], {
          state: 'ABORTED',
          abortReason: 'TARGET_NOT_VISIBLE',
          time: T0 + 30,
        }),
      ).toBe(true);
      expect(await s.retention.fixEndedExpiries()).toBe(1);
      expect((await s.exports.get(exportJob.id))?.expiresTime).toBe(T0 + 30 + 7 * DAY);
      expect(await s.retention.fixEndedExpiries()).toBe(0);
      // An export kept until deleted never gets one.
      const { exportJob: forever, jobs: foreverJobs } = await exportOf({ retentionDays: null });
      await completeAll(foreverJobs, T0 + 40);
      expect(await s.retention.fixEndedExpiries()).toBe(0);
      expect((await s.exports.get(forever.id))?.expiresTime).toBeNull();
    });

    it('claims a due export once, marks its files, and finishes it expired', async () => {
      const s = store();
      const { exportJob, jobs } = await exportOf({}, 1);
      const files = await completeAll(jobs, T0 + 10);
      await s.retention.fixEndedExpiries();
      const expires = T0 + 10 + 7 * DAY;
      expect(await s.retention.due(expires - 1, LEASE, 10)).toEqual([]);
      expect(await s.retention.claim(exportJob.id, expires - 1, LEASE)).toBe(false);
      expect(await s.retention.due(expires, LEASE, 10)).toEqual([exportJob.id]);
      expect(await s.retention.claim(exportJob.id, expires, LEASE)).toBe(true);
      const claimed = await s.exports.get(exportJob.id);
      expect(claimed?.expiryState).toBe('expiring');
      expect(claimed?.expiredTime).toBe(expires);
      for (const id of files) expect((await s.files.get(id))?.expiredTime).toBe(expires);
      // File rows stay: the export is listed with its files, marked.
      expect((await s.files.totalsOfExport(exportJob.id)).files).toBe(files.length);
      // Claimed: no other sweep takes it, nor can an admin move its expiry any more.
      expect(await s.retention.claim(exportJob.id, expires + 1, LEASE)).toBe(false);
      expect(await s.retention.due(expires + 1, LEASE, 10)).toEqual([]);
      expect(await s.retention.setExpiresTime(exportJob.id, expires + DAY)).toBe(false);
      expect(await s.retention.finish(exportJob.id)).toBe(true);
      expect(await s.retention.finish(exportJob.id)).toBe(false);
      expect((await s.exports.get(exportJob.id))?.expiryState).toBe('expired');
      expect(await s.retention.due(expires + 10 * LEASE, LEASE, 10)).toEqual([]);
      expect(await s.retention.claim(exportJob.id, expires + 10 * LEASE, LEASE)).toBe(false);
    });

    it('lets another sweep take over a claim once its lease passed (a crashed sweep)', async () => {
      const s = store();
      const { exportJob, jobs } = await exportOf();
      await completeAll(jobs, T0);
      expect(await s.retention.setExpiresTime(exportJob.id, T0 + 100)).toBe(true);
      expect(await s.retention.claim(exportJob.id, T0 + 100, LEASE)).toBe(true);
      expect(await s.retention.due(T0 + 100 + LEASE - 1, LEASE, 10)).toEqual([]);
      expect(await s.retention.due(T0 + 100 + LEASE, LEASE, 10)).toEqual([exportJob.id]);
      expect(await s.retention.claim(exportJob.id, T0 + 100 + LEASE, LEASE)).toBe(true);
      // The takeover renewed the claim; the first time it expired stays.
      expect(await s.retention.claim(exportJob.id, T0 + 101 + LEASE, LEASE)).toBe(false);
      expect((await s.exports.get(exportJob.id))?.expiredTime).toBe(T0 + 100);
    });

    it('never claims an export while one of its jobs is unfinished', async () => {
      const s = store();
      const { exportJob, jobs } = await exportOf({ createdBy: ADMIN }, 1);
      const [company, member] = jobs as [DyiJob, DyiJob];
      await complete(company, T0);
      expect(
        await s.jobs.transition(member.id, ['PENDING'], {
          state: 'IN_PROGRESS',
          startsRun: 'r',
          time: T0,
        }),
      ).toBe(true);
      // An admin set an expiry that passed while the member's job still runs.
      expect(await s.retention.setExpiresTime(exportJob.id, T0 + 5)).toBe(true);
      expect(await s.retention.due(T0 + DAY, LEASE, 10)).toEqual([]);
      expect(await s.retention.claim(exportJob.id, T0 + DAY, LEASE)).toBe(false);
      expect(
        await s.jobs.transition(member.id, ['IN_PROGRESS'], { state: 'COMPLETED', time: T0 }, 'r'),
      ).toBe(true);
      expect(await s.retention.claim(exportJob.id, T0 + DAY, LEASE)).toBe(true);
    });

    it('gives a claim to one of several made at once', async () => {
      const s = store();
      const { exportJob, jobs } = await exportOf({}, 3);
      await completeAll(jobs, T0);
      await s.retention.fixEndedExpiries();
      const now = T0 + 8 * DAY;
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => s.retention.claim(exportJob.id, now, LEASE)),
      );
      expect(answers.filter(Boolean)).toHaveLength(1);
    });

    it('moves an expiry only while the export is kept, and not for unknown ids', async () => {
      const s = store();
      const { exportJob } = await exportOf();
      expect(await s.retention.setExpiresTime(exportJob.id, T0 + 3 * DAY)).toBe(true);
      expect((await s.exports.get(exportJob.id))?.expiresTime).toBe(T0 + 3 * DAY);
      expect(await s.retention.setExpiresTime('9999999999999999', T0)).toBe(false);
      expect(await s.retention.setExpiresTime('abc', T0)).toBe(false);
      expect(await s.retention.claim('abc', T0, LEASE)).toBe(false);
      expect(await s.retention.finish('abc')).toBe(false);
    });
  });
}
