/**
 * @module
 * ReplayedContent: a query read again is answered from memory, with the same records in the
 * same order; what would pass the run's bound, or was read only in part, is read again.
 */
import { describe, expect, it } from 'vitest';
import type { ContentKind, ContentRecordOf, Id } from '../domain/index.js';
import type { ContentQuery } from '../ports/content-store.js';
import { type ContentReader, ReplayedContent } from './replayed-content.js';

/** A store of `count` posts per query that counts the queries it answers. */
function countingStore(count: number): ContentReader & { readonly reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async *query<K extends ContentKind>(
      _communityId: Id,
      query: ContentQuery<K>,
    ): AsyncGenerator<ContentRecordOf<K>> {
      reads.push(JSON.stringify(query));
      for (let i = 0; i < count; i++) {
        await Promise.resolve();
        yield {
          kind: query.kind,
          id: `${query.owner ?? ''}-${i}`,
        } as unknown as ContentRecordOf<K>;
      }
    },
  };
}

async function idsOf(reader: ContentReader, query: ContentQuery): Promise<string[]> {
  const ids: string[] = [];
  for await (const record of reader.query('1', query)) ids.push(record.id);
  return ids;
}

describe('ReplayedContent', () => {
  it('answers a query read before from memory, with the same records in order', async () => {
    const store = countingStore(3);
    const content = new ReplayedContent(store);
    const first = await idsOf(content, { kind: 'post', owner: 'a' });
    const again = await idsOf(content, { kind: 'post', owner: 'a' });
    const other = await idsOf(content, { kind: 'post', owner: 'b' });
    expect(first).toEqual(['a-0', 'a-1', 'a-2']);
    expect(again).toEqual(first);
    expect(other).toEqual(['b-0', 'b-1', 'b-2']);
    expect(store.reads).toHaveLength(2);
  });

  it('reads from the store every time what would pass the bound of kept records', async () => {
    const store = countingStore(3);
    const content = new ReplayedContent(store, 5);
    await idsOf(content, { kind: 'post', owner: 'a' });
    await idsOf(content, { kind: 'post', owner: 'b' });
    expect(await idsOf(content, { kind: 'post', owner: 'b' })).toEqual(['b-0', 'b-1', 'b-2']);
    await idsOf(content, { kind: 'post', owner: 'a' });
    expect(store.reads).toEqual([
      '{"kind":"post","owner":"a"}',
      '{"kind":"post","owner":"b"}',
      '{"kind":"post","owner":"b"}',
    ]);
  });

  it('does not keep a query its reader stopped early', async () => {
    const store = countingStore(3);
    const content = new ReplayedContent(store);
    for await (const record of content.query('1', { kind: 'post', owner: 'a' })) {
      expect(record.id).toBe('a-0');
      break;
    }
    expect(await idsOf(content, { kind: 'post', owner: 'a' })).toEqual(['a-0', 'a-1', 'a-2']);
    expect(store.reads).toHaveLength(2);
  });
});
