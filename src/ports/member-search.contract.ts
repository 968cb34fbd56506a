/**
 * @module
 * The part of the MetadataStore contract about the admin panel's searches, run by
 * `runMetadataStoreContract` on every adapter: members found by name or email whatever the
 * accents and case (`MemberRepository.search`, `countSearch`), and an export's user jobs of the
 * members found, alone or with a state, paged and counted (`JobRepository.listUserJobs` and
 * `countUserJobs` with a member filter). Members made with `members.create`; those made by
 * member records are the ContentStore contract's.
 */
import { describe, expect, it } from 'vitest';
import type { DyiJob, Id, JobState } from '../domain/index.js';
import type { MetadataStore, UserJobFilter } from './metadata-store.js';
import type { PageRequest } from './paging.js';

const T0 = 1_767_225_600;

/** Members of a new community, each with its name and email; their ids, in that order. */
async function communityOf(
  store: MetadataStore,
  people: readonly (readonly [string, string | null])[],
): Promise<{ communityId: Id; ids: Id[] }> {
  const communityId = (await store.communities.create({ name: 'Acme', createTime: T0 })).id;
  const ids: Id[] = [];
  for (const [name, email] of people) {
    ids.push((await store.members.create(communityId, { name, email, status: 'active' })).id);
  }
  return { communityId, ids };
}

/** An export with a company job and a user job for each of `userIds`, in that order. */
async function exportFor(store: MetadataStore, communityId: Id, userIds: readonly Id[]) {
  return store.exports.create(
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
      { jobType: 'COMPANY', userId: null, dataTypes: ['WORKPLACE_COMPANY_METADATA_GROUPS'] },
      ...userIds.map((userId) => ({
        jobType: 'USER' as const,
        userId,
        dataTypes: ['POSTS_YOUR_ACTIVITY' as const],
      })),
    ],
  );
}

const PEOPLE = [
  ['Zoë Ångström', 'zoe.a@acme.example'],
  ['ZOE Brandt', null],
  ['Noël Zoetrope', 'n@acme.example'],
  ['Ada Lovelace', 'ada@zoe-mail.example'],
  ['Bob Stone', 'bob@acme.example'],
  ['Søren Kierkegaard', 'SK@ACME.EXAMPLE'],
] as const;

export function describeMemberSearch(store: () => MetadataStore): void {
  describe('member search', () => {
    it('finds members by name or email, whatever the accents and case, in folded name order', async () => {
      const { communityId } = await communityOf(store(), PEOPLE);
      const names = async (text: string, limit = 50) =>
        (await store().members.search(communityId, text, limit)).map((m) => m.name);
      const zoes = ['Ada Lovelace', 'Noël Zoetrope', 'Zoë Ångström', 'ZOE Brandt'];
      for (const text of ['zoe', 'Zoë', 'ZOË', 'zoé', ' zoe ']) {
        expect(await names(text)).toEqual(zoes);
        expect(await store().members.countSearch(communityId, text)).toBe(4);
      }
      expect(await names('angstrom')).toEqual(['Zoë Ångström']);
      expect(await names('noel zoe')).toEqual(['Noël Zoetrope']);
      expect(await names('soren')).toEqual(['Søren Kierkegaard']);
      expect(await names('sk@acme')).toEqual(['Søren Kierkegaard']);
      expect(await names('ACME.example')).toEqual([
        'Bob Stone',
        'Noël Zoetrope',
        'Søren Kierkegaard',
        'Zoë Ångström',
      ]);
      expect(await names('zoe', 2)).toEqual(zoes.slice(0, 2));
      expect(await store().members.countSearch(communityId, 'acme')).toBe(4);
    });

    it('matches within the name or within the email, never across the two', async () => {
      const { communityId } = await communityOf(store(), [['Ann Lee', 'bob@acme.example']]);
      expect(await store().members.search(communityId, 'lee bob', 5)).toEqual([]);
      expect(await store().members.search(communityId, 'lee\nbob', 5)).toEqual([]);
      expect(await store().members.countSearch(communityId, 'lee bob')).toBe(0);
    });

    it('finds nothing for a text that folds to nothing, and nobody of another community', async () => {
      const { communityId } = await communityOf(store(), PEOPLE);
      const other = await communityOf(store(), [['Zoe Elsewhere', null]]);
      for (const text of ['', '   ', '\u0308']) {
        expect(await store().members.search(communityId, text, 5)).toEqual([]);
        expect(await store().members.countSearch(communityId, text)).toBe(0);
      }
      expect(
        (await store().members.search(other.communityId, 'zoe', 5)).map((m) => m.name),
      ).toEqual(['Zoe Elsewhere']);
      expect(await store().members.countSearch(communityId, 'elsewhere')).toBe(0);
    });
  });

  describe('user jobs of members found', () => {
    /** Every page of a list, walked forward, then backward from the last one. */
    async function walk(exportId: Id, filter: UserJobFilter, limit: number) {
      const forward: DyiJob[][] = [];
      let page: PageRequest = { limit };
      for (;;) {
        const got = await store().jobs.listUserJobs(exportId, page, filter);
        forward.push([...got.items]);
        const last = got.items.at(-1);
        if (!got.hasNext || last === undefined) break;
        page = { limit, after: last.id };
      }
      // Back from the last page's first job to the first page.
      const backward: DyiJob[][] = [forward.at(-1) ?? []];
      const end = forward.at(-1)?.[0];
      if (end === undefined) return { forward, backward };
      page = { limit, before: end.id };
      for (;;) {
        const got = await store().jobs.listUserJobs(exportId, page, filter);
        backward.unshift([...got.items]);
        const first = got.items[0];
        if (!got.hasPrevious || first === undefined) break;
        page = { limit, before: first.id };
      }
      return { forward, backward };
    }

    it('lists and counts the jobs of the members found, alone and with a state, page by page', async () => {
      const people = Array.from({ length: 12 }, (_, i) =>
        i % 3 === 0
          ? ([`Zoë ${i}`, null] as const)
          : ([`Other ${i}`, `o${i}@acme.example`] as const),
      );
      const { communityId, ids } = await communityOf(store(), people);
      const exportJob = await exportFor(store(), communityId, ids);
      // A second export of the same members: its jobs are not this one's.
      await exportFor(store(), communityId, ids);
      const all = (await store().jobs.listUserJobs(exportJob.id, { limit: 100 })).items;
      const zoes = all.filter((job) =>
        people[ids.indexOf(job.userId ?? '')]?.[0].startsWith('Zoë'),
      );
      expect(zoes).toHaveLength(4);

      const { forward, backward } = await walk(exportJob.id, { member: 'ZOE' }, 3);
      expect(forward.map((page) => page.map((job) => job.id))).toEqual([
        zoes.slice(0, 3).map((job) => job.id),
        zoes.slice(3).map((job) => job.id),
      ]);
      expect(backward.flat().map((job) => job.id)).toEqual(zoes.map((job) => job.id));
      expect(await store().jobs.countUserJobs(exportJob.id, { member: 'zoë' })).toEqual({
        matching: 4,
        before: 0,
      });
      const third = zoes[2]?.id;
      expect(await store().jobs.countUserJobs(exportJob.id, { member: 'zoe' }, third)).toEqual({
        matching: 4,
        before: 2,
      });

      const done: JobState = 'COMPLETED';
      for (const job of [zoes[1], zoes[3], all[1]]) {
        expect(
          await store().jobs.transition(job?.id ?? '', ['PENDING'], { state: done, time: T0 }),
        ).toBe(true);
      }
      const filter = { member: 'zoe', state: done };
      expect(
        (await store().jobs.listUserJobs(exportJob.id, { limit: 10 }, filter)).items.map(
          (j) => j.id,
        ),
      ).toEqual([zoes[1]?.id, zoes[3]?.id]);
      expect(await store().jobs.countUserJobs(exportJob.id, filter, zoes[3]?.id)).toEqual({
        matching: 2,
        before: 1,
      });
      expect(await store().jobs.countUserJobs(exportJob.id, { state: done })).toEqual({
        matching: 3,
        before: 0,
      });
      // By email, anywhere in it.
      const byEmail = await store().jobs.listUserJobs(
        exportJob.id,
        { limit: 100 },
        { member: 'O4@ACME' },
      );
      expect(byEmail.items.map((job) => job.userId)).toEqual([ids[4]]);
    });

    it('takes a member filter that folds to nothing as none, and counts every user job', async () => {
      const { communityId, ids } = await communityOf(store(), PEOPLE);
      const exportJob = await exportFor(store(), communityId, ids);
      const none = await store().jobs.listUserJobs(exportJob.id, { limit: 100 }, { member: '  ' });
      expect(none.items).toHaveLength(PEOPLE.length);
      const last = none.items.at(-1)?.id;
      expect(await store().jobs.countUserJobs(exportJob.id, {}, last)).toEqual({
        matching: PEOPLE.length,
        before: PEOPLE.length - 1,
      });
      expect(await store().jobs.countUserJobs(exportJob.id, { member: 'nobody at all' })).toEqual({
        matching: 0,
        before: 0,
      });
      const nobody = await store().jobs.listUserJobs(exportJob.id, { limit: 5 }, { member: '%' });
      expect(nobody).toEqual({ items: [], hasPrevious: false, hasNext: false });
    });
  });
}
