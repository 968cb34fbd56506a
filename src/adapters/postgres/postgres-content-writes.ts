/**
 * @module
 * One batch of content records written into PostgreSQL inside the caller's transaction, a few
 * statements per thousand records instead of several per record: `content_records` upserted
 * with `INSERT ... SELECT FROM unnest(arrays) ON CONFLICT DO UPDATE` (seven array parameters
 * per statement, however many rows: far from the 65,535 bound values a statement may have),
 * the `content_involves` rows of those records replaced, and the members that member records
 * stand for created (ids from `objects`, as every object's) or updated.
 *
 * A record repeated in a batch is written once, its last version: one statement may not
 * upsert a row twice. Rows are upserted in (kind, id) order, so two batches touching the
 * same records lock them in the same order and never deadlock. Member records take a lock of
 * their community for the transaction: two imports naming the same new member would
 * otherwise both create it.
 */
import { type Kysely, sql } from 'kysely';
import {
  type ContentKind,
  type ContentRecord,
  MEMBER_STATUSES,
  type MemberRecord,
  ValidationError,
} from '../../domain/index.js';
import { type ContentRow, contentRowOf, describeFailedRecord } from '../sql/content-rows.js';
import { searchKeyOfRecord } from '../sql/member-search-keys.js';

/** Records per statement: bounds a statement's size (records are up to a few KiB each). */
const ROWS_PER_STATEMENT = 1000;

/** The range of PostgreSQL's bigint, which `created_time` is. */
const BIGINT_LIMIT = 2 ** 63;

/** Writes `records` into `community`; answers the records written per kind, repeats included. */
export async function writeContent(
  trx: Kysely<unknown>,
  community: number,
  records: readonly ContentRecord[],
): Promise<Partial<Record<ContentKind, number>>> {
  const found = await sql`SELECT 1 FROM communities WHERE id = ${community}`.execute(trx);
  if (found.rows.length === 0) {
    throw new ValidationError(
      'communityId',
      `Community ${community} does not exist; create it before writing content into it.`,
    );
  }
  const written: Partial<Record<ContentKind, number>> = {};
  const latest = new Map<string, ContentRow>();
  const members = new Map<string, MemberRecord>();
  for (const [index, record] of records.entries()) {
    const row = contentRowOf(record, index);
    refuseUnstorable(records, index, row);
    latest.set(`${row.kind}:${row.id}`, row);
    if (record.type === 'member') {
      // The first occurrence's place (the order ids are handed out in), the last one's values.
      members.set(record.id, record);
    }
    written[row.kind] = (written[row.kind] ?? 0) + 1;
  }
  const rows = [...latest.values()].sort((a, b) => compare(a.kind, b.kind) || compare(a.id, b.id));
  for (const chunk of chunksOf(rows)) await upsertRecords(trx, community, chunk);
  if (members.size > 0) await writeMembers(trx, community, [...members.values()]);
  return written;
}

/**
 * Refuses, naming the record, what SQLite's STRICT columns and CHECK constraints refuse, and
 * the NUL character PostgreSQL text cannot hold: a failed multi-row statement cannot say
 * which of its rows it failed at.
 */
function refuseUnstorable(records: readonly ContentRecord[], index: number, row: ContentRow): void {
  const refuse = (detail: string): never => {
    throw new ValidationError('records', `${describeFailedRecord(records, index)} (${detail})`);
  };
  const time = row.createdTime as unknown;
  if (typeof time !== 'number' || !Number.isInteger(time) || Math.abs(time) >= BIGINT_LIMIT) {
    refuse(`created_time ${JSON.stringify(time)} is not a whole number of seconds`);
  }
  const record = records[index];
  const texts = [row.id, row.owner, row.parent, ...row.others];
  if (record?.type === 'member') {
    if (!(MEMBER_STATUSES as readonly unknown[]).includes(record.status)) {
      refuse(`status ${JSON.stringify(record.status)} is not one of ${MEMBER_STATUSES.join(', ')}`);
    }
    texts.push(record.name, record.email);
  }
  if (texts.some((text) => typeof text === 'string' && text.includes('\0'))) {
    refuse('PostgreSQL text cannot hold the character U+0000');
  }
}

async function upsertRecords(
  trx: Kysely<unknown>,
  community: number,
  rows: readonly ContentRow[],
): Promise<void> {
  const kinds = rows.map((row) => row.kind);
  const ids = rows.map((row) => row.id);
  await sql`
    INSERT INTO content_records (community_id, kind, id, owner, parent, created_time, data)
    SELECT ${community}::bigint, * FROM unnest(
      ${kinds}::text[], ${ids}::text[], ${rows.map((row) => row.owner)}::text[],
      ${rows.map((row) => row.parent)}::text[], ${rows.map((row) => row.createdTime)}::bigint[],
      ${rows.map((row) => row.data)}::text[])
    ON CONFLICT (community_id, kind, id) DO UPDATE SET owner = EXCLUDED.owner,
      parent = EXCLUDED.parent, created_time = EXCLUDED.created_time, data = EXCLUDED.data`.execute(
    trx,
  );
  // A replaced record may have involved other members than it does now.
  await sql`
    DELETE FROM content_involves
    WHERE community_id = ${community}
      AND (kind, id) IN (SELECT * FROM unnest(${kinds}::text[], ${ids}::text[]))`.execute(trx);
  const involved = rows.flatMap((row) => row.others.map((member) => ({ row, member })));
  if (involved.length === 0) return;
  await sql`
    INSERT INTO content_involves (community_id, kind, id, member, created_time)
    SELECT ${community}::bigint, * FROM unnest(
      ${involved.map(({ row }) => row.kind)}::text[], ${involved.map(({ row }) => row.id)}::text[],
      ${involved.map(({ member }) => member)}::text[],
      ${involved.map(({ row }) => row.createdTime)}::bigint[])`.execute(trx);
}

/** Creates or updates the community members that member records stand for. */
async function writeMembers(
  trx: Kysely<unknown>,
  community: number,
  records: readonly MemberRecord[],
): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`dyi content members ${community}`}, 0))`.execute(
    trx,
  );
  for (const chunk of chunksOf(records)) {
    const found = await sql<{ id: number; source_id: string }>`
      SELECT id, source_id FROM members
      WHERE community_id = ${community}
        AND source_id = ANY(${chunk.map((record) => record.id)}::text[])`.execute(trx);
    const ids = new Map(found.rows.map((row) => [row.source_id, row.id]));
    const known = chunk.filter((record) => ids.has(record.id));
    if (known.length > 0) {
      await sql`
        UPDATE members AS m
        SET name = u.name, email = u.email, status = u.status, search_key = u.search_key
        FROM unnest(${known.map((record) => ids.get(record.id))}::bigint[],
          ${known.map((record) => record.name)}::text[],
          ${known.map((record) => record.email)}::text[],
          ${known.map((record) => record.status)}::text[],
          ${known.map(searchKeyOfRecord)}::text[]) AS u(id, name, email, status, search_key)
        WHERE m.id = u.id`.execute(trx);
    }
    const fresh = chunk.filter((record) => !ids.has(record.id));
    if (fresh.length > 0) await insertMembers(trx, community, fresh);
  }
}

async function insertMembers(
  trx: Kysely<unknown>,
  community: number,
  records: readonly MemberRecord[],
): Promise<void> {
  // Ids come from `objects`, as for every object, so they never collide across kinds; handed
  // to the records in their order, as one at a time would.
  const made = await sql<{ id: number }>`
    INSERT INTO objects (kind, community_id)
    SELECT 'member', ${community}::bigint FROM generate_series(1, ${records.length}::int)
    RETURNING id`.execute(trx);
  const ids = made.rows.map((row) => row.id).sort((a, b) => a - b);
  await sql`
    INSERT INTO members (id, community_id, name, email, status, source_id, search_key)
    SELECT u.id, ${community}::bigint, u.name, u.email, u.status, u.source_id, u.search_key
    FROM unnest(${ids}::bigint[], ${records.map((record) => record.name)}::text[],
      ${records.map((record) => record.email)}::text[],
      ${records.map((record) => record.status)}::text[],
      ${records.map((record) => record.id)}::text[],
      ${records.map(searchKeyOfRecord)}::text[])
      AS u(id, name, email, status, source_id, search_key)`.execute(trx);
}

function* chunksOf<T>(items: readonly T[]): Generator<readonly T[]> {
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
    yield items.slice(start, start + ROWS_PER_STATEMENT);
  }
}

/** Strings in one fixed order (UTF-16 units); any order does, as long as every writer's is the same. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
