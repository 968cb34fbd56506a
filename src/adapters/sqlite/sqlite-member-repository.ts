/**
 * @module
 * Members in SQLite: the shared repository (`../sql/sql-community-repositories.ts`) with this
 * engine's creating and reading many (INSERT_CHUNK ids per statement).
 */
import { type Id, type Member, memberSearchKey } from '../../domain/index.js';
import type { NewMember } from '../../ports/metadata-store.js';
import { toMember } from '../sql/metadata-rows.js';
import { toRowId } from '../sql/object-ids.js';
import { SqlMemberRepository } from '../sql/sql-community-repositories.js';
import { INSERT_CHUNK } from './sqlite-database.js';

export class SqliteMemberRepository extends SqlMemberRepository {
  override create(communityId: Id, member: NewMember): Promise<Member> {
    return this.db()
      .transaction()
      .execute(async (trx) => {
        const id = await this.engine.newObjectId(trx, 'member', communityId);
        const row = {
          id,
          community_id: Number(communityId),
          ...member,
          search_key: memberSearchKey(member.name, member.email),
        };
        await trx.insertInto('members').values(row).execute();
        return toMember(row);
      });
  }

  override async getMany(communityId: Id, ids: readonly Id[]): Promise<readonly Member[]> {
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
}
