/**
 * @module
 * The part of the MetadataStore contract about secrets waiting for their one-time page
 * (`PendingRevealRepository`), run by `runMetadataStoreContract` on every adapter: a reveal
 * is taken once, by its owner only, before it expires, and by one of several takes made at
 * once; an owner's flood of reveals pushes out only that owner's oldest.
 */
import { describe, expect, it } from 'vitest';
import type { MetadataStore, PendingReveal } from './metadata-store.js';

const T = 1_767_225_600_000;
const TTL = 300_000;

function reveal(id: string, ownerHash = 'owner-a', expireTimeMs = T + TTL): PendingReveal {
  return { id, ownerHash, ciphertext: `ciphertext of ${id}`, expireTimeMs };
}

export function describePendingReveals(store: () => MetadataStore): void {
  describe('pendingReveals', () => {
    it('gives a reveal once, to its owner only', async () => {
      const reveals = store().pendingReveals;
      await reveals.put(reveal('r1'), 10);
      expect(await reveals.take('r1', 'owner-b', T)).toBeUndefined();
      expect(await reveals.take('made-up', 'owner-a', T)).toBeUndefined();
      // Another owner's attempt took nothing away from the owner.
      expect(await reveals.take('r1', 'owner-a', T)).toBe('ciphertext of r1');
      expect(await reveals.take('r1', 'owner-a', T)).toBeUndefined();
    });

    it('gives nothing from the moment a reveal expires, and deletes it then', async () => {
      const reveals = store().pendingReveals;
      await reveals.put(reveal('early', 'owner-a', T + 10), 10);
      await reveals.put(reveal('late', 'owner-a', T + 20), 10);
      await reveals.put(reveal('later', 'owner-b', T + 30), 10);
      expect(await reveals.take('early', 'owner-a', T + 9)).toBe('ciphertext of early');
      expect(await reveals.take('late', 'owner-a', T + 20)).toBeUndefined();
      expect(await reveals.deleteExpired(T + 20)).toBe(1);
      expect(await reveals.deleteExpired(T + 20)).toBe(0);
      expect(await reveals.take('later', 'owner-b', T + 29)).toBe('ciphertext of later');
    });

    it('keeps at most the given number per owner, dropping the first to expire', async () => {
      const reveals = store().pendingReveals;
      await reveals.put(reveal('other', 'owner-b', T), 2);
      for (let n = 1; n <= 4; n++) await reveals.put(reveal(`r${n}`, 'owner-a', T + n), 2);
      expect(await reveals.take('r1', 'owner-a', T)).toBeUndefined();
      expect(await reveals.take('r2', 'owner-a', T)).toBeUndefined();
      expect(await reveals.take('r3', 'owner-a', T)).toBe('ciphertext of r3');
      expect(await reveals.take('r4', 'owner-a', T)).toBe('ciphertext of r4');
      // Another owner's reveals are not pushed out by this one's flood.
      expect(await reveals.take('other', 'owner-b', T - 1)).toBe('ciphertext of other');
    });

    it('gives a reveal to exactly one of many takes made at once', async () => {
      const reveals = store().pendingReveals;
      for (let n = 0; n < 5; n++) {
        await reveals.put(reveal(`r${n}`), 10);
        const answers = await Promise.all(
          Array.from({ length: 8 }, () => reveals.take(`r${n}`, 'owner-a', T)),
        );
        expect(answers.filter((answer) => answer !== undefined)).toEqual([`ciphertext of r${n}`]);
      }
    });
  });
}
