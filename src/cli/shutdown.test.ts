import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitForShutdown } from './shutdown.js';

describe('waitForShutdown', () => {
  afterEach(() => vi.restoreAllMocks());

  it('closes on SIGTERM, then stops listening', async () => {
    vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    const before = process.listenerCount('SIGTERM');
    const close = vi.fn(() => Promise.resolve());
    const stopped = waitForShutdown(close);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    await stopped;
    expect(close).toHaveBeenCalledTimes(1);
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });

  it('stops listening without closing when aborted before any signal', async () => {
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const close = vi.fn(() => Promise.resolve());
    const ending = new AbortController();
    const stopped = waitForShutdown(close, { signal: ending.signal });
    ending.abort();
    await stopped;
    expect(close).not.toHaveBeenCalled();
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    expect(process.listenerCount('SIGINT')).toBe(before.int);
  });

  it('finishes a shutdown that began before the abort', async () => {
    vi.spyOn(process.stderr, 'write').mockReturnValue(true);
    let finish = (): void => undefined;
    const close = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const ending = new AbortController();
    const stopped = waitForShutdown(close, { signal: ending.signal });
    process.emit('SIGINT', 'SIGINT');
    ending.abort();
    finish();
    await stopped;
    expect(close).toHaveBeenCalledTimes(1);
  });
});
