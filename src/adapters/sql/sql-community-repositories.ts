/**
 * @module
 * Communities and their members (tables `communities`, `members`), the same on SQLite and
 * PostgreSQL (`SqlEngine` gives the engine's reads and ids) but for two member operations
 * each engine writes its own way: creating one (imports create them by the thousand) and
 * reading many by id. Each engine's member repository extends SqlMemberRepository with those.
 * Searches compare the folded `search_key` (`member-search-keys.ts`), the same on both.
 */
import type { Kysely } from 'kysely';
import type { Community, Id, Member, MemberStatus } from '../../domain/index.js';
import type {
  CommunityRepository,
  MemberRepository,
  NewMember,
} from '../../ports/metadata-store.js';
import { communityReads, memberReads } from './metadata-reads.js';
import type { CommunitiesTable, MembersTable, MetadataTables } from './metadata-tables.js';
import { toCommunity, toMember } from './metadata-rows.js';
import { keyPatternOf } from './member-search-keys.js';
import { toRowId } from './object-ids.js';
import type { SqlEngine } from './sql-engine.js';

export class SqlCommunityRepository implements CommunityRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {}

  create(input: { name: string; createTime: number }): Promise<Community> {
    return this.db()
      .transaction()
      .execute(async (trx) => {
        const id = await this.engine.newObjectId(trx, 'community', null);
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
    const row = await this.engine.queryOne<CommunitiesTable>(this.db(), communityReads.byId, [
      rowId,
    ]);
    return row && toCommunity(row);
  }

  async list(): Promise<readonly Community[]> {
    const rows = await this.engine.query<CommunitiesTable>(this.db(), communityReads.all, []);
    return rows.map(toCommunity);
  }
}

export abstract class SqlMemberRepository implements MemberRepository {
  constructor(
    protected readonly db: () => Kysely<MetadataTables>,
    protected readonly engine: SqlEngine,
  ) {}

  abstract create(communityId: Id, member: NewMember): Promise<Member>;

  abstract getMany(communityId: Id, ids: readonly Id[]): Promise<readonly Member[]>;

  async search(communityId: Id, text: string, limit: number): Promise<readonly Member[]> {
    const pattern = keyPatternOf(text);
    if (pattern === undefined) return [];
    const rows = await this.engine.query<MembersTable>(this.db(), memberReads.search, [
      Number(communityId),
      pattern,
      limit,
    ]);
    return rows.map(toMember);
  }

  async countSearch(communityId: Id, text: string): Promise<number> {
    const pattern = keyPatternOf(text);
    if (pattern === undefined) return 0;
    const row = await this.engine.queryOne<{ n: number | string }>(
      this.db(),
      memberReads.countSearch,
      [Number(communityId), pattern],
    );
    return Number(row?.n ?? 0);
  }

  async get(id: Id): Promise<Member | undefined> {
    const rowId = toRowId(id);
    if (rowId === undefined) return undefined;
    const row = await this.engine.queryOne<MembersTable>(this.db(), memberReads.byId, [rowId]);
    return row && toMember(row);
  }

  async listActiveIds(communityId: Id): Promise<readonly Id[]> {
    const rows = await this.engine.query<{ id: number }>(this.db(), memberReads.activeIds, [
      Number(communityId),
    ]);
    return rows.map((row) => String(row.id));
  }

  async findByEmail(communityId: Id, email: string): Promise<readonly Member[]> {
    const rows = await this.engine.query<MembersTable>(this.db(), memberReads.byEmail, [
      Number(communityId),
      email,
    ]);
    return rows.map(toMember);
  }

  async setStatus(id: Id, status: MemberStatus): Promise<void> {
    await this.db().updateTable('members').set({ status }).where('id', '=', Number(id)).execute();
  }

  async countByStatus(communityId: Id): Promise<Record<MemberStatus, number>> {
    const rows = await this.engine.query<{ status: MemberStatus; n: number }>(
      this.db(),
      memberReads.countByStatus,
      [Number(communityId)],
    );
    const counts: Record<MemberStatus, number> = { active: 0, deactivated: 0, deleted: 0 };
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }
}
