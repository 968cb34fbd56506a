/**
 * @module
 * The part of the MetadataStore contract about webhooks (`WebhookSubscriptionRepository`,
 * `WebhookDeliveryRepository`), run by `runMetadataStoreContract` on every adapter: one
 * subscription per integration and object; the store records an event in the transaction that
 * ends an export (by its last job or by a cancel) and, when wanted, a job; an event becomes one
 * delivery per subscription however often it is fanned out; a delivery is taken by one owner
 * at a time, again once its lease lapses, and a late result of an owner that lost it is refused.
 */
import { describe, expect, it } from 'vitest';
import type { DyiJob, Id, Integration, WebhookField } from '../domain/index.js';
import type { MetadataStore } from './metadata-store.js';

const T0 = 1_767_225_600;
const MS = T0 * 1000;
const DAY_MS = 86_400_000;

export function describeWebhooks(store: () => MetadataStore): void {
  describe('webhooks', () => {
    async function integration(name = 'Acme'): Promise<Integration> {
      const community = await store().communities.create({ name, createTime: T0 });
      return store().integrations.create({
        communityId: community.id,
        name: 'receiver',
        appSecret: 'secret',
        requireAppsecretProof: false,
        createTime: T0,
      });
    }

    function subscribe(
      owner: Integration,
      fields: readonly WebhookField[] = ['is_completed'],
      active = true,
    ) {
      return store().webhookSubscriptions.put({
        integrationId: owner.id,
        communityId: owner.communityId,
        object: 'work_dyi_job',
        callbackUrl: 'https://receiver.example/hook',
        fields,
        verifyToken: 'verify me',
        active,
        timeMs: MS,
      });
    }

    async function exportOfTwoJobs(communityId: Id): Promise<DyiJob[]> {
      const member = await store().members.create(communityId, {
        name: 'Ada',
        email: null,
        status: 'active',
      });
      const created = await store().exports.create(
        {
          communityId,
          createTime: T0,
          idempotencyKey: null,
          dataTypes: ['POSTS_YOUR_ACTIVITY'],
          dyiFormat: 'JSON',
          mediaQuality: 'MEDIUM',
          startTime: T0 - 86_400,
          endTime: T0,
          keepOriginalMedia: false,
          withholdOthersMedia: false,
        },
        [
          { jobType: 'COMPANY', userId: null, dataTypes: [] },
          { jobType: 'USER', userId: member.id, dataTypes: ['POSTS_YOUR_ACTIVITY'] },
        ],
      );
      const ids = await store().jobs.idsOfExport(created.id);
      return Promise.all(ids.map(async (id) => (await store().jobs.get(id)) as DyiJob));
    }

    async function end(job: DyiJob, time: number): Promise<void> {
      expect(await store().jobs.transition(job.id, ['PENDING'], { state: 'COMPLETED', time })).toBe(
        true,
      );
    }

    it('keeps one subscription per integration and object, replaced by a new one', async () => {
      const owner = await integration();
      await subscribe(owner, ['is_completed'], false);
      const replaced = await subscribe(owner, ['is_completed', 'job_state']);
      const listed = await store().webhookSubscriptions.list(owner.id);
      expect(listed).toEqual([replaced]);
      expect(replaced).toMatchObject({
        object: 'work_dyi_job',
        fields: ['is_completed', 'job_state'],
        active: true,
        verifyToken: 'verify me',
      });
      expect(await store().webhookSubscriptions.list('abc')).toEqual([]);
      expect(await store().webhookSubscriptions.delete(owner.id, 'work_dyi_job')).toBe(1);
      expect(await store().webhookSubscriptions.delete(owner.id)).toBe(0);
      expect(await store().webhookSubscriptions.list(owner.id)).toEqual([]);
    });

    it('finds the active subscriptions of a community that want a field', async () => {
      const owner = await integration();
      const inactive = await store().integrations.create({ ...owner, name: 'inactive' });
      const jobs = await store().integrations.create({ ...owner, name: 'jobs' });
      const elsewhere = await integration('Elsewhere');
      await subscribe(owner);
      await subscribe(inactive, ['is_completed'], false);
      await subscribe(jobs, ['job_state']);
      await subscribe(elsewhere);
      const wantEnds = await store().webhookSubscriptions.listFor(
        owner.communityId,
        'work_dyi_job',
        'is_completed',
      );
      expect(wantEnds.map((s) => s.integrationId)).toEqual([owner.id]);
      const wantJobs = await store().webhookSubscriptions.listFor(
        owner.communityId,
        'work_dyi_job',
        'job_state',
      );
      expect(wantJobs.map((s) => s.integrationId)).toEqual([jobs.id]);
    });

    it('deletes an integration with its subscriptions and their deliveries', async () => {
      const owner = await integration();
      const subscription = await subscribe(owner);
      await store().webhookDeliveries.fanOut(
        '0',
        [{ subscription, eventKey: 'k', body: '{}' }],
        MS,
        DAY_MS,
      );
      expect(await store().integrations.delete(owner.id)).toBe(0);
      expect(await store().webhookSubscriptions.list(owner.id)).toEqual([]);
      expect(await store().webhookDeliveries.list({}, 10)).toEqual([]);
    });

    it('records one event when an export ends, and none without a subscription', async () => {
      const owner = await integration();
      const [unwatchedCompany, unwatchedUser] = await exportOfTwoJobs(owner.communityId);
      await end(unwatchedCompany as DyiJob, T0 + 5);
      await end(unwatchedUser as DyiJob, T0 + 6);
      expect(await store().webhookDeliveries.pendingEvents(10)).toEqual([]);

      await subscribe(owner);
      const [company, user] = (await exportOfTwoJobs(owner.communityId)) as [DyiJob, DyiJob];
      await end(company, T0 + 7);
      expect(await store().webhookDeliveries.pendingEvents(10)).toEqual([]);
      await end(user, T0 + 9);
      const events = await store().webhookDeliveries.pendingEvents(10);
      expect(events).toMatchObject([
        { communityId: owner.communityId, exportId: company.exportId, jobId: null },
      ]);
      expect(events[0]).toMatchObject({ field: 'is_completed', time: T0 + 9 });
    });

    it('records the end of an export that a cancel ends, and each job end when wanted', async () => {
      const owner = await integration();
      await subscribe(owner, ['is_completed', 'job_state']);
      const [company, user] = (await exportOfTwoJobs(owner.communityId)) as [DyiJob, DyiJob];
      await end(company, T0 + 1);
      expect(await store().exports.cancel(company.exportId, T0 + 2)).toEqual([user.id]);
      const events = await store().webhookDeliveries.pendingEvents(10);
      expect(events.map((e) => [e.field, e.jobId]).sort()).toEqual(
        [
          ['is_completed', null],
          ['job_state', company.id],
          ['job_state', user.id],
        ].sort(),
      );
    });

    it('turns an event into one delivery per subscription, however often it is fanned out', async () => {
      const owner = await integration();
      const subscription = await subscribe(owner);
      const [company, user] = (await exportOfTwoJobs(owner.communityId)) as [DyiJob, DyiJob];
      await end(company, T0);
      await end(user, T0);
      const [event] = await store().webhookDeliveries.pendingEvents(10);
      if (!event) throw new Error('expected an event');
      const delivery = {
        subscription,
        eventKey: `is_completed:${event.exportId}`,
        body: '{"a":1}',
      };
      await store().webhookDeliveries.fanOut(event.id, [delivery], MS, DAY_MS);
      await store().webhookDeliveries.fanOut(
        event.id,
        [{ ...delivery, body: '{"a":2}' }],
        MS,
        DAY_MS,
      );
      expect(await store().webhookDeliveries.pendingEvents(10)).toEqual([]);
      const listed = await store().webhookDeliveries.list({ integrationId: owner.id }, 10);
      expect(listed).toMatchObject([
        {
          body: '{"a":1}',
          state: 'pending',
          attempts: 0,
          callbackUrl: 'https://receiver.example/hook',
          nextAttemptMs: MS,
          giveUpAfterMs: MS + DAY_MS,
          lastStatus: null,
        },
      ]);
    });

    it('lets one owner at a time take a due delivery, and again once its lease lapsed', async () => {
      const owner = await integration();
      const subscription = await subscribe(owner);
      const deliveries = ['a', 'b', 'c'].map((key) => ({ subscription, eventKey: key, body: key }));
      await store().webhookDeliveries.fanOut('0', deliveries, MS, DAY_MS);
      expect(await store().webhookDeliveries.claim('early', MS - 1, MS + 1000, 10)).toEqual([]);
      const [first, second] = await Promise.all([
        store().webhookDeliveries.claim('one', MS, MS + 1000, 2),
        store().webhookDeliveries.claim('two', MS, MS + 1000, 2),
      ]);
      const taken = [...(first ?? []), ...(second ?? [])].map((d) => d.body).sort();
      expect(taken).toEqual(['a', 'b', 'c']);
      expect(await store().webhookDeliveries.claim('three', MS + 999, MS + 2000, 10)).toEqual([]);

      // 'one' died: its deliveries are due again when the lease lapses, with the attempt counted.
      const retaken = await store().webhookDeliveries.claim('three', MS + 1000, MS + 5000, 10);
      expect(retaken.map((d) => d.attempts)).toEqual(retaken.map(() => 2));
      const late = retaken[0] as (typeof retaken)[number];
      const refused = await store().webhookDeliveries.finish(late.id, 'one', {
        timeMs: MS + 1001,
        status: 200,
        latencyMs: 5,
        error: null,
        delivered: true,
        nextAttemptMs: null,
      });
      expect(refused).toBe(false);
      expect(
        await store().webhookDeliveries.finish(late.id, 'three', {
          timeMs: MS + 1002,
          status: 500,
          latencyMs: 7,
          error: 'HTTP 500',
          delivered: false,
          nextAttemptMs: MS + 3000,
        }),
      ).toBe(true);
      expect(await store().webhookDeliveries.get(late.id)).toMatchObject({
        state: 'pending',
        attempts: 2,
        lastStatus: 500,
        lastLatencyMs: 7,
        lastError: 'HTTP 500',
        lastAttemptMs: MS + 1002,
        nextAttemptMs: MS + 3000,
      });
    });

    it('ends a delivery delivered or failed, and redelivers it on demand', async () => {
      const owner = await integration();
      const subscription = await subscribe(owner);
      await store().webhookDeliveries.fanOut(
        '0',
        [
          { subscription, eventKey: 'ok', body: 'ok' },
          { subscription, eventKey: 'bad', body: 'bad' },
        ],
        MS,
        DAY_MS,
      );
      const taken = await store().webhookDeliveries.claim('w', MS, MS + 1000, 10);
      for (const delivery of taken) {
        const delivered = delivery.body === 'ok';
        await store().webhookDeliveries.finish(delivery.id, 'w', {
          timeMs: MS + 10,
          status: delivered ? 204 : null,
          latencyMs: 10,
          error: delivered ? null : 'connection refused',
          delivered,
          nextAttemptMs: null,
        });
      }
      const [bad, ok] = await store().webhookDeliveries.list({}, 10);
      expect(ok).toMatchObject({ state: 'delivered', deliveredTimeMs: MS + 10, lastStatus: 204 });
      expect(bad).toMatchObject({ state: 'failed', lastError: 'connection refused' });
      expect(await store().webhookDeliveries.list({ state: 'failed' }, 10)).toEqual([bad]);
      expect(await store().webhookDeliveries.claim('w', MS + 99_999, MS + 100_000, 10)).toEqual([]);

      expect(await store().webhookDeliveries.redeliver(bad?.id ?? '', MS + 20, MS + DAY_MS)).toBe(
        true,
      );
      expect(await store().webhookDeliveries.redeliver('abc', MS + 20, MS + DAY_MS)).toBe(false);
      const again = await store().webhookDeliveries.claim('w', MS + 20, MS + 1000, 10);
      expect(again.map((d) => [d.body, d.attempts])).toEqual([['bad', 2]]);
    });
  });
}
