/**
 * @module
 * Use cases of communities and their members, among them finding a member by email or by the
 * id of their imported member record (to build an export's `user_ids`).
 */
import {
  type Community,
  type Id,
  type Member,
  type MemberStatus,
  NotFoundError,
  ValidationError,
} from '../domain/index.js';
import { type Clock, unixSeconds } from '../ports/clock.js';
import type { ContentStore } from '../ports/content-store.js';
import type { MetadataStore, NewMember } from '../ports/metadata-store.js';

/** How to find members: by email (case-insensitive) or by import id. */
export type MemberQuery = { readonly email: string } | { readonly importId: string };

export class CommunityService {
  readonly #store: MetadataStore;
  readonly #content: ContentStore;
  readonly #clock: Clock;

  constructor(store: MetadataStore, content: ContentStore, clock: Clock) {
    this.#store = store;
    this.#content = content;
    this.#clock = clock;
  }

  async create(name: string): Promise<Community> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 200) {
      throw new ValidationError('name', 'A community name must have 1 to 200 characters.');
    }
    return this.#store.communities.create({ name: trimmed, createTime: unixSeconds(this.#clock) });
  }

  async get(id: Id): Promise<Community> {
    const community = await this.#store.communities.get(id);
    if (!community) throw new NotFoundError(id);
    return community;
  }

  list(): Promise<readonly Community[]> {
    return this.#store.communities.list();
  }

  async addMember(communityId: Id, member: NewMember): Promise<Member> {
    await this.get(communityId);
    if (member.name.trim().length === 0) {
      throw new ValidationError('name', 'A member needs a name.');
    }
    return this.#store.members.create(communityId, member);
  }

  async setMemberStatus(communityId: Id, memberId: Id, status: MemberStatus): Promise<void> {
    const member = await this.#store.members.get(memberId);
    if (!member || member.communityId !== communityId) throw new NotFoundError(memberId);
    await this.#store.members.setStatus(memberId, status);
  }

  /** The community's members that `query` names, any status, in id order; none is `[]`. */
  async findMembers(communityId: Id, query: MemberQuery): Promise<readonly Member[]> {
    if ('email' in query) return this.#store.members.findByEmail(communityId, query.email.trim());
    const id = await this.#content.memberIdOf(communityId, query.importId.trim());
    return id === undefined ? [] : [await this.getMember(communityId, id)];
  }

  /** The content id a member's records name them by: their import id. */
  async importIdOf(communityId: Id, memberId: Id): Promise<string> {
    return (await this.#content.member(communityId, memberId))?.sourceId ?? memberId;
  }

  async getMember(communityId: Id, memberId: Id): Promise<Member> {
    const member = await this.#store.members.get(memberId);
    if (!member || member.communityId !== communityId) throw new NotFoundError(memberId);
    return member;
  }
}
