/**
 * @module
 * The content reads of one job run, kept to be replayed. A job reads the same queries once per
 * pass (the counting pass, then each format: three times for HTML_AND_JSON), and on PostgreSQL
 * every read is a round trip whose cost, in the database and in the worker, was the largest
 * share of a job's CPU. The first read of a query streams from the store and keeps its records;
 * later reads of the same query replay them from memory. Memory stays bounded: the run keeps at
 * most MAX_KEPT_RECORDS records in all, and a query whose records would go past that is read
 * from the store every time, as it was before. A query read only in part (its reader stopped
 * early) is not kept either.
 *
 * Replayed records are the same objects as the first read's: the renderers only read them. A
 * side effect, welcome: every pass of a run sees the same content, even when an import writes
 * to the community meanwhile, so the counts of the first pass match what the others render.
 */
import type { ContentKind, ContentRecord, ContentRecordOf, Id } from '../domain/index.js';
import type { ContentQuery, ContentStore } from '../ports/content-store.js';

/** The reads the renderers make. */
export type ContentReader = Pick<ContentStore, 'query'>;

/** Records one run keeps at most (a few KiB each: tens of MiB at most). */
export const MAX_KEPT_RECORDS = 20_000;

export class ReplayedContent implements ContentReader {
  readonly #store: ContentReader;
  readonly #maxKept: number;
  readonly #kept = new Map<string, readonly ContentRecord[]>();
  #keptCount = 0;

  constructor(store: ContentReader, maxKept = MAX_KEPT_RECORDS) {
    this.#store = store;
    this.#maxKept = maxKept;
  }

  async *query<K extends ContentKind>(
    communityId: Id,
    query: ContentQuery<K>,
  ): AsyncGenerator<ContentRecordOf<K>> {
    const key = JSON.stringify([communityId, query]);
    const kept = this.#kept.get(key);
    if (kept) {
      yield* kept as readonly ContentRecordOf<K>[];
      return;
    }
    let keeping: ContentRecordOf<K>[] | undefined = [];
    for await (const record of this.#store.query(communityId, query)) {
      if (keeping && this.#keptCount + keeping.length < this.#maxKept) keeping.push(record);
      else keeping = undefined;
      yield record;
    }
    if (keeping) {
      this.#kept.set(key, keeping);
      this.#keptCount += keeping.length;
    }
  }
}
