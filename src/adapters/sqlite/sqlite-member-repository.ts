/**
 * @module
 * Members in SQLite: the shared repository (`../sql/sql-community-repositories.ts`) with this
 * engine's creating, reading many (INSERT_CHUNK ids per statement) and searching (SQLite folds
 * the case of ASCII letters only; beyond them, this code folds).
 */
import type { Id, Member } from '../../domain/index.js';
import type { NewMember } from '../../ports/metadata-store.js';
import type { MembersTable } from '../sql/metadata-tables.js';
import { toMember } from '../sql/metadata-rows.js';
import { toRowId } from '../sql/object-ids.js';
import { SqlMemberRepository } from '../sql/sql-community-repositories.js';
import { INSERT_CHUNK } from './sqlite-database.js';

/** Text SQLite's lower() and LIKE fold completely. */
const ASCII = /^\p{ASCII}*$/u;

export class SqliteMemberRepository extends SqlMemberRepository {
  override create(communityId: Id, member: NewMember): Promise<Member> {
    return this.db()
      .transaction()
      .execute(async (trx) => {
        const id = await this.engine.newObjectId(trx, 'member', communityId);
        const row = { id, community_id: Number(communityId), ...member };
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

  override async search(communityId: Id, text: string, limit: number): Promise<readonly Member[]> {
    // People sort names without regard to case ("ada" before "Bob"); NOCASE folds ASCII only,
    // which is close enough for an order.
    if (ASCII.test(text)) {
      // instr() on lower(): no LIKE wildcards to escape, and `%` or `_` typed are plain text.
      // SQLite's lower() folds only ASCII letters, which is all an ASCII text can match.
      const rows = await this.engine.query<MembersTable>(
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
    const rows = await this.engine.query<MembersTable>(
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
}
