/**
 * @module
 * The format-independent half of rendering: reads a data type's sections from the content
 * store for one job scope and turns records into rows, batch by batch. Each batch loads the
 * records its rows refer to (media, group and member names, the posts a comment is about)
 * with one query per kind, never one per row, then the authors of the posts, comments and
 * messages found, so that a row can name them; the abort signal is checked between batches.
 * Rows come out in the store's order (created_time, then id), so the same content always gives
 * the same rows; a section nested in JSON (`jsonNesting`) is read parent by parent instead, in
 * the order of its parents, so that a thread's messages come together.
 */
import type {
  ContentKind,
  ContentRecord,
  ContentRecordOf,
  DataType,
  Id,
  MediaRecord,
} from '../domain/index.js';
import type { ContentReader } from './replayed-content.js';
import { RecordsById } from './records-by-id.js';
import {
  DATA_TYPE_SECTIONS,
  type JsonValue,
  type Related,
  type Row,
  type Section,
  type SectionScope,
} from './data-type-sections.js';

/** Records turned into rows at a time: bounds memory and the size of reference queries. */
export const ROW_BATCH_SIZE = 500;

export interface RowSourceScope extends SectionScope {
  readonly content: ContentReader;
  readonly communityId: Id;
  readonly signal?: AbortSignal;
  /**
   * The records read by id so far in this run, to be looked up again instead of read (the
   * job runner gives one per run); without it, each batch reads all those it refers to.
   */
  readonly recordsById?: RecordsById;
}

/** Rows of one section; the first batch of every section is empty, so sections without rows
 * still announce themselves (renderers write their headers). */
export interface RowBatch {
  readonly section: Section;
  /** The rows, in column order; empty when they were only counted (`countOnly`). */
  readonly rows: readonly Row[];
  /** How many rows the batch has, made or not. */
  readonly count: number;
}

/**
 * Yields the rows of every section of `dataType` in order. `onMedia` is called for every
 * attachment occurrence whose media record exists, so that the caller can add the media.
 * `countOnly` (the job's first pass, which wants the counts and the media): rows that can be
 * counted without being made (one per record) are not made, and of the records they refer to
 * only the media are read; the counts and media are the same as when the rows are made.
 */
export async function* sectionRows(
  dataType: DataType,
  scope: RowSourceScope,
  onMedia: (media: MediaRecord) => void,
  countOnly = false,
): AsyncGenerator<RowBatch> {
  const { sections } = DATA_TYPE_SECTIONS[dataType];
  const parentSections = new Set(sections.map((section) => section.parentsFrom));
  // Only ids a later section asks for are kept (thread ids, survey ids): small next to rows.
  const idsBySection = new Map<string, string[]>();
  for (const section of sections) {
    scope.signal?.throwIfAborted();
    yield { section, rows: [], count: 0 };
    const parents =
      section.parentsFrom === undefined ? [] : (idsBySection.get(section.parentsFrom) ?? []);
    const query =
      section.parentsFrom !== undefined && parents.length === 0
        ? null
        : section.query(scope, parents);
    if (query === null) continue;
    const keptIds: string[] | undefined = parentSections.has(section.name) ? [] : undefined;
    if (keptIds) idsBySection.set(section.name, keptIds);
    const queries =
      section.jsonNesting === undefined
        ? [query]
        : parents.flatMap((parent) => section.query(scope, [parent]) ?? []);
    let batch: ContentRecord[] = [];
    for (const each of queries) {
      for await (const record of scope.content.query(scope.communityId, each)) {
        keptIds?.push(record.id);
        batch.push(record);
        if (batch.length >= ROW_BATCH_SIZE) {
          yield await rowsOf(section, batch, scope, onMedia, countOnly);
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield await rowsOf(section, batch, scope, onMedia, countOnly);
  }
}

async function rowsOf(
  section: Section,
  records: readonly ContentRecord[],
  scope: RowSourceScope,
  onMedia: (media: MediaRecord) => void,
  countOnly: boolean,
): Promise<RowBatch> {
  scope.signal?.throwIfAborted();
  const unmade = countOnly && section.onePerRecord;
  const related = await loadReferences(section, records, scope, unmade);
  const rows: Row[] = [];
  for (const record of records) {
    for (const reference of section.references?.(record, scope) ?? []) {
      if (reference.kind !== 'media') continue;
      const media = related.get('media', reference.id);
      if (media !== undefined) onMedia(media);
    }
    if (unmade) continue;
    for (const row of section.rows(record, related, scope)) rows.push(inColumnOrder(section, row));
  }
  return { section, rows, count: unmade ? records.length : rows.length };
}

/**
 * One query per referenced kind for the whole batch, then one for the authors of what was
 * found; `mediaOnly`: the media alone (the same query for them as with every kind).
 */
async function loadReferences(
  section: Section,
  records: readonly ContentRecord[],
  scope: RowSourceScope,
  mediaOnly: boolean,
): Promise<Related> {
  const wanted = new Map<ContentKind, Set<string>>();
  for (const record of records) {
    for (const { kind, id } of section.references?.(record, scope) ?? []) {
      if (mediaOnly && kind !== 'media') continue;
      let ids = wanted.get(kind);
      if (!ids) wanted.set(kind, (ids = new Set()));
      ids.add(id);
    }
  }
  const found = new Map<string, ContentRecord>();
  await loadInto(found, wanted, scope);
  if (mediaOnly) return relatedIn(found);
  const authors = new Set<string>();
  for (const record of found.values()) {
    if ('author' in record && !found.has(relatedKey('member', record.author))) {
      authors.add(record.author);
    }
  }
  await loadInto(found, new Map([['member', authors]]), scope);
  return relatedIn(found);
}

function relatedIn(found: ReadonlyMap<string, ContentRecord>): Related {
  return {
    get<K extends ContentKind>(kind: K, id: string) {
      return found.get(relatedKey(kind, id)) as ContentRecordOf<K> | undefined;
    },
  };
}

async function loadInto(
  found: Map<string, ContentRecord>,
  wanted: ReadonlyMap<ContentKind, ReadonlySet<string>>,
  scope: RowSourceScope,
): Promise<void> {
  const records = scope.recordsById ?? new RecordsById(scope.content);
  for (const [kind, ids] of wanted) {
    if (ids.size === 0) continue;
    await records.read(scope.communityId, kind, ids, (record) => {
      found.set(relatedKey(kind, record.id), record);
    });
  }
}

function relatedKey(kind: ContentKind, id: string): string {
  return `${kind}\u0000${id}`;
}

/** A row with exactly its section's columns, in their order (missing ones as null). */
function inColumnOrder(section: Section, row: Row): Row {
  const ordered: Record<string, JsonValue> = {};
  for (const column of section.columns) ordered[column] = row[column] ?? null;
  return ordered;
}
