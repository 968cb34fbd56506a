import { describe, expect, it } from 'vitest';
import { RequestBudget } from '../graph/request-budget.js';
import { AnswerMemo, type KeptAnswer } from './answer-memo.js';

const LIMITS = {
  graphMaxObjects: 100,
  graphMaxEstimatedObjects: 100,
  graphMaxDepth: 3,
  graphMaxResponseBytes: 1024,
  graphObjectsPerCall: 10,
};

function answer(body: string): KeptAnswer {
  return { body, budget: new RequestBudget(LIMITS) };
}

/** A memo over a settable change mark and clock, counting what it gives again. */
function setUp(maxChars = 1000) {
  const state = { mark: 1, now: 1_700_000_000_000 };
  const reused = { count: 0, inc: () => (reused.count += 1) };
  const memo = new AnswerMemo(
    { changeMark: () => state.mark },
    { now: () => state.now },
    maxChars,
    reused,
  );
  return { memo, state, reused };
}

describe('AnswerMemo', () => {
  it('gives an answer again within its window, and counts it', () => {
    const { memo, state, reused } = setUp();
    expect(memo.find('k')).toBeUndefined();
    memo.keep('k', memo.window(), answer('{"id":"1"}'));
    state.now += 999 - (state.now % 1000);
    expect(memo.find('k')?.body).toBe('{"id":"1"}');
    expect(memo.find('other')).toBeUndefined();
    expect(reused.count).toBe(1);
  });

  it('starts empty when the change mark moves', () => {
    const { memo, state } = setUp();
    memo.keep('k', memo.window(), answer('{}'));
    state.mark += 1;
    expect(memo.find('k')).toBeUndefined();
  });

  it('starts empty when the second ends', () => {
    const { memo, state } = setUp();
    memo.keep('k', memo.window(), answer('{}'));
    state.now += 1000;
    expect(memo.find('k')).toBeUndefined();
  });

  it('does not keep an answer read across a change or a second', () => {
    const { memo, state } = setUp();
    const started = memo.window();
    state.mark += 1;
    memo.keep('k', started, answer('{"old":true}'));
    expect(memo.find('k')).toBeUndefined();

    const next = memo.window();
    state.now += 1000;
    memo.keep('k', next, answer('{"old":true}'));
    state.now -= 1000;
    // Back in the earlier second: a new window all the same, and empty.
    expect(memo.find('k')).toBeUndefined();
  });

  it('keeps nothing under a store that cannot tell (a new mark on every call)', () => {
    let mark = 0;
    const memo = new AnswerMemo({ changeMark: () => (mark += 1) }, { now: () => 0 }, 1000);
    memo.keep('k', memo.window(), answer('{}'));
    expect(memo.find('k')).toBeUndefined();
  });

  it('keeps answers up to its size, then no more, and keeps the first of a key', () => {
    const { memo } = setUp(30);
    const window = memo.window();
    memo.keep('a', window, answer('x'.repeat(20))); // 21 characters with its key
    memo.keep('b', window, answer('y'.repeat(20))); // would be 42: not kept
    memo.keep('c', window, answer('z'.repeat(5))); // 27: kept
    memo.keep('a', window, answer('w'));
    expect(memo.find('a')?.body).toBe('x'.repeat(20));
    expect(memo.find('b')).toBeUndefined();
    expect(memo.find('c')?.body).toBe('zzzzz');
  });
});
