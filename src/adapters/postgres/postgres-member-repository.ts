/**
 * @module
 * Members in PostgreSQL: the shared repository (`../sql/sql-community-repositories.ts`) with
 * this engine's creating (one statement) and reading many (one array parameter).
 */
import { type Id, type Member, memberSearchKey } from '../../domain/index.js';
import type { NewMember } from '../../ports/metadata-store.js';
import type { MembersTable } from '../sql/metadata-tables.js';
import { toMember } from '../sql/metadata-rows.js';
import { toRowId } from '../sql/object-ids.js';
import { SqlMemberRepository } from '../sql/sql-community-repositories.js';
import { query } from './postgres-database.js';

const INSERT_MEMBER_SQL = `
  WITH object AS (INSERT INTO objects (kind, community_id) VALUES ('member', ?) RETURNING id)
  INSERT INTO members (id, community_id, name, email, status, search_key)
  SELECT id, ?::bigint, ?, ?, ?, ? FROM object RETURNING id`;

export class PostgresMemberRepository extends SqlMemberRepository {
  /** One statement, not a transaction of two: imports create members by the thousand. */
  override async create(communityId: Id, member: NewMember): Promise<Member> {
    const searchKey = memberSearchKey(member.name, member.email);
    const [row] = await query<{ id: number }>(this.db(), INSERT_MEMBER_SQL, [
      Number(communityId),
      Number(communityId),
      member.name,
      member.email,
      member.status,
      searchKey,
    ]);
    if (!row) throw new Error('Inserting a member returned no row.');
    return toMember({
      id: row.id,
      community_id: Number(communityId),
      ...member,
      search_key: searchKey,
    });
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
}
