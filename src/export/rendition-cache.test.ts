import { describe, expect, it } from 'vitest';
import { RenditionCache } from './rendition-cache.js';

describe('RenditionCache', () => {
  it('keeps values within its budget, dropping the least recently used first', () => {
    const cache = new RenditionCache(10);
    cache.set('a', Buffer.alloc(4, 1));
    cache.set('b', Buffer.alloc(4, 2));
    expect(cache.get('a')?.[0]).toBe(1); // a is now the most recently used
    cache.set('c', Buffer.alloc(4, 3));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.[0]).toBe(1);
    expect(cache.get('c')?.[0]).toBe(3);
    expect(cache.bytes).toBe(8);
  });

  it('replaces a key without counting it twice, and never keeps a value above the budget', () => {
    const cache = new RenditionCache(10);
    cache.set('a', Buffer.alloc(6));
    cache.set('a', Buffer.alloc(5));
    expect(cache.bytes).toBe(5);
    cache.set('huge', Buffer.alloc(11));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.bytes).toBe(5);
  });
});
