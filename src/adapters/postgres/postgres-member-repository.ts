/**
 * @module
 * Members in PostgreSQL: the shared repository (`../sql/sql-community-repositories.ts`) with
 * this engine's creating (one statement), reading many (one array parameter) and searching
 * (ILIKE).
 */
import type { Id, Member } from '../../domain/index.js';
import type { NewMember } from '../../ports/metadata-store.js';
import type { MembersTable } from '../sql/metadata-tables.js';
import { toMember } from '../sql/metadata-rows.js';
import { toRowId } from '../sql/object-ids.js';
import { SqlMemberRepository } from '../sql/sql-community-repositories.js';
import { query } from './postgres-database.js';

/** `text` as a LIKE pattern matching itself only: its wildcards and escape taken literally. */
function likeLiteral(text: string): string {
  return text.replace(/[%_\\]/g, '\\$&');
}

const INSERT_MEMBER_SQL = `
  WITH object AS (INSERT INTO objects (kind, community_id) VALUES ('member', ?) RETURNING id)
  INSERT INTO members (id, community_id, name, email, status)
  SELECT id, ?::bigint, ?, ?, ? FROM object RETURNING id`;

export class PostgresMemberRepository extends SqlMemberRepository {
  /** One statement, not a transaction of two: imports create members by the thousand. */
  override async create(communityId: Id, member: NewMember): Promise<Member> {
    const [row] = await query<{ id: number }>(this.db(), INSERT_MEMBER_SQL, [
      Number(communityId),
      Number(communityId),
      member.name,
      member.email,
      member.status,
    ]);
    if (!row) throw new Error('Inserting a member returned no row.');
    return toMember({ id: row.id, community_id: Number(communityId), ...member });
  }

  override async getMany(communityId: Id, ids: readonly Id[]): Promise<readonly Member[]> {
    const rowIds = ids.map(toRowId).filter((id): id is number => id !== undefined);
    if (rowIds.length === 0) return [];
    const rows = await query<MembersTable>(
      this.db(),
      'SELECT * FROM members WHERE community_id = ? AND id = ANY(?::bigint[]) ORDER BY id',
      [Number(communityId), rowIds],
    );
    return rows.map(toMember);
  }

  /**
   * ILIKE folds case as the database's LC_CTYPE does: letters beyond ASCII too with a UTF-8
   * one (`C.UTF-8`, `en_US.UTF-8`), ASCII only with plain `C`. Names sort by their lower case
   * in code point order, whatever the database's collation, as on SQLite.
   */
  override async search(communityId: Id, text: string, limit: number): Promise<readonly Member[]> {
    const rows = await query<MembersTable>(
      this.db(),
      `SELECT * FROM members WHERE community_id = ? AND name ILIKE ? ESCAPE '\\'
       ORDER BY lower(name) COLLATE "C", id LIMIT ?`,
      [Number(communityId), `%${likeLiteral(text)}%`, limit],
    );
    return rows.map(toMember);
  }
}
