/**
 * @module
 * The `members.search_key` column both engines add (SQLite's migration
 * `0014_member_search_keys`, PostgreSQL's `0006_member_search_keys`): every member's name and
 * email folded by `memberSearchKey` (domain), which neither database can do itself (no
 * Unicode decomposition in SQLite; PostgreSQL's `unaccent` is an extension a host may lack).
 * Folding in code keeps both engines' keys identical. Writers of members set it with the name
 * and email; the migration fills it in for the rows that were there before.
 */
import { type Kysely, sql } from 'kysely';
import { foldForSearch, type MemberRecord, memberSearchKey } from '../../domain/index.js';

/**
 * The LIKE pattern (backslash its escape) of search keys holding `text` as `foldForSearch`
 * folds it, its `%`, `_` and backslashes taken literally; undefined when it folds to nothing.
 */
export function keyPatternOf(text: string): string | undefined {
  const folded = foldForSearch(text);
  return folded === '' ? undefined : `%${folded.replace(/[%_\\]/g, '\\$&')}%`;
}

/**
 * The search key of the member a member record stands for; null for a record without a name
 * (one that skipped validation), which the database then refuses as it refuses the name, so
 * that the batch fails as a validation error naming the record.
 */
export function searchKeyOfRecord(record: MemberRecord): string | null {
  const { name, email } = record as { name: unknown; email: unknown };
  if (typeof name !== 'string') return null;
  return memberSearchKey(name, typeof email === 'string' ? email : null);
}

/** Members read and written per statement while filling keys in. */
const BATCH = 500;

/** Sets `search_key` of every member from its name and email, in batches by id. */
export async function fillMemberSearchKeys(db: Kysely<unknown>): Promise<void> {
  let after = 0;
  for (;;) {
    const { rows } = await sql<{ id: number | string; name: string; email: string | null }>`
      SELECT id, name, email FROM members WHERE id > ${after} ORDER BY id LIMIT ${BATCH}`.execute(
      db,
    );
    const last = rows.at(-1);
    if (last === undefined) return;
    const keys = rows.map(
      (row) => sql`WHEN ${Number(row.id)} THEN ${memberSearchKey(row.name, row.email)}`,
    );
    await sql`
      UPDATE members SET search_key = CASE id ${sql.join(keys, sql` `)} END
      WHERE id IN (${sql.join(rows.map((row) => Number(row.id)))})`.execute(db);
    after = Number(last.id);
  }
}
