/**
 * @module
 * The behaviour every MetadataStore adapter must show, as one vitest suite that each adapter's
 * test file runs against a real database (SQLite and PostgreSQL): no adapter is tested
 * against a mock, and no service may rely on a behaviour this suite does not pin down. Paging
 * gets the most attention because its bugs are silent: a skipped or repeated item, or an empty
 * page that still says `hasNext`, would pass any single-page check and break every downloader.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AccessTokenRecord,
  ConflictError,
  type DataType,
  type DyiJob,
  type ExportJob,
  type Id,
  type ImportRun,
  type Integration,
  type JobState,
  type MemberStatus,
  type ObjectKind,
  RunSupersededError,
} from '../domain/index.js';
import { blobKeyForFile } from './blob-store.js';
import type { MaybePromise } from './maybe-promise.js';
import type { AdminSessionRecord, MetadataStore, NewExport, PlannedJob } from './metadata-store.js';
import type { Page, PageRequest } from './paging.js';
import { describeMemberSearch } from './member-search.contract.js';
import { describePendingReveals } from './pending-reveals.contract.js';
import { describeRetention } from './retention.contract.js';
import { describeSignInCounters } from './sign-in-counters.contract.js';
import { describeWebhooks } from './webhook-store.contract.js';

export interface MetadataStoreFixture {
  /** An initialised store over an empty database of its own. */
  readonly store: MetadataStore;
  /** Closes the store and removes its database. */
  cleanup(): Promise<void>;
}

/** Numeric ids the suite uses as positions outside every list and as unknown objects. */
const HIGHEST_ID = '9999999999999999';
const LOWEST_ID = '1';

/** Strings that can never name an object, whatever the adapter's id type. */
const GARBAGE_IDS = ['abc', '-1', '99999999999999999999', '', '1.5', ' 1', '0x10', '1e5'];

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z

const COMPANY_TYPES: readonly DataType[] = ['WORKPLACE_COMPANY_METADATA_GROUPS'];
const USER_TYPES: readonly DataType[] = ['POSTS_YOUR_ACTIVITY', 'MESSENGER_V2'];

/** The item at `index`, failing the test (not the type checker) when the list is shorter. */
function nth<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`expected an item at index ${index} of ${items.length}`);
  return item;
}

/** What a fixture may do with the test it serves: skip it, saying why (no database server). */
export interface FixtureContext {
  skip(note?: string): void;
}

export function runMetadataStoreContract(
  name: string,
  create: (ctx: FixtureContext) => Promise<MetadataStoreFixture>,
): void {
  describe(`MetadataStore contract: ${name}`, () => {
    let fixture: MetadataStoreFixture | undefined;
    let store: MetadataStore;

    beforeEach(async (ctx) => {
      fixture = await create(ctx);
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    async function community(label = 'Acme'): Promise<Id> {
      return (await store.communities.create({ name: label, createTime: T0 })).id;
    }

    async function members(communityId: Id, count: number): Promise<Id[]> {
      const ids: Id[] = [];
      for (let i = 0; i < count; i++) {
        const member = await store.members.create(communityId, {
          name: `Member ${i}`,
          email: `m${i}@example.com`,
          status: 'active',
        });
        ids.push(member.id);
      }
      return ids;
    }

    function newIntegration(communityId: Id): Promise<Integration> {
      return store.integrations.create({
        communityId,
        name: 'exporter',
        appSecret: 'secret',
        requireAppsecretProof: false,
        createTime: T0,
      });
    }

    /** An integration with one read token whose stored hash is `tokenHash`. */
    async function integrationWithToken(
      communityId: Id,
      tokenHash: string,
    ): Promise<{ integration: Integration; token: AccessTokenRecord }> {
      const integration = await newIntegration(communityId);
      const token = await store.tokens.create({
        integrationId: integration.id,
        communityId,
        tokenHash,
        hint: tokenHash.slice(-4),
        permissions: ['read_company_data_exports'],
        createTime: T0,
      });
      return { integration, token };
    }

    function newExport(communityId: Id, overrides: Partial<NewExport> = {}): NewExport {
      return {
        communityId,
        createTime: T0,
        idempotencyKey: null,
        dataTypes: [...COMPANY_TYPES, ...USER_TYPES],
        dyiFormat: 'JSON',
        mediaQuality: 'MEDIUM',
        startTime: T0 - 86_400,
        endTime: T0,
        keepOriginalMedia: false,
        withholdOthersMedia: false,
        ...overrides,
      };
    }

    function plan(userIds: readonly Id[]): PlannedJob[] {
      return [
        { jobType: 'COMPANY', userId: null, dataTypes: COMPANY_TYPES },
        ...userIds.map((userId) => ({ jobType: 'USER' as const, userId, dataTypes: USER_TYPES })),
      ];
    }

    /** An export with a company job and one user job per member (new members for a count). */
    async function exportWithJobs(
      communityId: Id,
      users: number | readonly Id[],
      overrides: Partial<NewExport> = {},
    ): Promise<{ exportJob: ExportJob; company: DyiJob; users: DyiJob[] }> {
      const userIds = typeof users === 'number' ? await members(communityId, users) : users;
      const input = newExport(communityId, overrides);
      const exportJob = await store.exports.create(input, plan(userIds));
      const company = await store.jobs.companyJob(exportJob.id);
      return { exportJob, company, users: await allUserJobs(exportJob.id) };
    }

    async function allUserJobs(exportId: Id, state?: JobState): Promise<DyiJob[]> {
      return [...(await store.jobs.listUserJobs(exportId, { limit: 100_000 }, { state })).items];
    }

    async function addFile(job: DyiJob, partNumber: number, ownRun?: string): Promise<Id> {
      const id = await store.files.allocateId(job.communityId);
      await store.files.create(
        id,
        {
          jobId: job.id,
          communityId: job.communityId,
          name: `part-${partNumber}.zip`,
          size: 1000 + partNumber,
          sha256: 'ab'.repeat(32),
          contentType: 'application/zip',
          partNumber,
          leftOutCount: 0,
          blobKey: blobKeyForFile(job.exportId, job.id, id),
          createTime: T0 + partNumber,
        },
        ownRun,
      );
      return id;
    }

    /** Moves a pending job to `state`, as a worker or the runner would. */
    async function moveFromPending(job: DyiJob, state: JobState): Promise<void> {
      expect(await store.jobs.transition(job.id, ['PENDING'], { state, time: T0 + 1 })).toBe(true);
    }

    describe('ids', () => {
      it('are numeric strings, unique across every kind and community', async () => {
        const ids: Id[] = [];
        for (const label of ['A', 'B']) {
          const communityId = await community(label);
          const memberIds = await members(communityId, 2);
          const { integration, token } = await integrationWithToken(communityId, `hash-${label}`);
          const { exportJob, company, users } = await exportWithJobs(communityId, memberIds);
          const fileId = await addFile(company, 1);
          const allocated = await store.files.allocateId(communityId);
          ids.push(communityId, ...memberIds, integration.id, token.id, exportJob.id);
          ids.push(company.id, ...users.map((u) => u.id), fileId, allocated);
        }
        for (const id of ids) expect(id).toMatch(/^[1-9]\d{0,15}$/);
        expect(new Set(ids).size).toBe(ids.length);
      });

      it('are never handed out again after a delete', async () => {
        const communityId = await community();
        const { exportJob, company, users } = await exportWithJobs(communityId, 2);
        const fileId = await addFile(company, 1);
        const deleted = new Set([exportJob.id, company.id, fileId, ...users.map((u) => u.id)]);
        await store.exports.delete(exportJob.id);
        const again = await exportWithJobs(communityId, 2);
        const fresh = [again.exportJob.id, again.company.id, ...again.users.map((u) => u.id)];
        fresh.push(await addFile(again.company, 1));
        for (const id of fresh) expect(deleted.has(id)).toBe(false);
      });
    });

    describe('findObject', () => {
      it('names the kind and community of every kind of object', async () => {
        const other = await community('Other');
        const communityId = await community();
        const memberId = nth(await members(communityId, 1), 0);
        const { integration, token } = await integrationWithToken(communityId, 'hash');
        const { exportJob, company, users } = await exportWithJobs(communityId, [memberId]);
        const fileId = await addFile(company, 1);
        const expected: [Id, ObjectKind][] = [
          [communityId, 'community'],
          [memberId, 'member'],
          [integration.id, 'integration'],
          [token.id, 'access_token'],
          [exportJob.id, 'work_dyi_job'],
          [company.id, 'dyi_job'],
          [nth(users, 0).id, 'dyi_job'],
          [fileId, 'dyi_file'],
        ];
        for (const [id, kind] of expected) {
          expect(await store.findObject(id), `${kind} ${id}`).toEqual({ kind, communityId });
        }
        expect(await store.findObject(other)).toEqual({ kind: 'community', communityId: other });
      });

      it('answers undefined for unknown and malformed ids', async () => {
        await community();
        for (const id of [...GARBAGE_IDS, HIGHEST_ID, LOWEST_ID, '0']) {
          expect(await store.findObject(id), JSON.stringify(id)).toBeUndefined();
        }
      });

      it('answers undefined for unknown and malformed ids in every repository get', async () => {
        await community();
        for (const id of [...GARBAGE_IDS, HIGHEST_ID]) {
          expect(await store.communities.get(id)).toBeUndefined();
          expect(await store.members.get(id)).toBeUndefined();
          expect(await store.integrations.get(id)).toBeUndefined();
          expect(await store.tokens.get(id)).toBeUndefined();
          expect(await store.exports.get(id)).toBeUndefined();
          expect(await store.jobs.get(id)).toBeUndefined();
          expect(await store.files.get(id)).toBeUndefined();
        }
      });
    });

    describe('communities', () => {
      it('creates, gets and lists communities in creation order', async () => {
        const first = await store.communities.create({ name: 'First', createTime: T0 });
        const second = await store.communities.create({ name: 'Second', createTime: T0 + 5 });
        expect(first).toEqual({ id: first.id, name: 'First', createTime: T0 });
        expect(await store.communities.get(second.id)).toEqual(second);
        expect(await store.communities.list()).toEqual([first, second]);
      });

      it('lists nothing in an empty database', async () => {
        expect(await store.communities.list()).toEqual([]);
      });
    });

    describe('members', () => {
      it('creates and gets a member', async () => {
        const communityId = await community();
        const member = await store.members.create(communityId, {
          name: 'Ada',
          email: null,
          status: 'deactivated',
        });
        expect(member).toEqual({
          id: member.id,
          communityId,
          name: 'Ada',
          email: null,
          status: 'deactivated',
        });
        expect(await store.members.get(member.id)).toEqual(member);
      });

      it('findByEmail finds members of any status by email, whatever its case, in one community', async () => {
        const communityId = await community();
        const otherId = await community('Other');
        const add = (id: string, name: string, email: string | null, status: MemberStatus) =>
          store.members.create(id, { name, email, status });
        const ann = await add(communityId, 'Ann', 'Ann.Lee@Acme.example', 'deactivated');
        const twin = await add(communityId, 'Ann too', 'ann.lee@acme.example', 'active');
        await add(communityId, 'Nobody', null, 'active');
        await add(otherId, 'Foreign Ann', 'ann.lee@acme.example', 'active');
        expect(await store.members.findByEmail(communityId, 'ANN.LEE@acme.EXAMPLE')).toEqual([
          ann,
          twin,
        ]);
        expect(await store.members.findByEmail(communityId, 'ann@acme.example')).toEqual([]);
        expect(await store.members.findByEmail(communityId, '')).toEqual([]);
      });

      it("getMany returns the community's members among the ids and leaves out the rest", async () => {
        const communityId = await community();
        const otherId = await community('Other');
        const own = await members(communityId, 3);
        const foreign = nth(await members(otherId, 1), 0);
        const found = await store.members.getMany(communityId, [
          nth(own, 2),
          foreign,
          'abc',
          HIGHEST_ID,
          nth(own, 0),
        ]);
        expect(found.map((m) => m.id).sort()).toEqual([own[0], own[2]].sort());
        expect(found.every((m) => m.communityId === communityId)).toBe(true);
        expect(await store.members.getMany(communityId, [])).toEqual([]);
      });

      it('lists active member ids in id order and follows status changes', async () => {
        const communityId = await community();
        const otherId = await community('Other');
        const ids = await members(communityId, 4);
        await members(otherId, 2);
        expect(await store.members.listActiveIds(communityId)).toEqual(ids);
        const statuses: MemberStatus[] = ['deactivated', 'deleted'];
        for (const [i, status] of statuses.entries()) {
          await store.members.setStatus(nth(ids, i + 1), status);
          expect((await store.members.get(nth(ids, i + 1)))?.status).toBe(status);
        }
        expect(await store.members.listActiveIds(communityId)).toEqual([ids[0], ids[3]]);
        await store.members.setStatus(nth(ids, 1), 'active');
        expect(await store.members.listActiveIds(communityId)).toEqual([ids[0], ids[1], ids[3]]);
      });

      /** Members with these names (all active) in a new community; their ids by name. */
      async function named(communityId: Id, names: readonly string[]): Promise<Map<string, Id>> {
        const ids = new Map<string, Id>();
        for (const name of names) {
          const member = await store.members.create(communityId, {
            name,
            email: null,
            status: 'active',
          });
          ids.set(name, member.id);
        }
        return ids;
      }

      async function searchNames(communityId: Id, text: string, limit = 50): Promise<string[]> {
        return (await store.members.search(communityId, text, limit)).map((m) => m.name);
      }

      it('search finds names containing the text, ignoring case, in name order', async () => {
        const communityId = await community();
        const otherId = await community('Other');
        await named(communityId, ['Zoe Adams', 'Ada Lovelace', 'Grace Hopper', 'adam Smith']);
        await named(otherId, ['Ada Other']);
        expect(await searchNames(communityId, 'ada')).toEqual([
          'Ada Lovelace',
          'adam Smith',
          'Zoe Adams',
        ]);
        expect(await searchNames(communityId, 'LOVELACE')).toEqual(['Ada Lovelace']);
        expect(await searchNames(communityId, 'e h')).toEqual(['Grace Hopper']);
        expect(await searchNames(communityId, 'nobody')).toEqual([]);
        expect(await searchNames(otherId, 'ada')).toEqual(['Ada Other']);
      });

      it('search ignores the case and the accents of letters beyond ASCII', async () => {
        const communityId = await community();
        await named(communityId, ['Émile Zola', 'Jürgen Ökland', 'Emil Nolde']);
        expect(await searchNames(communityId, 'émile')).toEqual(['Émile Zola']);
        expect(await searchNames(communityId, 'ÖKLAND')).toEqual(['Jürgen Ökland']);
        expect(await searchNames(communityId, 'JÜR')).toEqual(['Jürgen Ökland']);
        expect(await searchNames(communityId, 'jurgen')).toEqual(['Jürgen Ökland']);
        expect(await searchNames(communityId, 'emil')).toEqual(['Emil Nolde', 'Émile Zola']);
      });

      it('search takes % and _ (and the backslash) as plain text', async () => {
        const communityId = await community();
        await named(communityId, ['100% Ada', 'snake_case Bob', 'Back\\slash', 'Plain Carl']);
        expect(await searchNames(communityId, '%')).toEqual(['100% Ada']);
        expect(await searchNames(communityId, '_')).toEqual(['snake_case Bob']);
        expect(await searchNames(communityId, 'e_c')).toEqual(['snake_case Bob']);
        expect(await searchNames(communityId, '\\')).toEqual(['Back\\slash']);
        expect(await searchNames(communityId, '%é')).toEqual([]);
        expect(await searchNames(communityId, '_é')).toEqual([]);
      });

      it('search finds members of every status, at most limit, the first in name order', async () => {
        const communityId = await community();
        const ids = await named(communityId, ['Ann D', 'Ann B', 'Ann C', 'Ann A']);
        await store.members.setStatus(ids.get('Ann A') ?? '', 'deleted');
        await store.members.setStatus(ids.get('Ann C') ?? '', 'deactivated');
        const found = await store.members.search(communityId, 'ann', 2);
        expect(found.map((m) => m.name)).toEqual(['Ann A', 'Ann B']);
        expect(found[0]).toEqual({
          id: ids.get('Ann A'),
          communityId,
          name: 'Ann A',
          email: null,
          status: 'deleted',
        });
        expect(await searchNames(communityId, 'ann', 10)).toEqual([
          'Ann A',
          'Ann B',
          'Ann C',
          'Ann D',
        ]);
        expect(await searchNames(communityId, 'Ann A é', 10)).toEqual([]);
      });

      it('countByStatus counts every status of the community, zeros included', async () => {
        const communityId = await community();
        const otherId = await community('Other');
        expect(await store.members.countByStatus(communityId)).toEqual({
          active: 0,
          deactivated: 0,
          deleted: 0,
        });
        const ids = await members(communityId, 5);
        await members(otherId, 3);
        await store.members.setStatus(nth(ids, 0), 'deleted');
        await store.members.setStatus(nth(ids, 1), 'deleted');
        await store.members.setStatus(nth(ids, 2), 'deactivated');
        expect(await store.members.countByStatus(communityId)).toEqual({
          active: 2,
          deactivated: 1,
          deleted: 2,
        });
        expect(await store.members.countByStatus(otherId)).toEqual({
          active: 3,
          deactivated: 0,
          deleted: 0,
        });
      });
    });

    describe('integrations', () => {
      it('creates, gets, lists per community and sets requireAppsecretProof', async () => {
        const communityId = await community();
        const otherId = await community('Other');
        const input = {
          communityId,
          name: 'exporter',
          appSecret: 's3cret',
          requireAppsecretProof: false,
          createTime: T0,
        };
        const integration = await store.integrations.create(input);
        expect(integration).toEqual({ id: integration.id, ...input });
        const second = await store.integrations.create({ ...input, name: 'second' });
        await store.integrations.create({ ...input, communityId: otherId });
        expect(await store.integrations.get(integration.id)).toEqual(integration);
        expect(await store.integrations.list(communityId)).toEqual([integration, second]);

        await store.integrations.setRequireAppsecretProof(integration.id, true);
        expect(await store.integrations.get(integration.id)).toEqual({
          ...integration,
          requireAppsecretProof: true,
        });
        await store.integrations.setRequireAppsecretProof(integration.id, false);
        expect((await store.integrations.get(integration.id))?.requireAppsecretProof).toBe(false);
        expect((await store.integrations.get(second.id))?.requireAppsecretProof).toBe(false);
      });

      it('renames one integration, and answers false for one that does not exist', async () => {
        const communityId = await community();
        const integration = await newIntegration(communityId);
        const other = await newIntegration(communityId);
        expect(await store.integrations.rename(integration.id, 'Legal hold exporter')).toBe(true);
        expect(await store.integrations.get(integration.id)).toEqual({
          ...integration,
          name: 'Legal hold exporter',
        });
        expect((await store.integrations.get(other.id))?.name).toBe(other.name);
        expect(await store.integrations.rename(HIGHEST_ID, 'nobody')).toBe(false);
        expect(await store.integrations.rename('not-an-id', 'nobody')).toBe(false);
      });

      it('deletes an integration with its tokens, counting the active ones, and no other', async () => {
        const communityId = await community();
        const integration = await newIntegration(communityId);
        const kept = await newIntegration(communityId);
        const token = (hash: string, integrationId: Id) =>
          store.tokens.create({
            integrationId,
            communityId,
            tokenHash: hash.repeat(64),
            hint: 'wxyz',
            permissions: ['read_company_data_exports'],
            createTime: T0,
          });
        const active = await token('a', integration.id);
        const revoked = await token('b', integration.id);
        await store.tokens.revoke(revoked.id, T0 + 1);
        const other = await token('c', kept.id);

        expect(await store.integrations.delete(integration.id)).toBe(1);
        expect(await store.integrations.get(integration.id)).toBeUndefined();
        expect(await store.integrations.list(communityId)).toEqual([kept]);
        expect(await store.tokens.findByHash('a'.repeat(64))).toBeUndefined();
        expect(await store.tokens.get(active.id)).toBeUndefined();
        expect(await store.tokens.list(integration.id)).toEqual([]);
        expect(await store.findObject(integration.id)).toBeUndefined();
        expect(await store.findObject(active.id)).toBeUndefined();
        expect(await store.tokens.get(other.id)).toEqual(other);

        expect(await store.integrations.delete(integration.id)).toBeUndefined();
        expect(await store.integrations.delete(HIGHEST_ID)).toBeUndefined();
      });
    });

    describe('tokens', () => {
      const integration = async (communityId: Id): Promise<Id> =>
        (await newIntegration(communityId)).id;

      it('creates a token, finds it by hash, lists it and revokes it once', async () => {
        const communityId = await community();
        const integrationId = await integration(communityId);
        const otherIntegration = await integration(communityId);
        const token = await store.tokens.create({
          integrationId,
          communityId,
          tokenHash: 'a'.repeat(64),
          hint: 'wxyz',
          permissions: ['read_company_data_exports', 'manage_company_data_exports'],
          createTime: T0,
        });
        expect(token).toEqual({
          id: token.id,
          integrationId,
          communityId,
          hint: 'wxyz',
          permissions: ['read_company_data_exports', 'manage_company_data_exports'],
          createTime: T0,
          revokeTime: null,
          lastUseTime: null,
        });
        const readOnly = await store.tokens.create({
          integrationId,
          communityId,
          tokenHash: 'b'.repeat(64),
          hint: 'abcd',
          permissions: ['read_company_data_exports'],
          createTime: T0 + 1,
        });
        await store.tokens.create({
          integrationId: otherIntegration,
          communityId,
          tokenHash: 'c'.repeat(64),
          hint: 'efgh',
          permissions: [],
          createTime: T0,
        });

        expect(await store.tokens.findByHash('a'.repeat(64))).toEqual({
          ...token,
          tokenHash: 'a'.repeat(64),
          integration: await store.integrations.get(integrationId),
        });
        expect(await store.tokens.findByHash('d'.repeat(64))).toBeUndefined();
        expect(await store.tokens.get(readOnly.id)).toEqual(readOnly);
        expect(await store.tokens.list(integrationId)).toEqual([token, readOnly]);
        expect((await store.tokens.list(otherIntegration))[0]?.permissions).toEqual([]);

        expect(await store.tokens.revoke(token.id, T0 + 60)).toBe(true);
        expect(await store.tokens.revoke(token.id, T0 + 120)).toBe(false);
        expect(await store.tokens.revoke(HIGHEST_ID, T0)).toBe(false);
        expect((await store.tokens.get(token.id))?.revokeTime).toBe(T0 + 60);
        expect((await store.tokens.findByHash('a'.repeat(64)))?.revokeTime).toBe(T0 + 60);
        expect((await store.tokens.get(readOnly.id))?.revokeTime).toBeNull();
      });

      it('records when a token was last used, never moving it back', async () => {
        const communityId = await community();
        const { token } = await integrationWithToken(communityId, 'f'.repeat(64));
        const other = await store.tokens.create({
          integrationId: token.integrationId,
          communityId,
          tokenHash: '9'.repeat(64),
          hint: 'ijkl',
          permissions: [],
          createTime: T0,
        });
        await store.tokens.recordUse(token.id, T0 + 60);
        expect((await store.tokens.get(token.id))?.lastUseTime).toBe(T0 + 60);
        expect((await store.tokens.findByHash('f'.repeat(64)))?.lastUseTime).toBe(T0 + 60);
        await store.tokens.recordUse(token.id, T0 + 30);
        expect((await store.tokens.get(token.id))?.lastUseTime).toBe(T0 + 60);
        await store.tokens.recordUse(token.id, T0 + 120);
        expect((await store.tokens.list(token.integrationId)).map((t) => t.lastUseTime)).toEqual([
          T0 + 120,
          null,
        ]);
        expect((await store.tokens.get(other.id))?.lastUseTime).toBeNull();
        await store.tokens.recordUse(HIGHEST_ID, T0);
      });
    });

    describe('exports', () => {
      it('creates an export with its company job and one pending job per user', async () => {
        const communityId = await community();
        const userIds = await members(communityId, 3);
        const input = newExport(communityId, { idempotencyKey: 'key-1', createTime: T0 + 7 });
        const exportJob = await store.exports.create(input, plan(userIds));
        expect(exportJob).toEqual({
          id: exportJob.id,
          communityId,
          createTime: T0 + 7,
          dataTypes: input.dataTypes,
          dyiFormat: 'JSON',
          mediaQuality: 'MEDIUM',
          startTime: input.startTime,
          endTime: input.endTime,
          keepOriginalMedia: false,
          withholdOthersMedia: false,
          idempotencyKey: 'key-1',
          cancelRequested: false,
          name: null,
          memberScope: null,
          retentionDays: null,
          expiresTime: null,
          expiryState: null,
          expiredTime: null,
          createdBy: null,
          reason: null,
        });
        expect(await store.exports.get(exportJob.id)).toEqual(exportJob);

        const company = await store.jobs.companyJob(exportJob.id);
        expect(company).toEqual({
          id: company.id,
          exportId: exportJob.id,
          communityId,
          jobType: 'COMPANY',
          userId: null,
          dataTypes: COMPANY_TYPES,
          state: 'PENDING',
          abortReason: null,
          stateMessage: null,
          progress: 0,
          leftOutCount: 0,
          createTime: T0 + 7,
          updateTime: T0 + 7,
        });
        const users = await allUserJobs(exportJob.id);
        expect(users.map((job) => job.userId)).toEqual(userIds);
        for (const job of users) {
          expect(job).toMatchObject({
            exportId: exportJob.id,
            communityId,
            jobType: 'USER',
            dataTypes: USER_TYPES,
            state: 'PENDING',
            abortReason: null,
            progress: 0,
          });
          expect(await store.jobs.get(job.id)).toEqual(job);
        }
        expect(await store.exports.countJobs(exportJob.id)).toEqual({
          total: 4,
          pending: 4,
          inProgress: 0,
          completed: 0,
          aborted: 0,
          failed: 0,
          runningProgress: 0,
          leftOut: 0,
        });
      });

      it('keeps each of the export media options as it was created', async () => {
        const communityId = await community();
        const options = [
          { keepOriginalMedia: true, withholdOthersMedia: false },
          { keepOriginalMedia: false, withholdOthersMedia: true },
        ];
        for (const option of options) {
          const made = await store.exports.create(newExport(communityId, option), plan([]));
          expect(await store.exports.get(made.id)).toMatchObject(option);
          expect(made).toMatchObject(option);
        }
      });

      it('keeps the export name and member scope as created, unicode and all', async () => {
        const communityId = await community();
        const options = [
          { name: 'Q1 legal hold', memberScope: 'all' as const },
          { name: 'Zoë’s 退職 export 📦', memberScope: 'chosen' as const },
          { name: null, memberScope: null },
        ];
        for (const option of options) {
          const made = await store.exports.create(newExport(communityId, option), plan([]));
          expect(made).toMatchObject(option);
          expect(await store.exports.get(made.id)).toMatchObject(option);
        }
        const listed = await store.exports.list(communityId, { limit: 10 });
        expect(listed.items.map((each) => each.name)).toEqual([
          null,
          'Zoë’s 退職 export 📦',
          'Q1 legal hold',
        ]);
      });

      it('creates an export with thousands of user jobs in one call', async () => {
        // More rows than one statement may bind values for in SQLite: the adapter must split.
        const communityId = await community();
        const { exportJob, users } = await exportWithJobs(communityId, 2500);
        expect(new Set(users.map((job) => job.userId)).size).toBe(2500);
        expect((await store.exports.countJobs(exportJob.id)).total).toBe(2501);
        expect(await store.exports.delete(exportJob.id)).toEqual([]);
        expect(await store.findObject(nth(users, 2499).id)).toBeUndefined();
      });

      it('finds an export by idempotency key within its community only', async () => {
        const communityId = await community();
        const otherId = await community('Other');
        const keyed = await store.exports.create(
          newExport(communityId, { idempotencyKey: 'retry-me' }),
          plan([]),
        );
        await store.exports.create(newExport(communityId), plan([]));
        await store.exports.create(newExport(communityId), plan([]));
        expect(await store.exports.findByIdempotencyKey(communityId, 'retry-me')).toEqual(keyed);
        expect(await store.exports.findByIdempotencyKey(otherId, 'retry-me')).toBeUndefined();
        expect(await store.exports.findByIdempotencyKey(communityId, 'other')).toBeUndefined();
        const elsewhere = await store.exports.create(
          newExport(otherId, { idempotencyKey: 'retry-me' }),
          plan([]),
        );
        expect(await store.exports.findByIdempotencyKey(otherId, 'retry-me')).toEqual(elsewhere);
      });

      it("counts a community's exports", async () => {
        const communityId = await community();
        const otherId = await community('Other');
        expect(await store.exports.count(communityId)).toBe(0);
        for (let i = 0; i < 3; i++) await store.exports.create(newExport(communityId), plan([]));
        await store.exports.create(newExport(otherId), plan([]));
        expect(await store.exports.count(communityId)).toBe(3);
        const newest = nth((await store.exports.list(communityId, { limit: 1 })).items, 0);
        await store.exports.delete(newest.id);
        expect(await store.exports.count(communityId)).toBe(2);
        expect(await store.exports.count(otherId)).toBe(1);
      });

      it('counts jobs by state and reports the first abort reason', async () => {
        const communityId = await community();
        const { exportJob, company, users } = await exportWithJobs(communityId, 4);
        const [u1, u2, u3, u4] = [0, 1, 2, 3].map((i) => nth(users, i));
        if (!u1 || !u2 || !u3 || !u4) throw new Error('four user jobs expected');
        expect(await store.exports.firstAbortReason(exportJob.id)).toBeNull();
        await moveFromPending(company, 'COMPLETED');
        await moveFromPending(u1, 'IN_PROGRESS');
        await store.jobs.setProgress(u1.id, 0.25, T0 + 2);
        await moveFromPending(u2, 'FAILED');
        const abort = (job: DyiJob, reason: 'TARGET_NOT_VISIBLE' | 'ARCHIVE_TOO_BIG') =>
          store.jobs.transition(job.id, ['PENDING'], {
            state: 'ABORTED',
            abortReason: reason,
            time: T0 + 2,
          });
        expect(await abort(u4, 'ARCHIVE_TOO_BIG')).toBe(true);
        expect(await abort(u3, 'TARGET_NOT_VISIBLE')).toBe(true);
        expect(await store.exports.countJobs(exportJob.id)).toEqual({
          total: 5,
          pending: 0,
          inProgress: 1,
          completed: 1,
          aborted: 2,
          failed: 1,
          runningProgress: 0.25,
          leftOut: 0,
        });
        expect(await store.exports.firstAbortReason(exportJob.id)).toBe('TARGET_NOT_VISIBLE');
        expect(await store.exports.countJobs(HIGHEST_ID)).toEqual({
          total: 0,
          pending: 0,
          inProgress: 0,
          completed: 0,
          aborted: 0,
          failed: 0,
          runningProgress: 0,
          leftOut: 0,
        });
      });

      it('cancels: aborts only unfinished jobs with CANCELLED_BY_USER and returns their ids', async () => {
        const communityId = await community();
        const { exportJob, company, users } = await exportWithJobs(communityId, 4);
        const [done, failed, running, pending] = [0, 1, 2, 3].map((i) => nth(users, i));
        if (!done || !failed || !running || !pending) throw new Error('four user jobs expected');
        await moveFromPending(done, 'COMPLETED');
        await moveFromPending(failed, 'FAILED');
        await moveFromPending(running, 'IN_PROGRESS');
        const keptFile = await addFile(done, 1);
        const other = await exportWithJobs(communityId, 1);

        const aborted = await store.exports.cancel(exportJob.id, T0 + 99);
        expect([...aborted].sort()).toEqual([company.id, running.id, pending.id].sort());
        expect((await store.exports.get(exportJob.id))?.cancelRequested).toBe(true);
        for (const id of aborted) {
          const job = await store.jobs.get(id);
          expect(job).toMatchObject({
            state: 'ABORTED',
            abortReason: 'CANCELLED_BY_USER',
            updateTime: T0 + 99,
          });
          expect(job?.stateMessage).toEqual(expect.any(String));
        }
        expect((await store.jobs.get(done.id))?.state).toBe('COMPLETED');
        expect((await store.jobs.get(failed.id))?.state).toBe('FAILED');
        expect(await store.files.get(keptFile)).toBeDefined();
        expect(await store.exports.firstAbortReason(exportJob.id)).toBe('CANCELLED_BY_USER');

        expect(await store.exports.cancel(exportJob.id, T0 + 100)).toEqual([]);
        expect((await store.jobs.get(company.id))?.updateTime).toBe(T0 + 99);
        expect((await store.exports.get(other.exportJob.id))?.cancelRequested).toBe(false);
        expect((await store.jobs.companyJob(other.exportJob.id)).state).toBe('PENDING');
      });

      it('tells when the last job of an export changed', async () => {
        const communityId = await community();
        const { exportJob } = await exportWithJobs(communityId, 2);
        expect(await store.exports.lastJobUpdate(exportJob.id)).toBe(T0);
        await store.exports.cancel(exportJob.id, T0 + 99);
        expect(await store.exports.lastJobUpdate(exportJob.id)).toBe(T0 + 99);
        expect(await store.exports.lastJobUpdate(HIGHEST_ID)).toBeNull();
      });

      it('deletes the export with its jobs and files and returns the blob keys', async () => {
        const communityId = await community();
        const { exportJob, company, users } = await exportWithJobs(communityId, 2);
        const user = nth(users, 0);
        const fileIds = [await addFile(company, 1), await addFile(user, 1), await addFile(user, 2)];
        const files = await Promise.all(fileIds.map((id) => Promise.resolve(store.files.get(id))));
        const kept = await exportWithJobs(communityId, 1);
        const keptFile = await addFile(kept.company, 1);

        const blobKeys = await store.exports.delete(exportJob.id);
        expect([...blobKeys].sort()).toEqual(files.map((f) => f?.blobKey).sort());
        const gone = [exportJob.id, company.id, ...users.map((u) => u.id), ...fileIds];
        for (const id of gone) expect(await store.findObject(id), id).toBeUndefined();
        expect(await store.exports.get(exportJob.id)).toBeUndefined();
        for (const job of [company, ...users]) expect(await store.jobs.get(job.id)).toBeUndefined();
        for (const id of fileIds) expect(await store.files.get(id)).toBeUndefined();
        expect(await store.files.countByJob(user.id)).toBe(0);
        expect(await store.exports.countJobs(exportJob.id)).toMatchObject({ total: 0 });
        const listed = await store.exports.list(communityId, { limit: 10 });
        expect(listed.items.map((e) => e.id)).toEqual([kept.exportJob.id]);

        expect(await store.files.get(keptFile)).toBeDefined();
        expect((await store.findObject(kept.company.id))?.kind).toBe('dyi_job');
        expect(await store.exports.delete(exportJob.id)).toEqual([]);
      });

      it('deletes an export that has no files', async () => {
        const communityId = await community();
        const { exportJob } = await exportWithJobs(communityId, 1);
        expect(await store.exports.delete(exportJob.id)).toEqual([]);
        expect(await store.findObject(exportJob.id)).toBeUndefined();
      });
    });

    describe('jobs', () => {
      it('lists the ids of unfinished jobs of every export', async () => {
        const communityId = await community();
        const before = await store.jobs.unfinishedIds();
        const countedBefore = await store.jobs.countUnfinished();
        const { company, users } = await exportWithJobs(communityId, 3);
        const time = T0 + 10;
        await store.jobs.transition(nth(users, 0).id, ['PENDING'], { state: 'IN_PROGRESS', time });
        await store.jobs.transition(nth(users, 1).id, ['PENDING'], { state: 'COMPLETED', time });
        await store.jobs.transition(nth(users, 2).id, ['PENDING'], { state: 'FAILED', time });
        const added = (await store.jobs.unfinishedIds()).filter((id) => !before.includes(id));
        expect(added).toEqual([company.id, nth(users, 0).id]);
        expect(await store.jobs.countUnfinished()).toEqual({
          PENDING: countedBefore.PENDING + 1,
          IN_PROGRESS: countedBefore.IN_PROGRESS + 1,
        });
        expect(await store.jobs.idsOfExport(company.exportId)).toEqual([
          company.id,
          ...users.map((user) => user.id),
        ]);
        expect(await store.jobs.idsOfExport(HIGHEST_ID)).toEqual([]);
      });

      it('transition moves a job only from an allowed state (compare-and-set)', async () => {
        const communityId = await community();
        const { company } = await exportWithJobs(communityId, 0);
        const start = { state: 'IN_PROGRESS' as const, time: T0 + 10 };
        expect(await store.jobs.transition(company.id, ['PENDING'], start)).toBe(true);
        expect(await store.jobs.transition(company.id, ['PENDING'], start)).toBe(false);
        expect(
          await store.jobs.transition(company.id, ['COMPLETED', 'FAILED'], {
            state: 'ABORTED',
            time: T0 + 11,
          }),
        ).toBe(false);
        expect(await store.jobs.get(company.id)).toMatchObject({
          state: 'IN_PROGRESS',
          updateTime: T0 + 10,
          abortReason: null,
          stateMessage: null,
        });

        await store.jobs.setProgress(company.id, 0.5, T0 + 12);
        expect(await store.jobs.get(company.id)).toMatchObject({
          progress: 0.5,
          updateTime: T0 + 12,
        });

        expect(
          await store.jobs.transition(company.id, ['PENDING', 'IN_PROGRESS'], {
            state: 'ABORTED',
            abortReason: 'ARCHIVE_TOO_BIG',
            stateMessage: 'The job output reached 11 GB, above the limit of 10 GB.',
            time: T0 + 13,
          }),
        ).toBe(true);
        expect(await store.jobs.get(company.id)).toMatchObject({
          state: 'ABORTED',
          abortReason: 'ARCHIVE_TOO_BIG',
          stateMessage: 'The job output reached 11 GB, above the limit of 10 GB.',
          progress: 0.5,
          updateTime: T0 + 13,
        });

        // A retry clears what the abort set, only because it says so.
        expect(
          await store.jobs.transition(company.id, ['ABORTED'], {
            state: 'PENDING',
            abortReason: null,
            stateMessage: null,
            progress: 0,
            time: T0 + 14,
          }),
        ).toBe(true);
        expect(await store.jobs.get(company.id)).toMatchObject({
          state: 'PENDING',
          abortReason: null,
          stateMessage: null,
          progress: 0,
        });
        expect(
          await store.jobs.transition(HIGHEST_ID, ['PENDING'], { state: 'FAILED', time: T0 }),
        ).toBe(false);
      });

      it('keeps the left-out count a completion sets, and leaves it alone otherwise', async () => {
        const communityId = await community();
        const { company } = await exportWithJobs(communityId, 0);
        await store.jobs.transition(company.id, ['PENDING'], { state: 'IN_PROGRESS', time: T0 });
        await store.jobs.setProgress(company.id, 0.5, T0 + 1);
        expect(await store.jobs.get(company.id)).toMatchObject({ leftOutCount: 0 });
        expect(
          await store.jobs.transition(company.id, ['IN_PROGRESS'], {
            state: 'COMPLETED',
            progress: 1,
            leftOutCount: 3,
            stateMessage: 'Completed, but 3 items were left out.',
            time: T0 + 2,
          }),
        ).toBe(true);
        expect(await store.jobs.get(company.id)).toMatchObject({
          state: 'COMPLETED',
          leftOutCount: 3,
          stateMessage: 'Completed, but 3 items were left out.',
        });
        expect(await store.exports.countJobs(company.exportId)).toMatchObject({ leftOut: 3 });
        expect(
          await store.jobs.transition(company.id, ['COMPLETED'], { state: 'FAILED', time: T0 + 3 }),
        ).toBe(true);
        expect(await store.jobs.get(company.id)).toMatchObject({ leftOutCount: 3 });
        // The export adds up its jobs' counts.
        const { users } = await exportWithJobs(communityId, 2);
        for (const [i, job] of users.entries()) {
          await moveFromPending(job, 'IN_PROGRESS');
          await store.jobs.transition(job.id, ['IN_PROGRESS'], {
            state: 'COMPLETED',
            leftOutCount: i + 1,
            time: T0 + 4,
          });
        }
        expect(await store.exports.countJobs(nth(users, 0).exportId)).toMatchObject({
          completed: 2,
          leftOut: 3,
        });
      });

      it('lets exactly one of two racing transitions win', async () => {
        const communityId = await community();
        const { company } = await exportWithJobs(communityId, 0);
        const results = await Promise.all([
          store.jobs.transition(company.id, ['PENDING', 'IN_PROGRESS'], {
            state: 'COMPLETED',
            time: T0 + 1,
          }),
          store.jobs.transition(company.id, ['PENDING', 'IN_PROGRESS'], {
            state: 'ABORTED',
            abortReason: 'CANCELLED_BY_USER',
            time: T0 + 1,
          }),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      describe('runs', () => {
        /** Starts `job` (again) for `run`, as the runner does. */
        function startRun(job: DyiJob, run: string, time = T0 + 1): Promise<boolean> {
          return store.jobs.transition(job.id, ['PENDING', 'IN_PROGRESS'], {
            state: 'IN_PROGRESS',
            progress: 0,
            startsRun: run,
            time,
          });
        }

        it('records files, progress and a final state only for the run that owns the job', async () => {
          const communityId = await community();
          const { company } = await exportWithJobs(communityId, 0);
          expect(await startRun(company, 'first')).toBe(true);
          const first = await addFile(company, 1, 'first');
          // The first run's worker pauses past its lease; a second run takes the job over.
          expect(await startRun(company, 'second', T0 + 2)).toBe(true);
          await expect(addFile(company, 2, 'first')).rejects.toThrow(RunSupersededError);
          await store.jobs.setProgress(company.id, 0.9, T0 + 3, 'first');
          const done = { state: 'COMPLETED' as const, progress: 1, time: T0 + 4 };
          expect(await store.jobs.transition(company.id, ['IN_PROGRESS'], done, 'first')).toBe(
            false,
          );
          expect(await store.files.deleteByJob(company.id, 'first')).toEqual([]);
          expect(await store.files.countByJob(company.id)).toBe(1);
          expect(await store.jobs.get(company.id)).toMatchObject({
            state: 'IN_PROGRESS',
            progress: 0,
            updateTime: T0 + 2,
          });

          // The second run owns it: it removes the first run's file and records its own.
          const removed = await store.files.deleteByJob(company.id, 'second');
          expect(removed).toEqual([blobKeyForFile(company.exportId, company.id, first)]);
          const second = await addFile(company, 1, 'second');
          await store.jobs.setProgress(company.id, 0.5, T0 + 5, 'second');
          expect(await store.jobs.get(company.id)).toMatchObject({ progress: 0.5 });
          expect(await store.jobs.transition(company.id, ['IN_PROGRESS'], done, 'second')).toBe(
            true,
          );
          const files = await store.files.listByJob(company.id, { limit: 10 });
          expect(files.items.map((file) => file.id)).toEqual([second]);
          // A run records no file once its job has ended, even its own run.
          await expect(addFile(company, 2, 'second')).rejects.toThrow(RunSupersededError);
        });

        it('never lets a run of an older queue claim take the job back', async () => {
          const communityId = await community();
          const { company } = await exportWithJobs(communityId, 0);
          const start = (run: string, claim: number, time: number) =>
            store.jobs.transition(company.id, ['PENDING', 'IN_PROGRESS'], {
              state: 'IN_PROGRESS',
              progress: 0,
              startsRun: run,
              claim,
              time,
            });
          // Claim 1's worker paused between its claim and its start; claim 2's run started.
          expect(await start('second', 2, T0 + 1)).toBe(true);
          const kept = await addFile(company, 1, 'second');
          expect(await start('first', 1, T0 + 2)).toBe(false);
          expect(await start('again', 2, T0 + 2)).toBe(false);
          await expect(addFile(company, 2, 'first')).rejects.toThrow(RunSupersededError);
          const done = { state: 'COMPLETED' as const, progress: 1, time: T0 + 3 };
          expect(await store.jobs.transition(company.id, ['IN_PROGRESS'], done, 'first')).toBe(
            false,
          );
          expect(await store.files.deleteByJob(company.id, 'first')).toEqual([]);
          // Nor may claim 1's worker end the job FAILED when its run gave up.
          const failed = { state: 'FAILED' as const, stateMessage: 'late', claim: 1, time: T0 + 3 };
          expect(await store.jobs.transition(company.id, ['IN_PROGRESS'], failed)).toBe(false);
          expect(await store.jobs.get(company.id)).toMatchObject({
            state: 'IN_PROGRESS',
            updateTime: T0 + 1,
          });
          // The second run completes with its own file, and only that one.
          expect(await store.jobs.transition(company.id, ['IN_PROGRESS'], done, 'second')).toBe(
            true,
          );
          const files = await store.files.listByJob(company.id, { limit: 10 });
          expect(files.items.map((file) => file.id)).toEqual([kept]);
        });

        it('lets a run remove its files after its job was cancelled', async () => {
          const communityId = await community();
          const { company } = await exportWithJobs(communityId, 0);
          await startRun(company, 'only');
          const file = await addFile(company, 1, 'only');
          await store.exports.cancel(company.exportId, T0 + 2);
          expect(await store.files.deleteByJob(company.id, 'only')).toEqual([
            blobKeyForFile(company.exportId, company.id, file),
          ]);
        });

        it('lets exactly one of a file record and a takeover come first', async () => {
          const communityId = await community();
          const { company } = await exportWithJobs(communityId, 0);
          await startRun(company, 'first');
          const [recorded, takeover] = await Promise.allSettled([
            addFile(company, 1, 'first'),
            startRun(company, 'second', T0 + 2),
          ]);
          expect(takeover).toEqual({ status: 'fulfilled', value: true });
          // Whichever came first, the second run's clean-up finds the file if it was recorded.
          const removed = await store.files.deleteByJob(company.id, 'second');
          expect(removed).toHaveLength(recorded.status === 'fulfilled' ? 1 : 0);
          expect(await store.files.countByJob(company.id)).toBe(0);
        });
      });

      it('lists user jobs of one export, optionally in one state', async () => {
        const communityId = await community();
        const { exportJob, company, users } = await exportWithJobs(communityId, 4);
        await exportWithJobs(communityId, 2);
        await moveFromPending(nth(users, 1), 'IN_PROGRESS');
        await moveFromPending(nth(users, 3), 'IN_PROGRESS');
        const ids = (jobs: readonly DyiJob[]): Id[] => jobs.map((job) => job.id);
        expect(ids(await allUserJobs(exportJob.id))).toHaveLength(4);
        expect(ids(await allUserJobs(exportJob.id, 'IN_PROGRESS'))).toEqual(
          ids([nth(users, 1), nth(users, 3)]),
        );
        expect(ids(await allUserJobs(exportJob.id, 'PENDING'))).toEqual(
          ids([nth(users, 0), nth(users, 2)]),
        );
        expect(await allUserJobs(exportJob.id, 'COMPLETED')).toEqual([]);
        expect(ids(await allUserJobs(exportJob.id))).not.toContain(company.id);
      });
    });

    describe('files', () => {
      it('gives an id floor below every id allocated after it, and below none before', async () => {
        const communityId = await community();
        const before = BigInt(await store.files.allocateId(communityId));
        const floor = BigInt(await store.files.idFloor(communityId));
        const after = await Promise.all([1, 2, 3].map(() => store.files.allocateId(communityId)));
        expect(before < floor).toBe(true);
        for (const id of after) expect(BigInt(id) > floor).toBe(true);
      });

      it('allocates an id, records the file, gets, lists and counts it', async () => {
        const communityId = await community();
        const { company } = await exportWithJobs(communityId, 0);
        const id = await store.files.allocateId(communityId);
        expect(await store.files.get(id)).toBeUndefined();
        const input = {
          jobId: company.id,
          communityId,
          name: 'dyi-part-1.zip',
          size: 10_737_418_240,
          sha256: '0123456789abcdef'.repeat(4),
          contentType: 'application/zip',
          partNumber: 1,
          leftOutCount: 2,
          blobKey: blobKeyForFile(company.exportId, company.id, id),
          createTime: T0 + 3,
        };
        const file = await store.files.create(id, input);
        expect(file).toEqual({ id, ...input, expiredTime: null });
        expect(await store.files.get(id)).toEqual(file);
        expect((await store.files.listByJob(company.id, { limit: 25 })).items).toEqual([file]);
        expect(await store.files.countByJob(company.id)).toBe(1);
        expect(await store.files.countByJob(HIGHEST_ID)).toBe(0);
        expect(await store.findObject(id)).toEqual({ kind: 'dyi_file', communityId });
      });

      it("lists an export's files of completed jobs with their members, and totals them", async () => {
        const communityId = await community();
        const { exportJob, company, users } = await exportWithJobs(communityId, 3);
        const [done, running, other] = [nth(users, 0), nth(users, 1), nth(users, 2)];
        const elsewhere = await exportWithJobs(communityId, [other.userId ?? '']);
        await moveFromPending(company, 'IN_PROGRESS');
        await moveFromPending(done, 'IN_PROGRESS');
        await moveFromPending(running, 'IN_PROGRESS');
        await moveFromPending(elsewhere.company, 'IN_PROGRESS');
        const companyFiles = [await addFile(company, 1), await addFile(company, 2)];
        const doneFile = await addFile(done, 1);
        await addFile(running, 1);
        await addFile(elsewhere.company, 1);
        for (const job of [company, done, elsewhere.company]) {
          expect(
            await store.jobs.transition(job.id, ['IN_PROGRESS'], {
              state: 'COMPLETED',
              time: T0 + 2,
            }),
          ).toBe(true);
        }
        const page = await store.files.listByExport(exportJob.id, { limit: 25 });
        expect(page.items.map((file) => [file.id, file.jobId, file.userId])).toEqual([
          [companyFiles[0], company.id, null],
          [companyFiles[1], company.id, null],
          [doneFile, done.id, done.userId],
        ]);
        expect(page.items[2]).toMatchObject({ name: 'part-1.zip', size: 1001, partNumber: 1 });
        expect(await store.files.totalsOfExport(exportJob.id)).toEqual({
          files: 3,
          bytes: 1001 + 1002 + 1001,
        });
        expect(await store.files.totalsOfExport(HIGHEST_ID)).toEqual({ files: 0, bytes: 0 });
        expect((await store.files.listByExport(HIGHEST_ID, { limit: 25 })).items).toEqual([]);
      });

      it('deletes the files of one job and returns their blob keys', async () => {
        const communityId = await community();
        const { company, users } = await exportWithJobs(communityId, 1);
        const user = nth(users, 0);
        const add = async (jobId: Id, part: number) => {
          const id = await store.files.allocateId(communityId);
          return store.files.create(id, {
            jobId,
            communityId,
            name: `part-${part}.zip`,
            size: part,
            sha256: '0123456789abcdef'.repeat(4),
            contentType: 'application/zip',
            partNumber: part,
            leftOutCount: 0,
            blobKey: blobKeyForFile(company.exportId, jobId, id),
            createTime: T0 + part,
          });
        };
        const first = await add(company.id, 1);
        const second = await add(company.id, 2);
        const kept = await add(user.id, 1);
        expect(await store.files.deleteByJob(company.id)).toEqual([first.blobKey, second.blobKey]);
        expect(await store.files.countByJob(company.id)).toBe(0);
        expect(await store.files.get(first.id)).toBeUndefined();
        expect(await store.findObject(second.id)).toBeUndefined();
        expect(await store.files.get(kept.id)).toEqual(kept);
        expect(await store.files.deleteByJob(company.id)).toEqual([]);
      });
    });

    describe('changeMark', () => {
      it('moves after a create and after a revoke', async () => {
        const before = store.changeMark();
        const communityId = await community();
        const afterCreate = store.changeMark();
        expect(afterCreate).not.toBe(before);
        const { token } = await integrationWithToken(communityId, 'e'.repeat(64));
        const beforeRevoke = store.changeMark();
        await store.tokens.revoke(token.id, T0 + 1);
        expect(store.changeMark()).not.toBe(beforeRevoke);
      });
    });

    describe('schemaVersion', () => {
      it('names the latest migration applied', async () => {
        expect(await store.schemaVersion()).toMatch(/^\d{4}_[a-z0-9_]+$/);
      });

      it('probeSchema finds the schema the code expects', async () => {
        const probe = await store.probeSchema();
        expect(probe.applied).toBe(probe.expected);
        expect(probe.applied).toBe(await store.schemaVersion());
      });
    });

    describe('settings', () => {
      it('getOrCreate keeps the first value', async () => {
        expect(await store.settings.getOrCreate('download-key', () => 'first')).toBe('first');
        expect(await store.settings.getOrCreate('download-key', () => 'second')).toBe('first');
        expect(await store.settings.getOrCreate('other-key', () => 'other')).toBe('other');
        expect(await store.settings.getOrCreate('download-key', () => 'third')).toBe('first');
      });
    });

    describe('admins', () => {
      function newAdmin(communityId: Id, email = 'ada@example.com') {
        return { communityId, email, passwordHash: `hash of ${email}`, createTime: T0 };
      }

      it('creates, gets, finds by email and lists per community', async () => {
        const communityId = await community();
        const otherId = await community('Other');
        const ada = await store.admins.create(newAdmin(communityId));
        expect(ada).toEqual({ id: ada.id, communityId, email: 'ada@example.com', createTime: T0 });
        const bob = await store.admins.create(newAdmin(communityId, 'bob@example.com'));
        await store.admins.create(newAdmin(otherId, 'carl@example.com'));
        expect(await store.admins.get(ada.id)).toEqual(ada);
        expect(await store.admins.findByEmail('ada@example.com')).toEqual({
          ...ada,
          passwordHash: 'hash of ada@example.com',
        });
        expect(await store.admins.findByEmail('nobody@example.com')).toBeUndefined();
        expect(await store.admins.list(communityId)).toEqual([ada, bob]);
        for (const id of [...GARBAGE_IDS, HIGHEST_ID]) {
          expect(await store.admins.get(id)).toBeUndefined();
        }
      });

      it('refuses a second admin with the same email, in any community', async () => {
        const communityId = await community();
        const otherId = await community('Other');
        await store.admins.create(newAdmin(communityId));
        await expect(store.admins.create(newAdmin(otherId))).rejects.toBeInstanceOf(ConflictError);
        expect(await store.admins.list(otherId)).toEqual([]);
      });

      it("sets one admin's password hash, and no one else's", async () => {
        const communityId = await community();
        const { id } = await store.admins.create(newAdmin(communityId));
        const other = await store.admins.create(newAdmin(communityId, 'bob@example.com'));
        await store.admins.setPasswordHash(id, 'new hash');
        expect((await store.admins.findByEmail('ada@example.com'))?.passwordHash).toBe('new hash');
        expect((await store.admins.findByEmail(other.email))?.passwordHash).toBe(
          'hash of bob@example.com',
        );
      });
    });

    describeSignInCounters(() => store);
    describeMemberSearch(() => store);
    describePendingReveals(() => store);
    describeWebhooks(() => store);
    describeRetention(() => store);

    describe('adminSessions', () => {
      async function session(idHash: string, expireTime: number): Promise<AdminSessionRecord> {
        const communityId = await community();
        const admin = await store.admins.create({
          communityId,
          email: `${idHash}@example.com`,
          passwordHash: 'hash',
          createTime: T0,
        });
        const record = {
          idHash,
          adminId: admin.id,
          csrfToken: `csrf-${idHash}`,
          createTime: T0,
          expireTime,
        };
        await store.adminSessions.create(record);
        return record;
      }

      it('finds a session only before it expires', async () => {
        const record = await session('a'.repeat(64), T0 + 60);
        expect(await store.adminSessions.find(record.idHash, T0)).toEqual(record);
        expect(await store.adminSessions.find(record.idHash, T0 + 59)).toEqual(record);
        expect(await store.adminSessions.find(record.idHash, T0 + 60)).toBeUndefined();
        expect(await store.adminSessions.find('b'.repeat(64), T0)).toBeUndefined();
      });

      it('deletes one session, and every expired one with a count', async () => {
        const ended = await session('a'.repeat(64), T0 + 10);
        const expired = await session('b'.repeat(64), T0 + 20);
        const alive = await session('c'.repeat(64), T0 + 30);
        const signedOut = await session('d'.repeat(64), T0 + 30);
        await store.adminSessions.delete(signedOut.idHash);
        await store.adminSessions.delete('e'.repeat(64));
        expect(await store.adminSessions.find(signedOut.idHash, T0)).toBeUndefined();
        expect(await store.adminSessions.find(alive.idHash, T0)).toEqual(alive);

        expect(await store.adminSessions.deleteExpired(T0 + 20)).toBe(2);
        expect(await store.adminSessions.deleteExpired(T0 + 20)).toBe(0);
        // Gone, not merely expired: looking with an earlier time finds nothing either.
        expect(await store.adminSessions.find(ended.idHash, T0)).toBeUndefined();
        expect(await store.adminSessions.find(expired.idHash, T0)).toBeUndefined();
        expect(await store.adminSessions.find(alive.idHash, T0 + 20)).toEqual(alive);
      });
    });

    describe('adminSessions of one admin', () => {
      it("deletes every session of the admin, and no one else's", async () => {
        const communityId = await community();
        const [ann, bob] = await Promise.all(
          ['ann', 'bob'].map((name) =>
            store.admins.create({
              communityId,
              email: `${name}@example.com`,
              passwordHash: 'hash',
              createTime: T0,
            }),
          ),
        );
        const sessionOf = (idHash: string, adminId: Id) => ({
          idHash,
          adminId,
          csrfToken: `csrf-${idHash}`,
          createTime: T0,
          expireTime: T0 + 60,
        });
        for (const [idHash, adminId] of [
          ['a'.repeat(64), ann!.id],
          ['b'.repeat(64), ann!.id],
          ['c'.repeat(64), bob!.id],
        ] as const) {
          await store.adminSessions.create(sessionOf(idHash, adminId));
        }
        await store.adminSessions.deleteByAdmin(ann!.id);
        expect(await store.adminSessions.find('a'.repeat(64), T0)).toBeUndefined();
        expect(await store.adminSessions.find('b'.repeat(64), T0)).toBeUndefined();
        expect(await store.adminSessions.find('c'.repeat(64), T0)).toEqual(
          sessionOf('c'.repeat(64), bob!.id),
        );
      });
    });

    describe('imports', () => {
      function run(communityId: Id, n: number, overrides: Partial<ImportRun> = {}) {
        return {
          communityId,
          source: `batch-${n}.ndjson`,
          startTime: T0 + n,
          endTime: T0 + n + 1,
          succeeded: true,
          records: { member: n, post: 10 * n },
          error: null,
          ...overrides,
        };
      }

      it('records a run and gives it back the same, failed ones with their error', async () => {
        const communityId = await community();
        const ok = await store.imports.record(run(communityId, 1));
        expect(ok).toEqual({ id: ok.id, ...run(communityId, 1) });
        const failed = await store.imports.record(
          run(communityId, 2, {
            succeeded: false,
            records: {},
            error: 'line 3: "author" names no member <m9> & "quotes"\nline 4: …',
          }),
        );
        expect(ok.id).not.toBe(failed.id);
        expect(await store.imports.latest(communityId, 10)).toEqual([failed, ok]);
      });

      it('lists the latest runs of one community, newest first, at most limit', async () => {
        const communityId = await community();
        const otherId = await community('Other');
        const runs: ImportRun[] = [];
        for (let n = 1; n <= 5; n++) {
          runs.push(await store.imports.record(run(communityId, n)));
          await store.imports.record(run(otherId, n, { source: 'other.ndjson' }));
        }
        const newestFirst = [...runs].reverse();
        expect(await store.imports.latest(communityId, 3)).toEqual(newestFirst.slice(0, 3));
        expect(await store.imports.latest(communityId, 10)).toEqual(newestFirst);
        const others = await store.imports.latest(otherId, 10);
        expect(others).toHaveLength(5);
        expect(others.every((r) => r.communityId === otherId)).toBe(true);
        expect(await store.imports.latest(await community('Empty'), 10)).toEqual([]);
      });
    });

    describe('paging', () => {
      const LIMIT = 3;
      /** Empty, one, exactly a page, a page and one, several pages with a short last one. */
      const SIZES = [0, 1, LIMIT, LIMIT + 1, 3 * LIMIT + 2];

      describe.each(SIZES)('exports.list (newest first) over %i items', (size) => {
        it('pages forward and backward without gaps or repeats', async () => {
          const communityId = await community();
          const otherId = await community('Other');
          const created: Id[] = [];
          for (let i = 0; i < size; i++) {
            // Another community's exports between ours: positions fall between list items.
            await store.exports.create(newExport(otherId), plan([]));
            const input = newExport(communityId, { createTime: T0 + i });
            created.push((await store.exports.create(input, plan([]))).id);
          }
          await store.exports.create(newExport(otherId), plan([]));
          await checkPaging(
            (page) => store.exports.list(communityId, page),
            created.reverse(),
            'desc',
          );
        });
      });

      describe.each(SIZES)('jobs.listUserJobs over %i items', (size) => {
        it('pages forward and backward without gaps or repeats', async () => {
          const communityId = await community();
          // Other exports' jobs on both sides; the company job sits right before the first.
          await exportWithJobs(communityId, 2);
          const { exportJob, users } = await exportWithJobs(communityId, size);
          await exportWithJobs(communityId, 2);
          expect(users).toHaveLength(size);
          await checkPaging(
            (page) => store.jobs.listUserJobs(exportJob.id, page),
            users.map((job) => job.id),
            'asc',
          );
        });

        it('pages a state filter without gaps or repeats', async () => {
          const communityId = await community();
          const { exportJob, users } = await exportWithJobs(communityId, 2 * size + 1);
          // Every other job runs: the filtered list has holes between its ids.
          const running = users.filter((_, i) => i % 2 === 1);
          for (const job of running) await moveFromPending(job, 'IN_PROGRESS');
          await checkPaging(
            (page) => store.jobs.listUserJobs(exportJob.id, page, { state: 'IN_PROGRESS' }),
            running.map((job) => job.id),
            'asc',
          );
        });
      });

      describe.each(SIZES)('files.listByJob over %i items', (size) => {
        it('pages forward and backward without gaps or repeats', async () => {
          const communityId = await community();
          const { company, users } = await exportWithJobs(communityId, 1);
          const neighbour = nth(users, 0);
          const fileIds: Id[] = [];
          for (let part = 1; part <= size; part++) {
            await addFile(neighbour, part);
            fileIds.push(await addFile(company, part));
          }
          await addFile(neighbour, size + 1);
          await checkPaging((page) => store.files.listByJob(company.id, page), fileIds, 'asc');
        });
      });

      describe.each(SIZES)('files.listByExport over %i items', (size) => {
        it('pages forward and backward without gaps or repeats', async () => {
          const communityId = await community();
          const { company, users } = await exportWithJobs(communityId, 2);
          const [member, running] = [nth(users, 0), nth(users, 1)];
          for (const job of [company, member, running]) await moveFromPending(job, 'IN_PROGRESS');
          const fileIds: Id[] = [];
          for (let part = 1; part <= size; part++) {
            await addFile(running, part);
            fileIds.push(await addFile(part % 2 === 0 ? company : member, part));
          }
          for (const job of [company, member]) {
            await store.jobs.transition(job.id, ['IN_PROGRESS'], { state: 'COMPLETED', time: T0 });
          }
          await checkPaging(
            (page) => store.files.listByExport(company.exportId, page),
            fileIds,
            'asc',
          );
        });
      });

      it('pages with a limit of one', async () => {
        const communityId = await community();
        const { exportJob, users } = await exportWithJobs(communityId, 3);
        await checkPaging(
          (page) => store.jobs.listUserJobs(exportJob.id, page),
          users.map((job) => job.id),
          'asc',
          1,
        );
      });

      /**
       * Walks a list every way a client can and checks each page against `expected` (every
       * item id in list order). `order` says whether list order is ascending or descending
       * ids, which is what decides the positions beyond either end.
       */
      async function checkPaging(
        list: (page: PageRequest) => MaybePromise<Page<{ readonly id: Id }>>,
        expected: readonly Id[],
        order: 'asc' | 'desc',
        limit = LIMIT,
      ): Promise<void> {
        const [beforeStart, pastEnd] =
          order === 'asc' ? [LOWEST_ID, HIGHEST_ID] : [HIGHEST_ID, LOWEST_ID];
        const ids = (page: Page<{ readonly id: Id }>): Id[] => page.items.map((item) => item.id);
        const pageCount = Math.max(1, Math.ceil(expected.length / limit));

        // Forward: `after` = the last id of the page, as the Graph `next` link does.
        const forward: Id[] = [];
        let after: Id | undefined;
        for (let n = 1; ; n++) {
          expect(n, 'forward walk does not end').toBeLessThanOrEqual(pageCount);
          const page = await list({ limit, after });
          const isLast = n === pageCount;
          expect(ids(page), `forward page ${n}`).toEqual(
            expected.slice((n - 1) * limit, n * limit),
          );
          expect(page.hasNext, `hasNext of forward page ${n}`).toBe(!isLast);
          expect(page.hasPrevious, `hasPrevious of forward page ${n}`).toBe(n > 1);
          forward.push(...ids(page));
          if (!page.hasNext) break;
          after = page.items.at(-1)?.id;
        }
        expect(forward).toEqual(expected);

        // Backward from beyond the end, then `before` = the first id of the page.
        const backward: Id[][] = [];
        let before: Id = pastEnd;
        for (let n = 1; ; n++) {
          expect(n, 'backward walk does not end').toBeLessThanOrEqual(pageCount);
          const page = await list({ limit, before });
          const end = expected.length - (n - 1) * limit;
          expect(ids(page), `backward page ${n}`).toEqual(
            expected.slice(Math.max(0, end - limit), end),
          );
          expect(page.hasPrevious, `hasPrevious of backward page ${n}`).toBe(end > limit);
          expect(page.hasNext, `hasNext of backward page ${n}`).toBe(n > 1);
          backward.unshift(ids(page));
          if (!page.hasPrevious) break;
          before = nth(page.items, 0).id;
        }
        expect(backward.flat()).toEqual(expected);

        const first = expected[0];
        const last = expected.at(-1);
        if (first !== undefined && last !== undefined) {
          // Backward from the last item, as a `previous` link from the end does.
          const fromLast = await list({ limit, before: last });
          const end = expected.length - 1;
          expect(ids(fromLast)).toEqual(expected.slice(Math.max(0, end - limit), end));
          expect(fromLast.hasNext).toBe(true);
          expect(fromLast.hasPrevious).toBe(end > limit);

          // After the last item: the end of the list, no `next`.
          expect(await list({ limit, after: last })).toEqual({
            items: [],
            hasPrevious: true,
            hasNext: false,
          });
          // Before the first item: nothing, and the whole list lies after.
          expect(await list({ limit, before: first })).toEqual({
            items: [],
            hasPrevious: false,
            hasNext: true,
          });
        }

        // Positions beyond either end of the list.
        const hasItems = expected.length > 0;
        expect(await list({ limit, after: pastEnd })).toEqual({
          items: [],
          hasPrevious: hasItems,
          hasNext: false,
        });
        expect(await list({ limit, before: beforeStart })).toEqual({
          items: [],
          hasPrevious: false,
          hasNext: hasItems,
        });
        // From before the start, `after` gives the first page like no position at all.
        const fromStart = await list({ limit, after: beforeStart });
        expect(ids(fromStart)).toEqual(expected.slice(0, limit));
        expect(fromStart.hasNext).toBe(expected.length > limit);
        expect(fromStart.hasPrevious).toBe(false);
      }
    });
  });
}
