/**
 * @module
 * Use cases of communities and their members.
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
import type { MetadataStore, NewMember } from '../ports/metadata-store.js';

export class CommunityService {
  readonly #store: MetadataStore;
  readonly #clock: Clock;

  constructor(store: MetadataStore, clock: Clock) {
    this.#store = store;
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

  async getMember(communityId: Id, memberId: Id): Promise<Member> {
    const member = await this.#store.members.get(memberId);
    if (!member || member.communityId !== communityId) throw new NotFoundError(memberId);
    return member;
  }
}
