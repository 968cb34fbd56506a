/**
 * @module
 * The part of the MetadataStore contract about the admin panel's counters of wrong passwords
 * (`SignInCounterRepository`), run by `runMetadataStoreContract` on every adapter: an attempt
 * is counted before it is judged, attempts made at once see each other, a lock counts nothing,
 * and counters start again from zero when a sign-in or a new password forgets them, or after
 * a quiet while.
 */
import { describe, expect, it } from 'vitest';
import type { SignInLockPolicy } from '../domain/index.js';
import type { MetadataStore, SignInCounterRule } from './metadata-store.js';

const T = 1_767_225_600_000;
const POLICY: SignInLockPolicy = { firstLockMs: 1000, maxLockMs: 4000, forgetAfterMs: 60_000 };

function rule(account: string, address: string, freeFailures: number): SignInCounterRule {
  return { account, address, freeFailures };
}

export function describeSignInCounters(store: () => MetadataStore): void {
  describe('signInCounters', () => {
    it('counts attempts until a counter locks, for longer after each further one', async () => {
      const counters = store().signInCounters;
      const pair = rule('ada', '192.0.2.1', 2);
      expect(await counters.reserve([pair], POLICY, T)).toBeUndefined();
      expect(await counters.reserve([pair], POLICY, T)).toBeUndefined();
      expect(await counters.reserve([pair], POLICY, T)).toEqual({ rule: pair, waitMs: 1000 });
      // A refused attempt counts nothing: the lock does not grow while it lasts.
      expect(await counters.reserve([pair], POLICY, T + 999)).toEqual({ rule: pair, waitMs: 1 });
      expect(await counters.reserve([pair], POLICY, T + 1000)).toBeUndefined();
      expect(await counters.reserve([pair], POLICY, T + 1000)).toMatchObject({ waitMs: 2000 });
      expect(await counters.reserve([pair], POLICY, T + 3000)).toBeUndefined();
      expect(await counters.reserve([pair], POLICY, T + 3000)).toMatchObject({ waitMs: 4000 });
      expect(await counters.reserve([pair], POLICY, T + 7000)).toBeUndefined();
      expect(await counters.reserve([pair], POLICY, T + 7000)).toMatchObject({ waitMs: 4000 });
      // Another account, or the same one from another address, is counted apart.
      expect(await counters.reserve([rule('bob', '192.0.2.1', 2)], POLICY, T)).toBeUndefined();
      expect(await counters.reserve([rule('ada', '192.0.2.2', 2)], POLICY, T)).toBeUndefined();
    });

    it('lets through no more attempts made at once than a counter allows', async () => {
      const counters = store().signInCounters;
      const rules = [rule('ada', '192.0.2.1', 5), rule('', '192.0.2.1', 50)];
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => counters.reserve(rules, POLICY, T)),
      );
      expect(answers.filter((answer) => answer === undefined)).toHaveLength(5);
    });

    it('answers the longest lock of several, and counts on none of them then', async () => {
      const counters = store().signInCounters;
      const address = rule('', '192.0.2.1', 3);
      const ada = rule('ada', '192.0.2.1', 1);
      expect(await counters.reserve([ada, address], POLICY, T)).toBeUndefined();
      expect(await counters.reserve([ada, address], POLICY, T)).toEqual({
        rule: ada,
        waitMs: 1000,
      });
      for (const account of ['bob', 'carl']) {
        expect(
          await counters.reserve([rule(account, '192.0.2.1', 1), address], POLICY, T),
        ).toBeUndefined();
      }
      // The address has counted three, not four: Ada's refused attempt was not counted.
      const dora = rule('dora', '192.0.2.1', 1);
      expect(await counters.reserve([dora, address], POLICY, T + 500)).toEqual({
        rule: address,
        waitMs: 500,
      });
    });

    it('forgets a signed-in counter and refunds one attempt to another', async () => {
      const counters = store().signInCounters;
      const ada = rule('ada', '192.0.2.1', 2);
      const address = rule('', '192.0.2.1', 2);
      await counters.reserve([ada, address], POLICY, T);
      await counters.reserve([ada, address], POLICY, T);
      await counters.settle([ada], [address]);
      // Ada starts from zero; the address holds one, so one more attempt is free, not two.
      expect(await counters.reserve([ada], POLICY, T)).toBeUndefined();
      expect(await counters.reserve([address], POLICY, T)).toBeUndefined();
      expect(await counters.reserve([address], POLICY, T)).toMatchObject({ rule: address });
      // A refund never goes below zero, and settling unknown counters changes nothing.
      const fresh = rule('', '192.0.2.9', 1);
      await counters.settle([rule('nobody', 'nowhere', 1)], [fresh, fresh]);
      expect(await counters.reserve([fresh], POLICY, T)).toBeUndefined();
      expect(await counters.reserve([fresh], POLICY, T)).toMatchObject({ rule: fresh });
    });

    it("forgets an account from every address, and no one else's counters", async () => {
      const counters = store().signInCounters;
      const locked = [
        rule('ada', '192.0.2.1', 1),
        rule('ada', '192.0.2.2', 1),
        rule('bob', '192.0.2.1', 1),
        rule('', '192.0.2.1', 1),
      ];
      for (const each of locked) await counters.reserve([each], POLICY, T);
      await counters.forgetAccount('ada');
      expect(await counters.reserve([nth(locked, 0)], POLICY, T)).toBeUndefined();
      expect(await counters.reserve([nth(locked, 1)], POLICY, T)).toBeUndefined();
      expect(await counters.reserve([nth(locked, 2)], POLICY, T)).toMatchObject({ waitMs: 1000 });
      expect(await counters.reserve([nth(locked, 3)], POLICY, T)).toMatchObject({ waitMs: 1000 });
    });

    it('starts a counter again from zero after a quiet while', async () => {
      const counters = store().signInCounters;
      const ada = rule('ada', '192.0.2.1', 2);
      for (let i = 0; i < 5; i++) await counters.reserve([ada], POLICY, T + i * 4000);
      expect(await counters.reserve([ada], POLICY, T + 16_001)).toMatchObject({ waitMs: 3999 });
      const quiet = T + 16_000 + POLICY.forgetAfterMs;
      expect(await counters.reserve([ada], POLICY, quiet)).toBeUndefined();
      expect(await counters.reserve([ada], POLICY, quiet)).toBeUndefined();
      expect(await counters.reserve([ada], POLICY, quiet)).toMatchObject({ waitMs: 1000 });
    });
  });
}

function nth<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`expected an item at index ${index}`);
  return item;
}
