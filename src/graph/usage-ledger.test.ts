/**
 * @module
 * The usage ledger on the in-memory counters: which budget refuses (and with which scope),
 * expensive reads charged without refusal, exports created, and time: a call's wall time shows
 * in its token's next answer, and process CPU time is shared among tokens by their wall time.
 */
import { describe, expect, it } from 'vitest';
import { MemoryUsageCounters } from '../adapters/memory/memory-usage-counters.js';
import { PostgresUsageCounters } from '../adapters/postgres/postgres-usage-counters.js';
import { type Principal, RateLimitedError } from '../domain/index.js';
import type { UsageCounters } from '../ports/usage-counters.js';
import { type UsageAdmission, UsageLedger, type UsageLimits } from './usage-ledger.js';

const NOW = 1_767_225_600_000;
const clock = { now: () => NOW };

function principal(tokenId: string, communityId = 'c1'): Principal {
  return { tokenId, integrationId: 'i1', communityId, permissions: [] };
}

function ledger(
  limits: Partial<UsageLimits>,
  counters: UsageCounters = new MemoryUsageCounters(),
  onWriteError: (error: unknown) => void = () => undefined,
): UsageLedger {
  const all = { tokenCalls: 0, communityCalls: 0, exportsCreated: 0, windowSeconds: 60, ...limits };
  return new UsageLedger({ counters, clock, limits: all, onWriteError });
}

/** The in-memory store answers synchronously; so does the ledger on it. */
function now<T>(value: T | Promise<T>): T {
  if (value instanceof Promise) throw new Error('expected a synchronous answer');
  return value;
}

describe('UsageLedger', () => {
  it("refuses past a token's budget with scope token, and past a community's with endpoint", () => {
    const usage = ledger({ tokenCalls: 2, communityCalls: 3 });
    const admit = (tokenId: string): UsageAdmission => now(usage.admit(principal(tokenId)));
    expect(admit('t1')).toMatchObject({ token: { callCount: 50 }, community: { callCount: 33 } });
    expect(admit('t1').refusal).toBeUndefined();
    expect(admit('t1').refusal).toMatchObject({ scope: 'token', retryAfterSeconds: 60 });
    // t1's refused call counted for the community too: 4 of 3, so t2 is refused at once.
    const other = admit('t2');
    expect(other.refusal).toMatchObject({ scope: 'endpoint' });
    expect(other.community.callCount).toBe(100);
  });

  it('charges an expensive read without refusing, and the next call pays', () => {
    const usage = ledger({ tokenCalls: 10 });
    expect(now(usage.admit(principal('t1'))).token.callCount).toBe(10);
    const charged = now(usage.charge(principal('t1'), 12));
    expect(charged.token.callCount).toBe(100);
    expect(charged.refusal).toBeUndefined();
    expect(now(usage.admit(principal('t1'))).refusal).toBeInstanceOf(RateLimitedError);
  });

  it('limits exports created per community, and reports them with every call', () => {
    const usage = ledger({ exportsCreated: 1 });
    now(usage.admitExport('c1'));
    expect(() => usage.admitExport('c1')).toThrow(RateLimitedError);
    now(usage.admitExport('c2'));
    expect(now(usage.admit(principal('t1', 'c1'))).exportsCreated.callCount).toBe(100);
  });

  it("shows a call's wall time in the next answer, and shares CPU time by wall time", () => {
    const usage = ledger({ windowSeconds: 1 });
    usage.addTime('t1', 300);
    usage.addTime('t2', 100);
    // t1's next call carries its wall time; t2's is written with the CPU share.
    expect(now(usage.admit(principal('t1'))).token).toMatchObject({ totalTime: 30 });
    usage.chargeCpu(600);
    expect(now(usage.admit(principal('t1'))).token).toMatchObject({
      totalTime: 30,
      totalCputime: 45,
    });
    expect(now(usage.admit(principal('t2'))).token).toMatchObject({
      totalTime: 10,
      totalCputime: 15,
    });
    // Nothing served since: CPU time goes to no one.
    usage.chargeCpu(500);
    expect(now(usage.admit(principal('t2'))).token.totalCputime).toBe(15);
  });

  it('tells when time spent could not be written', async () => {
    const errors: unknown[] = [];
    // A store that was never opened fails every count.
    const closed = new PostgresUsageCounters({ url: 'postgres://127.0.0.1:9/none' });
    const usage = ledger({}, closed, (error) => errors.push(error));
    usage.addTime('t1', 10);
    usage.chargeCpu(5);
    await expect.poll(() => errors.length).toBe(1);
    expect(String(errors[0])).toMatch(/before init/);
  });
});
