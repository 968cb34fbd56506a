/**
 * @module
 * Communities and their members in PostgreSQL (tables `communities`, `members`).
 */
import type { Kysely } from 'kysely';
import type { Community, Id, Member, MemberStatus } from '../../domain/index.js';
import type {
  CommunityRepository,
  MemberRepository,
  NewMember,
} from '../../ports/metadata-store.js';
import { communityReads, memberReads } from '../sql/metadata-reads.js';
import type { CommunitiesTable, MembersTable } from '../sql/metadata-tables.js';
import { toCommunity, toMember } from '../sql/metadata-rows.js';
import { toRowId } from '../sql/object-ids.js';
import { query, queryOne } from './postgres-database.js';
import { newObjectId } from './postgres-object-ids.js';
import type { PostgresDatabase } from './postgres-schema.js';

export class PostgresCommunityRepository implements CommunityRepository {
  constructor(private readonly db: () => Kysely<PostgresDatabase>) {}

  create(input: { name: string; createTime: number }): Promise<Community> {
    return this.db()
      .transaction()
      .execute(async (trx) => {
        const id = await newObjectId(trx, 'community', null);
        await trx.updateTable('objects').set({ community_id: id }).where('id', '=', id).execute();
        await trx
          .insertInto('communities')
          .values({ id, name: input.name, create_time: input.createTime })
          .execute();
        return { id: String(id), name: input.name, createTime: input.createTime };
      });
  }

  async get(id: Id): Promise<Community | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await queryOne<CommunitiesTable>(this.db(), communityReads.byId, [rowId]);
    return row && toCommunity(row);
  }

  async list(): Promise<readonly Community[]> {
    const rows = await query<CommunitiesTable>(this.db(), communityReads.all, []);
    return rows.map(toCommunity);
  }
}

/** `text` as a LIKE pattern matching itself only: its wildcards and escape taken literally. */
function likeLiteral(text: string): string {
  return text.replace(/[%_\\]/g, '\\$&');
}

const INSERT_MEMBER_SQL = `
  WITH object AS (INSERT INTO objects (kind, community_id) VALUES ('member', ?) RETURNING id)
  INSERT INTO members (id, community_id, name, email, status)
  SELECT id, ?::bigint, ?, ?, ? FROM object RETURNING id`;

export class PostgresMemberRepository implements MemberRepository {
  constructor(private readonly db: () => Kysely<PostgresDatabase>) {}

  /** One statement, not a transaction of two: imports create members by the thousand. */
  async create(communityId: Id, member: NewMember): Promise<Member> {
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

  async get(id: Id): Promise<Member | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await queryOne<MembersTable>(this.db(), memberReads.byId, [rowId]);
    return row && toMember(row);
  }

  async getMany(communityId: Id, ids: readonly Id[]): Promise<readonly Member[]> {
    const rowIds = ids.map(toRowId).filter((id): id is number => id !== undefined);
    if (rowIds.length === 0) return [];
    const rows = await query<MembersTable>(
      this.db(),
      'SELECT * FROM members WHERE community_id = ? AND id = ANY(?::bigint[]) ORDER BY id',
      [Number(communityId), rowIds],
    );
    return rows.map(toMember);
  }

  async listActiveIds(communityId: Id): Promise<readonly Id[]> {
    const rows = await query<{ id: number }>(this.db(), memberReads.activeIds, [
      Number(communityId),
    ]);
    return rows.map((row) => String(row.id));
  }

  async setStatus(id: Id, status: MemberStatus): Promise<void> {
    await this.db().updateTable('members').set({ status }).where('id', '=', Number(id)).execute();
  }

  /**
   * ILIKE folds case as the database's LC_CTYPE does: letters beyond ASCII too with a UTF-8
   * one (`C.UTF-8`, `en_US.UTF-8`), ASCII only with plain `C`. Names sort by their lower case
   * in code point order, whatever the database's collation, as on SQLite.
   */
  async search(communityId: Id, text: string, limit: number): Promise<readonly Member[]> {
    const rows = await query<MembersTable>(
      this.db(),
      `SELECT * FROM members WHERE community_id = ? AND name ILIKE ? ESCAPE '\\'
       ORDER BY lower(name) COLLATE "C", id LIMIT ?`,
      [Number(communityId), `%${likeLiteral(text)}%`, limit],
    );
    return rows.map(toMember);
  }

  async countByStatus(communityId: Id): Promise<Record<MemberStatus, number>> {
    const rows = await query<{ status: MemberStatus; n: number }>(
      this.db(),
      memberReads.countByStatus,
      [Number(communityId)],
    );
    const counts: Record<MemberStatus, number> = { active: 0, deactivated: 0, deleted: 0 };
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }
}
