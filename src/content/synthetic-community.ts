/**
 * @module
 * A synthetic community for demos, tests and benchmarks: `generateSyntheticCommunity` yields
 * the records of every content kind for N members, in batches of `USERS_PER_BATCH` members, so
 * that memory stays bounded whatever N is. It is pure: the same `{ users, seed, files }` gives
 * the same records, because randomness comes from a seeded PRNG (never `Math.random`) and every
 * time falls in a fixed period (never "now").
 *
 * Each batch references only members and records of the same or earlier batches, so each can
 * be written as one transaction and every reference of every prefix resolves. Across batches
 * the generator keeps a few numbers per post, comment, event and poll (their times), never
 * the records themselves.
 *
 * Per member on average: 12 posts, 25 comments, 40 reactions, 4 chat threads with 30
 * messages, 2 events and 5 RSVPs, 6 saved items, 0.3 reported problems, 3 notes, 0.5 polls
 * and 3 votes, 15 connections, 30 searches and 20 logins; plus N/10 + 3 groups, 8
 * knowledge-library categories, N/5 + 10 articles and 3 + N/100 surveys for the community.
 */
import type { ContentRecord } from '../domain/index.js';
import { createRng, type Rng } from './rng.js';
import { makeThread } from './synthetic-chats.js';
import { makeCommunityWide } from './synthetic-community-wide.js';
import { joinGroups, makeCompany, makeConnections, makeMember } from './synthetic-members.js';
import { makePersonal } from './synthetic-personal.js';
import { makeArticles, makeEvents, makePolls, makePosts } from './synthetic-posts.js';
import { makeReplies } from './synthetic-replies.js';
import { type BatchMember, type Making, SyntheticState } from './synthetic-state.js';

// Parts of this module's API that live with the pieces of the generator that use them.
export { createRng, type Rng } from './rng.js';
export { SYNTHETIC_PERIOD } from './synthetic-period.js';
export { HOSTILE_TEXTS } from './synthetic-vocabulary.js';

/** Members per batch; fixed, because it shapes which earlier records a batch can point to. */
export const USERS_PER_BATCH = 50;

/** A stored file that media records may point to (many records share one file). */
export interface MediaFile {
  /** File name shown for non-images; images get camera-like names instead. */
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly blobKey: string;
}

export interface SyntheticCommunityOptions {
  /** Members to make, at least 1. */
  readonly users: number;
  readonly seed: number;
  /** Files media records point to; images (`image/*`) and at least one other file. */
  readonly files: readonly MediaFile[];
  /** Name of the company record (default "Synthetic <seed>"). */
  readonly companyName?: string;
}

export interface SyntheticBatch {
  readonly records: readonly ContentRecord[];
  /** Members generated so far, this batch included. */
  readonly usersDone: number;
}

/** Yields the community batch by batch; see the module comment for what and how much. */
export function* generateSyntheticCommunity(
  options: SyntheticCommunityOptions,
): Generator<SyntheticBatch> {
  if (!Number.isSafeInteger(options.users) || options.users < 1) {
    throw new RangeError(`users must be a whole number of at least 1, not ${options.users}`);
  }
  const state = new SyntheticState(options);
  for (let first = 1; first <= options.users; first += USERS_PER_BATCH) {
    const last = Math.min(options.users, first + USERS_PER_BATCH - 1);
    yield { records: makeBatch(state, first, last), usersDone: last };
  }
}

/** The records of members `first` to `last`, in an order where references point backwards. */
function makeBatch(state: SyntheticState, first: number, last: number): ContentRecord[] {
  const { seed } = state.options;
  const out: ContentRecord[] = [];
  const rng = createRng(seed, 'members', first);
  if (first === 1) out.push(makeCompany(state));
  for (let i = first; i <= last; i++) out.push(makeMember(state, rng, i));
  if (first === 1) out.push(...makeCommunityWide(state, createRng(seed, 'community'), last));
  // Pass A: what members make; pass B: replies, which need pass A's posts and events.
  const members: BatchMember[] = [];
  const make = createRng(seed, 'make', first);
  for (let i = first; i <= last; i++) members.push(makeForMember(state, make, i, last, out));
  makeConnections(state, createRng(seed, 'connections', first), members, out);
  const reply = createRng(seed, 'reply', first);
  for (const member of members) makeReplies(state, reply, member, out);
  return out;
}

/** Pass A: everything a member makes that others may reply to, and their own activity. */
function makeForMember(
  state: SyntheticState,
  rng: Rng,
  index: number,
  lastMember: number,
  out: ContentRecord[],
): BatchMember {
  const id = `u${index}`;
  const created = state.created(index);
  const activity = 0.25 + 1.5 * rng.next();
  const groups = joinGroups(state, rng, id, created, out);
  const member: BatchMember = { index, id, created, activity, groups };
  const making: Making = {
    rng,
    member,
    lastMember,
    out,
    n: (mean) => rng.count(mean * activity),
    inGroup: (p) => (groups.length > 0 && rng.chance(p) ? rng.pick(groups) : undefined),
  };
  makePosts(state, making);
  makeEvents(state, making);
  makePolls(state, making);
  for (let k = making.n(4); k > 0; k--) makeThread(state, making);
  makePersonal(state, making);
  makeArticles(state, making);
  return member;
}

/**
 * A generated record as a line of `docs/import-format.md`: a company without its fixed id, and
 * a media record as its file, `media/<name>`, the name `mediaFiles` gives for its SHA-256.
 * Without `mediaFiles` the line leaves media out: no media lines, every attachment list empty.
 */
export function importLineOf(
  record: ContentRecord,
  mediaFiles?: ReadonlyMap<string, string>,
): object | undefined {
  if (record.type === 'company') {
    const { id, ...line } = record;
    void id;
    return line;
  }
  if (record.type === 'media') {
    if (mediaFiles === undefined) return undefined;
    const { type, id, owner, name, content_type, sha256, created_time } = record;
    const file = `media/${mediaFiles.get(sha256)}`;
    return { type, id, owner, file, name, content_type, created_time };
  }
  return mediaFiles === undefined && 'attachments' in record
    ? { ...record, attachments: [] }
    : record;
}
