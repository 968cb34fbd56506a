/**
 * @module
 * How a content record becomes a row of `content_records` (and rows of `content_involves`),
 * and how rows become records again, the same on every SQL engine: the record is kept as the
 * text of `JSON.stringify`, keys in the order it was given, so that every engine hands back the
 * same bytes and exports stay identical whichever database holds the content.
 */
import {
  CONTENT_KINDS,
  type ContentKind,
  type ContentMember,
  type ContentRecord,
  type ContentRecordOf,
  type Id,
  type MemberStatus,
  ValidationError,
  linksOf,
} from '../../domain/index.js';

const KNOWN_KINDS: ReadonlySet<string> = new Set(CONTENT_KINDS);

/** The columns of one record's `content_records` row, and whom else it involves. */
export interface ContentRow {
  readonly kind: ContentKind;
  readonly id: string;
  readonly owner: string | null;
  readonly parent: string | null;
  readonly createdTime: number;
  /** The record as JSON, keys in the order it was given. */
  readonly data: string;
  /** The members it involves besides its owner: one `content_involves` row each. */
  readonly others: readonly string[];
}

/** The row of the `index`-th record of a batch; refuses a kind we do not know. */
export function contentRowOf(record: ContentRecord, index: number): ContentRow {
  const kind = record.type;
  if (!KNOWN_KINDS.has(kind)) {
    throw new ValidationError(
      'type',
      `Record ${index + 1} has type ${JSON.stringify(kind)}; expected one of ${CONTENT_KINDS.join(', ')}.`,
    );
  }
  const { owner, parent, involves } = linksOf(record);
  return {
    kind,
    id: record.id,
    owner,
    parent,
    createdTime: record.created_time,
    data: JSON.stringify(record),
    others: involves.filter((member) => member !== owner),
  };
}

/** The record a `data` column holds. */
export function recordOf<K extends ContentKind>(data: string): ContentRecordOf<K> {
  return JSON.parse(data) as ContentRecordOf<K>;
}

/** Records per kind from `(kind, count)` rows; kinds with no row are 0, unknown kinds dropped. */
export function countsOf(rows: Iterable<readonly [string, number]>): Record<ContentKind, number> {
  const counts = Object.fromEntries(CONTENT_KINDS.map((kind) => [kind, 0])) as Record<
    ContentKind,
    number
  >;
  for (const [kind, n] of rows) {
    if (KNOWN_KINDS.has(kind)) counts[kind as ContentKind] = n;
  }
  return counts;
}

/** The content side of a member from its `members` row's `source_id` and `status`. */
export function contentMemberOf(
  memberId: Id,
  sourceId: string | null,
  status: MemberStatus,
): ContentMember {
  // Members made by the CLI or the services have no content id: records name them by theirs.
  return { memberId, sourceId: sourceId ?? memberId, status };
}

/** The message of the error that refuses a batch, naming the record it failed at when known. */
export function describeFailedRecord(
  records: readonly ContentRecord[],
  index: number | undefined,
): string {
  const record = index === undefined ? undefined : records[index];
  const which =
    record && index !== undefined
      ? `record ${index + 1} (${record.type} ${record.id})`
      : 'a record';
  return `The database refused ${which} of a batch of ${records.length}; nothing of the batch was written. Fix that record and write the batch again.`;
}
