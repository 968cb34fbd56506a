/**
 * @module
 * Tests of the per-request cost budget: the up-front plan against depth and worst-case
 * objects, the running counts of objects and bytes, and what a request costs in calls.
 */
import { describe, expect, it } from 'vitest';
import { TooMuchDataError } from '../domain/index.js';
import { fieldBytes, RequestBudget } from './request-budget.js';

const LIMITS = {
  graphMaxObjects: 10,
  graphMaxEstimatedObjects: 100,
  graphMaxDepth: 3,
  graphMaxResponseBytes: 1000,
  graphObjectsPerCall: 4,
};

describe('RequestBudget', () => {
  it('refuses a plan that is too deep or too big, and takes one at the limits', () => {
    const budget = new RequestBudget(LIMITS);
    expect(() => budget.plan({ objects: 100, depth: 3 })).not.toThrow();
    expect(() => budget.plan({ objects: 101, depth: 0 })).toThrow(TooMuchDataError);
    expect(() => budget.plan({ objects: 1, depth: 4 })).toThrow(TooMuchDataError);
    expect(() => budget.plan({ objects: Infinity, depth: 0 })).toThrow(TooMuchDataError);
  });

  it('counts objects up to the limit, then refuses', () => {
    const budget = new RequestBudget(LIMITS);
    for (let i = 0; i < 10; i++) budget.addObject();
    expect(budget.objects).toBe(10);
    expect(() => budget.addObject()).toThrow(
      "Please reduce the amount of data you're asking for, then retry your request",
    );
  });

  it('counts bytes up to the limit, then refuses', () => {
    const budget = new RequestBudget(LIMITS);
    budget.addBytes(1000);
    expect(() => budget.addBytes(1)).toThrow(TooMuchDataError);
  });

  it('costs one call per started objects-per-call, at least one', () => {
    const budget = new RequestBudget(LIMITS);
    expect(budget.calls).toBe(1);
    for (let i = 0; i < 5; i++) budget.addObject();
    expect(budget.calls).toBe(2);
  });
});

describe('fieldBytes', () => {
  it('is the length of "name":value, for the values Graph answers', () => {
    for (const value of ['abc', 12, true, ['A', 'B']]) {
      expect(fieldBytes('name', value)).toBe(`"name":${JSON.stringify(value)},`.length);
    }
  });
});
