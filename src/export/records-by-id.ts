/**
 * @module
 * The records one job run has read by id, found or not, to be looked up again. Every batch of
 * rows reads the records it refers to (members, posts, groups, media), and most of them come up
 * again: the same authors in every batch and data type, the same post under each of its
 * comments, the same media in the counting pass and in each format's pass. Read through the
 * store each time, a third of the records a job read by id were ones it had read before, each
 * one a row to fetch and a JSON text to parse again. Kept here, each is read once per run.
 *
 * Memory stays bounded: at most MAX_RECORDS_BY_ID records (and ids found missing) are kept;
 * ids asked for past that are read from the store every time. These reads used to be kept by
 * the run's `ReplayedContent`, query by query, within its bound; the job runner now gives that
 * bound's rest to it, so that a run keeps no more records than before.
 * Kept records are the same objects as the first read's: the renderers only read them.
 */
import type { ContentKind, ContentRecord, Id } from '../domain/index.js';
import { type ContentReader, MAX_KEPT_RECORDS } from './replayed-content.js';

/** Records (and ids found missing) one run keeps at most: half of `MAX_KEPT_RECORDS`. */
export const MAX_RECORDS_BY_ID = MAX_KEPT_RECORDS / 2;

export class RecordsById {
  readonly #content: ContentReader;
  readonly #max: number;
  /** By `kind` and id; null: asked for and not in the store. */
  readonly #known = new Map<string, ContentRecord | null>();

  /** `content`: the store itself (these reads are kept here, not by a `ReplayedContent`). */
  constructor(content: ContentReader, max = MAX_RECORDS_BY_ID) {
    this.#content = content;
    this.#max = max;
  }

  /**
   * Calls `onFound` with each record of `kind` among `ids` that exists: those read before from
   * what was kept, the others from the store in one query. The order of the calls is not the
   * store's.
   */
  async read(
    communityId: Id,
    kind: ContentKind,
    ids: Iterable<string>,
    onFound: (record: ContentRecord) => void,
  ): Promise<void> {
    const unknown: string[] = [];
    for (const id of ids) {
      const known = this.#known.get(keyOf(kind, id));
      if (known === undefined) unknown.push(id);
      else if (known !== null) onFound(known);
    }
    if (unknown.length === 0) return;
    const keeping = this.#known.size + unknown.length <= this.#max;
    for await (const record of this.#content.query(communityId, { kind, ids: unknown })) {
      if (keeping) this.#known.set(keyOf(kind, record.id), record);
      onFound(record);
    }
    if (!keeping) return;
    for (const id of unknown) {
      const key = keyOf(kind, id);
      if (!this.#known.has(key)) this.#known.set(key, null);
    }
  }
}

function keyOf(kind: ContentKind, id: string): string {
  return `${kind}\u0000${id}`;
}
