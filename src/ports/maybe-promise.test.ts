import { describe, expect, it } from 'vitest';
import { thenMaybe } from './maybe-promise.js';

describe('thenMaybe', () => {
  it('answers a value for a value, without a promise', () => {
    expect(thenMaybe(2, (n) => n * 3)).toBe(6);
    expect(thenMaybe(undefined, (n) => n ?? 'none')).toBe('none');
  });

  it('answers a promise for a promise, and follows a promise the function answers', async () => {
    const answered = thenMaybe(Promise.resolve(2), (n) => n * 3);
    expect(answered).toBeInstanceOf(Promise);
    expect(await answered).toBe(6);
    expect(await thenMaybe(2, (n) => Promise.resolve(n + 1))).toBe(3);
  });

  it('turns a throw of the function into a rejection, never a throw where it is called', async () => {
    let pending: unknown;
    expect(() => {
      pending = thenMaybe(1, () => {
        throw new Error('refused');
      });
    }).not.toThrow();
    await expect(pending).rejects.toThrow('refused');
    await expect(thenMaybe(Promise.reject(new Error('failed read')), (n) => n)).rejects.toThrow(
      'failed read',
    );
  });
});
