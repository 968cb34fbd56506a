/**
 * Fault profiles as `--faults` and `DYI_FAULTS` name them (built-ins, settings, JSON files, and
 * what is refused with which message), and the seeded dice that pick the faults.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../domain/index.js';
import { FaultDice } from './fault-dice.js';
import { BUILT_IN_PROFILES, describeFaultProfile, parseFaultProfile } from './fault-profile.js';

describe('parseFaultProfile', () => {
  it('knows every built-in profile by name, with the documented rates', () => {
    expect(Object.keys(BUILT_IN_PROFILES)).toEqual([
      'flaky',
      'rate-limited',
      'slow',
      'broken-downloads',
      'everything',
    ]);
    const flaky = parseFaultProfile('flaky');
    expect(flaky).toMatchObject({ name: 'flaky', transient: 0.1, cut: 0.05, rate_limit: 0 });
    expect(parseFaultProfile('everything').stall_ms).toBe(35_000);
  });

  it('takes settings alone, or a built-in with changes', () => {
    expect(parseFaultProfile('transient=0.1, cut=0.2,stall_ms=500')).toMatchObject({
      transient: 0.1,
      cut: 0.2,
      stall_ms: 500,
      rate_limit: 0,
    });
    expect(parseFaultProfile('flaky,cut=0.3')).toMatchObject({ transient: 0.1, cut: 0.3 });
  });

  it('reads a JSON file, optionally starting from a built-in', () => {
    const files: Record<string, string> = {
      'mine.json': '{"profile":"rate-limited","slow":0.5,"slow_ms":100}',
    };
    expect(parseFaultProfile('mine.json', (file) => files[file] ?? '')).toMatchObject({
      name: 'mine.json',
      rate_limit: 0.25,
      slow: 0.5,
      slow_ms: 100,
    });
  });

  it.each([
    [
      'flakey',
      /does not know the profile "flakey".*flaky, rate-limited, slow, broken-downloads, everything/,
    ],
    ['', /does not know an empty profile/],
    ['transient=0.1,flaky', /a built-in profile can only come first/],
    ['timeout=0.1', /does not know the setting "timeout".*rate_limit, transient, page_retry/],
    ['cut=20', /cut=20 is not a chance: give a number from 0 to 1/],
    ['cut=', /cut= is not a chance/],
    ['stall_ms=-1', /stall_ms=-1 is not allowed: give a whole number from 0 to 3600000/],
    [
      'transient=0.5,cut=0.4,stall=0.2',
      /add up to more than 1 .*downloads: transient \+ cut \+ stall \+ expired = 1.1/,
    ],
  ])('refuses %j with a clear error', (spec, message) => {
    expect(() => parseFaultProfile(spec)).toThrow(ConfigurationError);
    expect(() => parseFaultProfile(spec)).toThrow(message);
  });

  it('refuses a JSON file it cannot read or that holds no object', () => {
    expect(() =>
      parseFaultProfile('gone.json', () => {
        throw new Error('ENOENT: no such file');
      }),
    ).toThrow(/Cannot read the fault profile gone.json: ENOENT/);
    expect(() => parseFaultProfile('list.json', () => '[1]')).toThrow(
      /does not hold a JSON object/,
    );
    expect(() => parseFaultProfile('p.json', () => '{"profile":"nope"}')).toThrow(
      /does not know the profile "nope"/,
    );
  });

  it('describes a profile in one line for the banner', () => {
    expect(describeFaultProfile(parseFaultProfile('transient=0.1,cut=0.25'))).toBe(
      'transient 10 %, cut 25 % (slow_ms=2000, stall_ms=35000, retry_after_s=1)',
    );
  });
});

describe('FaultDice', () => {
  it('rolls the same numbers for the same seed and requests, whatever their order', () => {
    const first = new FaultDice(42);
    const second = new FaultDice(42);
    const a1 = first.roll('GET', '/1/files?access_token=x', 2);
    const b1 = first.roll('GET', '/2/files', 2);
    const b2 = second.roll('GET', '/2/files', 2);
    // Another token, the same request: the same roll.
    const a2 = second.roll('GET', '/1/files?access_token=y', 2);
    expect(a2).toEqual(a1);
    expect(b2).toEqual(b1);
    // A retry rolls again; another seed rolls otherwise.
    expect(first.roll('GET', '/1/files', 2)).not.toEqual(a1);
    expect(new FaultDice(43).roll('GET', '/1/files', 2)).not.toEqual(a1);
  });

  it('rolls evenly in [0, 1)', () => {
    const dice = new FaultDice(1);
    const rolls = Array.from({ length: 4000 }, () => dice.roll('GET', '/x', 1)[0] ?? -1);
    expect(Math.min(...rolls)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...rolls)).toBeLessThan(1);
    const belowTenth = rolls.filter((roll) => roll < 0.1).length;
    expect(belowTenth).toBeGreaterThan(320);
    expect(belowTenth).toBeLessThan(480);
  });
});
