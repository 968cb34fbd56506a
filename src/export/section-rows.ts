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
import {
  DATA_TYPE_SECTIONS,
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
}

/** Rows of one section; the first batch of every section is empty, so sections without rows
 * still announce themselves (renderers write their headers). */
export interface RowBatch {
  readonly section: Section;
  readonly rows: readonly Row[];
}

/**
 * Yields the rows of every section of `dataType` in order. `onMedia` is called for every
 * attachment occurrence whose media record exists, so that the caller can add the media.
 */
export async function* sectionRows(
  dataType: DataType,
  scope: RowSourceScope,
  onMedia: (media: MediaRecord) => void,
): AsyncGenerator<RowBatch> {
  const { sections } = DATA_TYPE_SECTIONS[dataType];
  const parentSections = new Set(sections.map((section) => section.parentsFrom));
  // Only ids a later section asks for are kept (thread ids, survey ids): small next to rows.
  const idsBySection = new Map<string, string[]>();
  for (const section of sections) {
    scope.signal?.throwIfAborted();
    yield { section, rows: [] };
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
          yield { section, rows: await rowsOf(section, batch, scope, onMedia) };
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield { section, rows: await rowsOf(section, batch, scope, onMedia) };
  }
}

async function rowsOf(
  section: Section,
  records: readonly ContentRecord[],
  scope: RowSourceScope,
  onMedia: (media: MediaRecord) => void,
): Promise<Row[]> {
  scope.signal?.throwIfAborted();
  const related = await loadReferences(section, records, scope);
  const rows: Row[] = [];
  for (const record of records) {
    for (const reference of section.references?.(record, scope) ?? []) {
      if (reference.kind !== 'media') continue;
      const media = related.get('media', reference.id);
      if (media !== undefined) onMedia(media);
    }
    for (const row of section.rows(record, related, scope)) rows.push(inColumnOrder(section, row));
  }
  return rows;
}

/** One query per referenced kind for the whole batch. */
async function loadReferences(
  section: Section,
  records: readonly ContentRecord[],
  scope: RowSourceScope,
): Promise<Related> {
  const wanted = new Map<ContentKind, Set<string>>();
  for (const record of records) {
    for (const { kind, id } of section.references?.(record, scope) ?? []) {
      let ids = wanted.get(kind);
      if (!ids) wanted.set(kind, (ids = new Set()));
      ids.add(id);
    }
  }
  const found = new Map<string, ContentRecord>();
  await loadInto(found, wanted, scope);
  const authors = new Set<string>();
  for (const record of found.values()) {
    if ('author' in record && !found.has(relatedKey('member', record.author))) {
      authors.add(record.author);
    }
  }
  await loadInto(found, new Map([['member', authors]]), scope);
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
  for (const [kind, ids] of wanted) {
    if (ids.size === 0) continue;
    for await (const record of scope.content.query(scope.communityId, { kind, ids: [...ids] })) {
      found.set(relatedKey(kind, record.id), record);
    }
  }
}

function relatedKey(kind: ContentKind, id: string): string {
  return `${kind}\u0000${id}`;
}

/** A row with exactly its section's columns, in their order (missing ones as null). */
function inColumnOrder(section: Section, row: Row): Row {
  return Object.fromEntries(section.columns.map((column) => [column, row[column] ?? null]));
}
