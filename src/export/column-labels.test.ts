/**
 * @module
 * Column labels: the archive's known keys read as words, and a key with no label of its own
 * still reads as words rather than as a raw key.
 */
import { describe, expect, it } from 'vitest';
import { columnLabel } from './column-labels.js';

describe('columnLabel', () => {
  it('gives known keys their words', () => {
    expect(columnLabel('created_time')).toBe('Created');
    expect(columnLabel('author_name')).toBe('Author');
    expect(columnLabel('participant_names')).toBe('Participants');
    expect(columnLabel('ip_address')).toBe('IP address');
  });

  it('makes words of an unknown key', () => {
    expect(columnLabel('start_time')).toBe('Start time');
    expect(columnLabel('original_name')).toBe('Original name');
    expect(columnLabel('thread_id')).toBe('Thread ID');
    expect(columnLabel('sourceUrl')).toBe('Source URL');
    expect(columnLabel('_')).toBe('_');
  });
});
