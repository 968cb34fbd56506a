/**
 * @module
 * Communities and their members in SQLite (tables `communities`, `members`).
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
import { INSERT_CHUNK, inTransaction, newObjectId, query, queryOne } from './sqlite-database.js';
import type { SqliteDatabase } from './sqlite-schema.js';

export class SqliteCommunityRepository implements CommunityRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

  create(input: { name: string; createTime: number }): Promise<Community> {
    return inTransaction(this.db(), async (trx) => {
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

/** Text SQLite's lower() and LIKE fold completely. */
const ASCII = /^\p{ASCII}*$/u;

export class SqliteMemberRepository implements MemberRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

  create(communityId: Id, member: NewMember): Promise<Member> {
    return inTransaction(this.db(), async (trx) => {
      const id = await newObjectId(trx, 'member', communityId);
      const row = { id, community_id: Number(communityId), ...member };
      await trx.insertInto('members').values(row).execute();
      return toMember(row);
    });
  }

  async get(id: Id): Promise<Member | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await queryOne<MembersTable>(this.db(), memberReads.byId, [rowId]);
    return row && toMember(row);
  }

  async getMany(communityId: Id, ids: readonly Id[]): Promise<readonly Member[]> {
    const rowIds = ids.map(toRowId).filter((id): id is number => id !== undefined);
    const members: Member[] = [];
    for (let start = 0; start < rowIds.length; start += INSERT_CHUNK) {
      const rows = await this.db()
        .selectFrom('members')
        .selectAll()
        .where('community_id', '=', Number(communityId))
        .where('id', 'in', rowIds.slice(start, start + INSERT_CHUNK))
        .orderBy('id')
        .execute();
      members.push(...rows.map(toMember));
    }
    return members;
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

  async search(communityId: Id, text: string, limit: number): Promise<readonly Member[]> {
    // People sort names without regard to case ("ada" before "Bob"); NOCASE folds ASCII only,
    // which is close enough for an order.
    if (ASCII.test(text)) {
      // instr() on lower(): no LIKE wildcards to escape, and `%` or `_` typed are plain text.
      // SQLite's lower() folds only ASCII letters, which is all an ASCII text can match.
      const rows = await query<MembersTable>(
        this.db(),
        `SELECT * FROM members WHERE community_id = ? AND instr(lower(name), lower(?)) > 0
         ORDER BY name COLLATE NOCASE, id LIMIT ?`,
        [Number(communityId), text, limit],
      );
      return rows.map(toMember);
    }
    // Beyond ASCII, lower() leaves letters as they are ("É"), so folding happens here. LIKE
    // (ASCII case-insensitive) narrows the rows first, with `_` (any one character) for every
    // character beyond ASCII.
    const pattern = [...text]
      .map((char) => (ASCII.test(char) ? char.replace(/[%_\\]/, '\\$&') : '_'))
      .join('');
    const rows = await query<MembersTable>(
      this.db(),
      `SELECT * FROM members WHERE community_id = ? AND name LIKE ? ESCAPE '\\'
       ORDER BY name COLLATE NOCASE, id`,
      [Number(communityId), `%${pattern}%`],
    );
    const folded = text.toLowerCase();
    return rows
      .filter((row) => row.name.toLowerCase().includes(folded))
      .slice(0, limit)
      .map(toMember);
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
