/**
 * What `dyi download --help` tells a user about how many files are fetched at a time: the
 * SDK's default, so that the two cannot drift apart.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONCURRENCY } from '../client/index.js';
import { downloadCommand } from './download-command.js';

describe('dyi download --help', () => {
  it('names the default concurrency, 8 files at a time', () => {
    expect(DEFAULT_CONCURRENCY).toBe(8);
    expect(downloadCommand().helpInformation()).toMatch(
      /--concurrency <n>\s+files fetched at the same time \(default: "?8"?\)/,
    );
  });
});
