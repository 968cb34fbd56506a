/**
 * @module
 * The contract every MetadataStore's audit trail keeps, run on SQLite and PostgreSQL
 * (`runAuditContract`): records numbered 1, 2, 3… each chained to the one before; a write's
 * `audit` entry committed with the write or not at all; the list filtered and paged newest
 * first; and appends from two stores at once (two connections, two pools) never forking the
 * chain.
 */
import { describe, expect, it } from 'vitest';
import { AUDIT_GENESIS_HASH, type AuditEntry, auditHash, findAuditBreak } from '../domain/index.js';
import type { MetadataStore } from './metadata-store.js';

export interface AuditContractOptions {
  /**
   * Two stores of this process cannot append at once here (SQLite: one blocks the thread while
   * it waits for the other's lock); a test of two processes covers it instead.
   */
  readonly twoStoresBlock?: boolean;
  /** A fresh, initialised store; `again` opens a second store on the same database. */
  open(ctx: { skip(note?: string): void }): Promise<{
    store: MetadataStore;
    again(): Promise<MetadataStore>;
  }>;
}

const entry = (time: number, overrides: Partial<AuditEntry> = {}): AuditEntry => ({
  time,
  act: 'file.download',
  actor: { type: 'signed_url' },
  client: { address: '192.0.2.7', userAgent: 'curl/8' },
  communityId: '1',
  objectType: 'dyi_file',
  objectId: '42',
  ...overrides,
});

export function runAuditContract(name: string, options: AuditContractOptions): void {
  describe(`${name}: audit trail`, () => {
    it('numbers records from 1 and chains each to the one before', async (ctx) => {
      const { store } = await options.open(ctx);
      const first = await store.audit.append(entry(100));
      const second = await store.audit.append(
        entry(101, { act: 'export.cancel', details: { b: 1, a: 'x' } }),
      );
      expect(first.seq).toBe(1);
      expect(first.prevHash).toBe(AUDIT_GENESIS_HASH);
      expect(second.seq).toBe(2);
      expect(second.prevHash).toBe(first.hash);
      expect(second.details).toBe('{"a":"x","b":1}');
      const { hash, ...unhashed } = second;
      expect(auditHash(unhashed)).toBe(hash);
      const stored = await store.audit.scan(0, 10);
      expect(stored).toEqual([first, second]);
      expect(findAuditBreak(stored, undefined)).toBeUndefined();
    });

    it("commits a write's audit entry with the write, with the id it created", async (ctx) => {
      const { store } = await options.open(ctx);
      const community = await store.communities.create({ name: 'Acme', createTime: 1 });
      const integration = await store.integrations.create(
        {
          communityId: community.id,
          name: 'Exporter',
          appSecret: 'secret',
          requireAppsecretProof: false,
          createTime: 1,
        },
        entry(5, { act: 'integration.create', objectType: 'integration', objectId: null }),
      );
      expect(await store.integrations.rename('999999', 'gone', entry(6))).toBe(false);
      const records = await store.audit.scan(0, 10);
      expect(records.map((r) => [r.act, r.objectId])).toEqual([
        ['integration.create', integration.id],
      ]);
    });

    it('lists newest first, filtered by community, time, act and actor, paged by seq', async (ctx) => {
      const { store } = await options.open(ctx);
      for (let i = 0; i < 7; i++) {
        await store.audit.append(
          entry(1000 + i, {
            communityId: i % 2 === 0 ? '1' : '2',
            act: i < 3 ? 'export.create' : 'file.download',
            actor:
              i === 4
                ? { type: 'admin', adminId: '9', adminEmail: 'a@b.example' }
                : { type: 'cli' },
          }),
        );
      }
      const first = await store.audit.list({ communityId: '1' }, { limit: 2 });
      expect(first.items.map((r) => r.seq)).toEqual([7, 5]);
      expect(first).toMatchObject({ hasPrevious: false, hasNext: true });
      const second = await store.audit.list({ communityId: '1' }, { limit: 2, after: '5' });
      expect(second.items.map((r) => r.seq)).toEqual([3, 1]);
      expect(second).toMatchObject({ hasPrevious: true, hasNext: false });
      const back = await store.audit.list({ communityId: '1' }, { limit: 2, before: '3' });
      expect(back.items.map((r) => r.seq)).toEqual([7, 5]);
      const timed = await store.audit.list({ since: 1002, until: 1005 }, { limit: 10 });
      expect(timed.items.map((r) => r.seq)).toEqual([5, 4, 3]);
      expect(await store.audit.count({ since: 1002, until: 1005 })).toBe(3);
      const acts = await store.audit.list({ act: 'export.create' }, { limit: 10 });
      expect(acts.items.map((r) => r.seq)).toEqual([3, 2, 1]);
      const byEmail = await store.audit.list({ actor: 'a@b.example' }, { limit: 10 });
      expect(byEmail.items.map((r) => r.seq)).toEqual([5]);
      expect(await store.audit.count({ actorType: 'cli', communityId: '2' })).toBe(3);
    });

    // Not where two stores of one process cannot append at once (`twoStoresBlock`).
    if (!options.twoStoresBlock)
      it('keeps one linear chain when two stores append at once', async (ctx) => {
        const opened = await options.open(ctx);
        const store = opened.store;
        const other = await opened.again();
        try {
          await Promise.all(
            [store, other].map(async (each, n) => {
              for (let i = 0; i < 25; i++) {
                await each.audit.append(entry(2000 + i, { objectId: `${n}-${i}` }));
              }
            }),
          );
          const records = await store.audit.scan(0, 100);
          expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
          expect(findAuditBreak(records, undefined)).toBeUndefined();
        } finally {
          await other.close();
        }
      });
  });
}
