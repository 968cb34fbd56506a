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
import {
  SURVEY_QUESTION_KINDS,
  type ContentRecord,
  type GroupRecord,
  type MediaRecord,
  type MemberRecord,
  type MemberStatus,
  type SurveyAnswer,
  type SurveyQuestion,
} from '../domain/index.js';

/** Every created time falls in [start, end): fixed, so that output never depends on today. */
export const SYNTHETIC_PERIOD = {
  /** 2024-01-01T00:00:00Z. */
  start: 1_704_067_200,
  /** 2026-01-01T00:00:00Z. */
  end: 1_767_225_600,
} as const;

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

const DAY = 86_400;
const { start: START, end: END } = SYNTHETIC_PERIOD;

/** A small seeded PRNG (mulberry32) with the few draws the generator needs. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A whole number whose expectation is `mean` (fractions become chances). */
  count(mean: number): number;
}

/** A PRNG whose stream is fixed by `parts` (the seed and what the stream is for). */
export function createRng(...parts: readonly (string | number)[]): Rng {
  let state = fnv1a(parts.join('\u0000'));
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      const item = items[int(items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    count: (mean) => Math.floor(mean + next()),
  };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Yields the community batch by batch; see the module comment for what and how much. */
export function* generateSyntheticCommunity(
  options: SyntheticCommunityOptions,
): Generator<SyntheticBatch> {
  if (!Number.isSafeInteger(options.users) || options.users < 1) {
    throw new RangeError(`users must be a whole number of at least 1, not ${options.users}`);
  }
  const community = new SyntheticCommunity(options);
  for (let first = 1; first <= options.users; first += USERS_PER_BATCH) {
    const last = Math.min(options.users, first + USERS_PER_BATCH - 1);
    yield { records: community.batch(first, last), usersDone: last };
  }
}

/** Times of earlier records, so that a reply never predates what it replies to. */
interface Timeline {
  readonly posts: number[];
  readonly comments: number[];
  readonly eventCreated: number[];
  readonly eventStart: number[];
  readonly polls: number[];
  readonly pollOptions: number[];
}

/** What replies (pass B) need to know of a member made in pass A of the same batch. */
interface BatchMember {
  readonly index: number;
  readonly id: string;
  readonly created: number;
  /** How active the member is: multiplies every per-member volume, mean 1. */
  readonly activity: number;
  readonly groups: readonly { readonly id: string; readonly since: number }[];
}

/** What the pass-A steps of one member share. */
interface Making {
  readonly rng: Rng;
  readonly member: BatchMember;
  /** The highest member number so far: others in chats are chosen up to it. */
  readonly lastMember: number;
  readonly out: ContentRecord[];
  /** A per-member volume: `mean` scaled by the member's activity. */
  readonly n: (mean: number) => number;
  /** One of the member's groups, with chance `p`; undefined otherwise. */
  readonly inGroup: (p: number) => { readonly id: string; readonly since: number } | undefined;
}

class SyntheticCommunity {
  readonly #options: SyntheticCommunityOptions;
  readonly #images: readonly MediaFile[];
  readonly #documents: readonly MediaFile[];
  readonly #memberCreated: number[] = [];
  readonly #memberDepartment: number[] = [];
  readonly #groups: { readonly id: string; readonly created: number }[] = [];
  /** Groups each creator made (and so is an admin of): member id → [group id, time][]. */
  readonly #founded = new Map<string, [string, number][]>();
  readonly #time: Timeline = {
    posts: [],
    comments: [],
    eventCreated: [],
    eventStart: [],
    polls: [],
    pollOptions: [],
  };
  readonly #surveys: { id: string; created: number; questions: readonly SurveyQuestion[] }[] = [];
  /** Next number of each id sequence (`p1`, `c1` ...). */
  readonly #next = new Map<string, number>();
  #articlesMade = 0;

  constructor(options: SyntheticCommunityOptions) {
    this.#options = options;
    this.#images = options.files.filter((f) => f.contentType.startsWith('image/'));
    const others = options.files.filter((f) => !f.contentType.startsWith('image/'));
    if (this.#images.length === 0) throw new Error('synthetic media need at least one image');
    this.#documents = others.length > 0 ? others : this.#images;
  }

  batch(first: number, last: number): ContentRecord[] {
    const { seed } = this.#options;
    const out: ContentRecord[] = [];
    const rng = createRng(seed, 'members', first);
    if (first === 1) out.push(this.#company());
    for (let i = first; i <= last; i++) out.push(this.#member(rng, i));
    if (first === 1) out.push(...this.#communityWide(createRng(seed, 'community'), last));
    // Pass A: what members make; pass B: replies, which need pass A's posts and events.
    const members: BatchMember[] = [];
    const make = createRng(seed, 'make', first);
    for (let i = first; i <= last; i++) members.push(this.#make(make, i, last, out));
    this.#connections(createRng(seed, 'connections', first), members, out);
    const reply = createRng(seed, 'reply', first);
    for (const member of members) this.#reply(reply, member, out);
    return out;
  }

  #id(prefix: string): string {
    const n = (this.#next.get(prefix) ?? 0) + 1;
    this.#next.set(prefix, n);
    return `${prefix}${n}`;
  }

  #company(): ContentRecord {
    return {
      type: 'company',
      id: 'company',
      name: this.#options.companyName ?? `Synthetic ${this.#options.seed}`,
      description: 'A synthetic community: every person and post here is made up.',
      website: 'https://synthetic.example',
      industry: 'Software',
      created_time: START,
    };
  }

  #member(rng: Rng, index: number): MemberRecord {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    // Managers have lower indexes, so the manager links form a tree rooted at u1.
    const low = Math.max(2, Math.floor(index / 7));
    const manager =
      index === 1 ? 0 : index <= 9 ? 1 : low + rng.int(Math.floor(index / 5) - low + 1);
    const department =
      index === 1 ? -1 : index <= 9 ? index - 2 : (this.#memberDepartment[manager - 1] ?? 0);
    this.#memberDepartment.push(department);
    const created = index === 1 ? START : START + rng.int(60 * DAY);
    this.#memberCreated.push(created);
    const roll = rng.next();
    const status: MemberStatus =
      index === 1 ? 'active' : roll < 0.01 ? 'deleted' : roll < 0.04 ? 'deactivated' : 'active';
    const dept = DEPARTMENTS[department];
    return {
      type: 'member',
      id: `u${index}`,
      name: `${first} ${last}`,
      email: `${ascii(first)}.${ascii(last)}.${index}@synthetic.example`,
      title:
        dept === undefined
          ? 'Chief Executive Officer'
          : index <= 9
            ? `Head of ${dept.name}`
            : rng.pick(dept.titles),
      department: dept?.name ?? 'Executive',
      manager: manager === 0 ? null : `u${manager}`,
      location: rng.pick(LOCATIONS),
      phone: rng.chance(0.1) ? null : `+1 555 01${pad(rng.int(100), 2)} ${pad(rng.int(10_000), 4)}`,
      status,
      created_time: created,
    };
  }

  /** Groups, library categories and surveys: made once, by members of the first batch. */
  #communityWide(rng: Rng, lastMember: number): ContentRecord[] {
    const out: ContentRecord[] = [];
    const groupCount = Math.floor(this.#options.users / 10) + 3;
    for (let g = 0; g < groupCount; g++) {
      const creator = 1 + rng.int(lastMember);
      const created = this.#after(rng, this.#created(creator), 300 * DAY);
      const id = this.#id('g');
      const roll = rng.next();
      const group: GroupRecord = {
        type: 'group',
        id,
        name: `${rng.pick(GROUP_TOPICS)} ${g + 1}`,
        description: rng.chance(0.8) ? sentence(rng) : null,
        privacy: roll < 0.6 ? 'OPEN' : roll < 0.9 ? 'CLOSED' : 'SECRET',
        creator: `u${creator}`,
        created_time: created,
      };
      this.#groups.push({ id, created });
      this.#founded.set(`u${creator}`, [
        ...(this.#founded.get(`u${creator}`) ?? []),
        [id, created],
      ]);
      out.push(group, {
        type: 'group_membership',
        id: `${id}:u${creator}`,
        group: id,
        member: `u${creator}`,
        role: 'ADMIN',
        created_time: created,
      });
    }
    KL_CATEGORIES.forEach((title, c) => {
      out.push({
        type: 'kl_category',
        id: `klc${c + 1}`,
        title,
        // The first three are top-level; the others sit under one of them.
        parent: c < 3 ? null : `klc${(c % 3) + 1}`,
        created_time: START + c * DAY,
      });
    });
    const surveyCount = 3 + Math.floor(this.#options.users / 100);
    for (let s = 0; s < surveyCount; s++) {
      const id = this.#id('sv');
      const questions = surveyQuestions(rng).map((q, n) => ({ ...q, id: `${id}-q${n + 1}` }));
      const created = START + 30 * DAY + rng.int(END - START - 90 * DAY);
      this.#surveys.push({ id, created, questions });
      out.push({
        type: 'survey',
        id,
        title: `${rng.pick(['Pulse', 'Engagement', 'Onboarding', 'Tools'])} survey ${s + 1}`,
        creator: `u${1 + rng.int(lastMember)}`,
        questions,
        created_time: created,
      });
    }
    return out;
  }

  /** Pass A: everything a member makes that others may reply to, and their own activity. */
  #make(rng: Rng, index: number, lastMember: number, out: ContentRecord[]): BatchMember {
    const id = `u${index}`;
    const created = this.#created(index);
    const activity = 0.25 + 1.5 * rng.next();
    const groups = this.#join(rng, id, created, out);
    const member: BatchMember = { index, id, created, activity, groups };
    const making: Making = {
      rng,
      member,
      lastMember,
      out,
      n: (mean) => rng.count(mean * activity),
      inGroup: (p) => (groups.length > 0 && rng.chance(p) ? rng.pick(groups) : undefined),
    };
    this.#posts(making);
    this.#events(making);
    this.#polls(making);
    for (let k = making.n(4); k > 0; k--) this.#thread(making);
    this.#personal(making);
    this.#articles(making);
    return member;
  }

  #posts({ rng, member, out, n, inGroup }: Making): void {
    for (let k = n(12); k > 0; k--) {
      const group = inGroup(0.35);
      const time = this.#after(rng, group?.since ?? member.created);
      const attachments = rng.chance(0.2)
        ? this.#media(rng, member.id, time, 1 + rng.int(3), out)
        : [];
      if (rng.chance(0.01)) attachments.push(...this.#media(rng, member.id, time, 1, out, true));
      out.push({
        type: 'post',
        id: this.#id('p'),
        author: member.id,
        group: group?.id ?? null,
        message: rng.chance(0.03) ? `${sentence(rng)} ${rng.pick(HOSTILE_TEXTS)}` : text(rng, 3),
        attachments,
        created_time: time,
      });
      this.#time.posts.push(time);
    }
  }

  #events({ rng, member, out, n, inGroup }: Making): void {
    for (let k = n(2); k > 0; k--) {
      const group = inGroup(0.3);
      // Created at least 40 days before the period ends, so the event itself falls in it too.
      const from = group?.since ?? member.created;
      const time = this.#after(rng, from, END - from - 40 * DAY);
      const start = time + DAY + rng.int(30 * DAY);
      out.push({
        type: 'event',
        id: this.#id('e'),
        title: rng.pick(EVENT_TITLES),
        description: rng.chance(0.8) ? text(rng, 2) : null,
        location: rng.chance(0.7) ? rng.pick(LOCATIONS) : null,
        start_time: start,
        end_time: rng.chance(0.9) ? start + (1 + rng.int(3)) * 3600 : null,
        creator: member.id,
        group: group?.id ?? null,
        created_time: time,
      });
      this.#time.eventCreated.push(time);
      this.#time.eventStart.push(start);
    }
  }

  #polls({ rng, member, out, n, inGroup }: Making): void {
    for (let k = n(0.5); k > 0; k--) {
      const pollId = this.#id('pl');
      const time = this.#after(rng, member.created);
      const question = rng.pick(POLL_QUESTIONS);
      out.push({
        type: 'poll',
        id: pollId,
        author: member.id,
        question: question.text,
        options: question.options.map((option, o) => ({ id: `${pollId}-o${o + 1}`, text: option })),
        group: inGroup(0.3)?.id ?? null,
        created_time: time,
      });
      this.#time.polls.push(time);
      this.#time.pollOptions.push(question.options.length);
    }
  }

  /** Articles are spread over members so that their total is exactly N/5 + 10. */
  #articles({ rng, member, out }: Making): void {
    const { users } = this.#options;
    const quota = Math.floor(((Math.floor(users / 5) + 10) * member.index) / users);
    while (this.#articlesMade < quota) {
      this.#articlesMade++;
      const time = this.#after(rng, member.created);
      out.push({
        type: 'kl_article',
        id: `kla${this.#articlesMade}`,
        category: `klc${1 + rng.int(KL_CATEGORIES.length)}`,
        title: `How we ${rng.pick(WORDS)} the ${rng.pick(WORDS)}`,
        body: text(rng, 8),
        author: member.id,
        created_time: time,
        updated_time: rng.chance(0.5) ? this.#after(rng, time) : null,
      });
    }
  }

  /** Group memberships of a new member (the groups it created are already among them). */
  #join(
    rng: Rng,
    id: string,
    created: number,
    out: ContentRecord[],
  ): { id: string; since: number }[] {
    const joined = new Map(this.#founded.get(id));
    for (let k = 1 + rng.count(3); k > 0 && joined.size < this.#groups.length; k--) {
      const group = rng.pick(this.#groups);
      if (joined.has(group.id)) continue;
      const since = this.#after(rng, Math.max(created, group.created), 90 * DAY);
      joined.set(group.id, since);
      out.push({
        type: 'group_membership',
        id: `${group.id}:${id}`,
        group: group.id,
        member: id,
        role: rng.chance(0.05) ? 'MODERATOR' : 'MEMBER',
        created_time: since,
      });
    }
    return [...joined].map(([group, since]) => ({ id: group, since }));
  }

  /** A thread with the member and one to five others, and its messages. */
  #thread({ rng, member, lastMember, out }: Making): void {
    const { id, index, created } = member;
    const participants = new Set([id]);
    const wanted = rng.chance(0.6) ? 1 : 2 + rng.int(4);
    for (let tries = 0; participants.size <= wanted && tries < 20; tries++) {
      const other = 1 + rng.int(lastMember);
      if (other !== index) participants.add(`u${other}`);
    }
    if (participants.size < 2) return;
    const threadId = this.#id('t');
    let time = this.#after(rng, created, END - created - 30 * DAY);
    out.push({
      type: 'chat_thread',
      id: threadId,
      name: participants.size > 2 ? rng.pick(CHAT_NAMES) : null,
      participants: [...participants],
      created_time: time,
    });
    const people = [...participants];
    for (let k = rng.count(7.5); k > 0; k--) {
      time = Math.min(END - 1, time + rng.int(6 * 3600));
      const author = rng.chance(0.4) ? id : rng.pick(people);
      const attachments = rng.chance(0.03)
        ? this.#media(rng, author, time, 1, out, rng.chance(0.3))
        : [];
      out.push({
        type: 'chat_message',
        id: this.#id('m'),
        thread: threadId,
        author,
        text: rng.chance(0.01) ? rng.pick(HOSTILE_TEXTS) : sentence(rng),
        attachments,
        created_time: time,
      });
    }
  }

  /** Saved items, problems, notes, searches and logins: records only their owner sees. */
  #personal({ rng, member, out, n }: Making): void {
    const { id, created } = member;
    for (let k = n(6); k > 0; k--) {
      const itemType = rng.pick(['POST', 'LINK', 'EVENT', 'ARTICLE'] as const);
      const path = itemType === 'LINK' ? `https://example.com/${rng.pick(WORDS)}` : null;
      out.push({
        type: 'saved_item',
        id: this.#id('s'),
        member: id,
        item_type: itemType,
        title: `${capitalize(rng.pick(WORDS))} ${rng.pick(WORDS)} ${rng.pick(WORDS)}`,
        url:
          path ??
          (rng.chance(0.8)
            ? `https://work.synthetic.example/${itemType.toLowerCase()}/${1 + rng.int(1000)}`
            : null),
        created_time: this.#after(rng, created),
      });
    }
    for (let k = n(0.3); k > 0; k--) {
      const roll = rng.next();
      out.push({
        type: 'reported_problem',
        id: this.#id('rp'),
        reporter: id,
        description: rng.chance(0.1) ? rng.pick(HOSTILE_TEXTS) : rng.pick(PROBLEMS),
        status: roll < 0.5 ? 'RESOLVED' : roll < 0.8 ? 'IN_REVIEW' : 'OPEN',
        created_time: this.#after(rng, created),
      });
    }
    for (let k = n(3); k > 0; k--) {
      const time = this.#after(rng, created);
      out.push({
        type: 'note',
        id: this.#id('n'),
        author: id,
        title: capitalize(`${rng.pick(WORDS)} ${rng.pick(WORDS)}`),
        body: rng.chance(0.05) ? `${text(rng, 2)}\n${rng.pick(HOSTILE_TEXTS)}` : text(rng, 6),
        created_time: time,
        updated_time: rng.chance(0.3) ? this.#after(rng, time) : null,
      });
    }
    for (let k = n(30); k > 0; k--) {
      out.push({
        type: 'search',
        id: this.#id('q'),
        member: id,
        query: rng.chance(0.3)
          ? `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`
          : rng.pick(SEARCHES),
        created_time: this.#after(rng, created),
      });
    }
    // Office and VPN addresses are private; others come from the ranges kept for documentation.
    const home = `10.${rng.int(256)}.${rng.int(256)}`;
    const place = rng.pick(LOCATIONS);
    for (let k = n(20); k > 0; k--) {
      const away = rng.chance(0.15);
      out.push({
        type: 'login',
        id: this.#id('l'),
        member: id,
        ip_address: !away
          ? `${home}.${1 + rng.int(254)}`
          : rng.chance(0.3)
            ? `2001:db8::${rng.int(0x10000).toString(16)}`
            : `203.0.113.${rng.int(256)}`,
        user_agent: rng.pick(USER_AGENTS),
        place: away ? rng.pick(LOCATIONS) : rng.chance(0.9) ? place : null,
        created_time: this.#after(rng, created),
      });
    }
  }

  /** Connections within the members made so far; each pair once, in either direction. */
  #connections(rng: Rng, members: readonly BatchMember[], out: ContentRecord[]): void {
    const pairs = new Set<string>();
    const lastMember = members.at(-1)?.index ?? 0;
    for (const member of members) {
      for (let k = rng.count(15 * member.activity); k > 0; k--) {
        const other = 1 + rng.int(lastMember);
        const key = other < member.index ? `${other}:${member.index}` : `${member.index}:${other}`;
        if (other === member.index || pairs.has(key)) continue;
        pairs.add(key);
        out.push({
          type: 'connection',
          id: `${member.id}:u${other}`,
          member: member.id,
          other: `u${other}`,
          created_time: this.#after(rng, Math.max(member.created, this.#created(other))),
        });
      }
    }
  }

  /** Pass B: comments, reactions, RSVPs, votes and survey answers on what exists by now. */
  #reply(rng: Rng, member: BatchMember, out: ContentRecord[]): void {
    const { id, activity } = member;
    const { posts, comments, eventCreated, eventStart, polls, pollOptions } = this.#time;
    for (let k = rng.count(25 * activity); k > 0 && posts.length > 0; k--) {
      const post = recent(rng, posts.length);
      const time = this.#after(rng, Math.max(posts[post] ?? START, member.created), 7 * DAY);
      out.push({
        type: 'comment',
        id: this.#id('c'),
        post: `p${post + 1}`,
        author: id,
        message: rng.chance(0.01) ? rng.pick(HOSTILE_TEXTS) : text(rng, 2),
        attachments: rng.chance(0.03) ? this.#media(rng, id, time, 1, out) : [],
        created_time: time,
      });
      comments.push(time);
    }
    const reacted = new Set<string>();
    for (let k = rng.count(40 * activity); k > 0 && posts.length > 0; k--) {
      const onPost = comments.length === 0 || rng.chance(0.6);
      const target = recent(rng, onPost ? posts.length : comments.length);
      const key = `${onPost ? 'post:p' : 'comment:c'}${target + 1}`;
      if (reacted.has(key)) continue;
      reacted.add(key);
      const after = (onPost ? posts : comments)[target] ?? START;
      const roll = rng.next();
      out.push({
        type: 'reaction',
        id: `${key}:${id}`,
        target_type: onPost ? 'post' : 'comment',
        target: `${onPost ? 'p' : 'c'}${target + 1}`,
        author: id,
        reaction: roll < 0.6 ? 'LIKE' : rng.pick(REACTIONS),
        created_time: this.#after(rng, Math.max(after, member.created), 3 * DAY),
      });
    }
    const answered = new Set<number>();
    for (let k = rng.count(5 * activity); k > 0 && eventCreated.length > 0; k--) {
      const event = recent(rng, eventCreated.length);
      if (answered.has(event)) continue;
      answered.add(event);
      const created = eventCreated[event] ?? START;
      const roll = rng.next();
      out.push({
        type: 'event_rsvp',
        id: `e${event + 1}:${id}`,
        event: `e${event + 1}`,
        member: id,
        response: roll < 0.5 ? 'GOING' : roll < 0.8 ? 'INTERESTED' : 'DECLINED',
        created_time: created + rng.int((eventStart[event] ?? created + 1) - created),
      });
    }
    const voted = new Set<number>();
    for (let k = rng.count(3 * activity); k > 0 && polls.length > 0; k--) {
      const poll = recent(rng, polls.length);
      if (voted.has(poll)) continue;
      voted.add(poll);
      out.push({
        type: 'poll_vote',
        id: `pl${poll + 1}:${id}`,
        poll: `pl${poll + 1}`,
        option: `pl${poll + 1}-o${1 + rng.int(pollOptions[poll] ?? 1)}`,
        voter: id,
        created_time: this.#after(rng, polls[poll] ?? START, 14 * DAY),
      });
    }
    for (const survey of this.#surveys) {
      if (!rng.chance(0.4)) continue;
      out.push({
        type: 'survey_response',
        id: `${survey.id}:${id}`,
        survey: survey.id,
        respondent: id,
        answers: survey.questions.flatMap((q) => answer(rng, q)),
        created_time: this.#after(rng, survey.created, 30 * DAY),
      });
    }
  }

  /** `count` media records of one owner, all created at `time`; returns their ids. */
  #media(
    rng: Rng,
    owner: string,
    time: number,
    count: number,
    out: ContentRecord[],
    isDocument = false,
  ): string[] {
    const ids: string[] = [];
    for (let k = 0; k < count; k++) {
      const file = rng.pick(isDocument ? this.#documents : this.#images);
      const id = this.#id('md');
      const media: MediaRecord = {
        type: 'media',
        id,
        owner,
        name: file.contentType.startsWith('image/')
          ? `IMG_${pad(1 + rng.int(9999), 4)}.jpg`
          : file.name,
        content_type: file.contentType,
        size: file.size,
        sha256: file.sha256,
        blob_key: file.blobKey,
        created_time: time,
      };
      out.push(media);
      ids.push(id);
    }
    return ids;
  }

  #created(memberIndex: number): number {
    return this.#memberCreated[memberIndex - 1] ?? START;
  }

  /** A time in [from, from + span), within the period. */
  #after(rng: Rng, from: number, span = END - from): number {
    const start = Math.min(from, END - 1);
    return start + rng.int(Math.max(1, Math.min(span, END - start)));
  }
}

/** An index in [0, length), more often a recent one: people reply to what is new. */
function recent(rng: Rng, length: number): number {
  const r = rng.next();
  return length - 1 - Math.floor(length * r * r);
}

function answer(rng: Rng, question: SurveyQuestion): SurveyAnswer[] {
  switch (question.kind) {
    case 'TEXT':
      return rng.chance(0.7) ? [{ question: question.id, value: sentence(rng) }] : [];
    case 'SINGLE_CHOICE':
      return [{ question: question.id, value: rng.pick(question.options) }];
    case 'MULTIPLE_CHOICE':
      return [
        {
          question: question.id,
          value: question.options.filter((_, o) => o === 0 || rng.chance(0.4)),
        },
      ];
    case 'RATING':
      return [{ question: question.id, value: 1 + rng.int(5) }];
  }
}

function sentence(rng: Rng): string {
  const words: string[] = [];
  for (let k = 5 + rng.int(10); k > 0; k--) words.push(rng.pick(WORDS));
  return `${capitalize(words.join(' '))}${rng.pick(['.', '.', '.', '!', '?'])}`;
}

function text(rng: Rng, maxSentences: number): string {
  const sentences: string[] = [];
  for (let k = 1 + rng.int(maxSentences); k > 0; k--) sentences.push(sentence(rng));
  return sentences.join(' ');
}

function capitalize(words: string): string {
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function pad(value: number, digits: number): string {
  return String(value).padStart(digits, '0');
}

/** Lower-case ASCII letters of a name, for e-mail addresses ("Zoë" → "zoe"). */
function ascii(name: string): string {
  return name
    .normalize('NFD')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

/** One question of every kind, then one or two more: every survey exercises every kind. */
function surveyQuestions(rng: Rng): Omit<SurveyQuestion, 'id'>[] {
  const chosen = SURVEY_QUESTION_KINDS.map((kind) =>
    rng.pick(SURVEY_QUESTIONS.filter((q) => q.kind === kind)),
  );
  for (let k = 1 + rng.int(2); k > 0; k--) {
    const extra = rng.pick(SURVEY_QUESTIONS);
    if (!chosen.includes(extra)) chosen.push(extra);
  }
  return chosen;
}

// The vocabulary of the synthetic community, as `|`-separated lists to keep this file short.
// A few names carry accents (Zoë, José, Søren): e-mail addresses and file names must cope.

const REACTIONS = ['LOVE', 'CARE', 'HAHA', 'WOW', 'SAD', 'ANGRY'] as const;

const FIRST_NAMES = list(
  'Ada|Alan|Amara|Ana|Aiko|Ben|Björn|Carla|Chen|Chidi|Dana|David|Elif|Emma|Farah|Felix|Grace|Hana|Hugo|Ines|Ivan|Jamal|José|Julia|Kai|Kenji|Lara|Leo|Lina|Marta|Mateo|Maya|Nadia|Noah|Olga|Omar|Priya|Rafael|Renée|Sara|Sofia|Søren|Tariq|Uma|Victor|Wei|Yara|Yusuf|Zoë',
);
const LAST_NAMES = list(
  'Abbott|Adeyemi|Almeida|Bauer|Brown|Castillo|Chen|Costa|Dubois|Eriksen|Fischer|García|Gonzalez|Haddad|Hansen|Ito|Jensen|Kim|Kowalski|Kumar|Larsen|Lopez|Martin|Meyer|Moreau|Müller|Nakamura|Novak|Nguyen|Okafor|Olsen|Patel|Pereira|Rossi|Sato|Schmidt|Silva|Smith|Tanaka|Torres|Wagner|Walker|Wang|Weber|Yilmaz|Zhang',
);
/** Departments, each with the titles of the people in it (its head is "Head of ..."). */
const DEPARTMENTS = Object.entries({
  Engineering: 'Software Engineer|Senior Software Engineer|Staff Engineer|Engineering Manager',
  Product: 'Product Manager|Product Designer|UX Researcher',
  Sales: 'Account Executive|Sales Engineer|Sales Manager',
  Marketing: 'Content Strategist|Marketing Manager|Brand Designer',
  Finance: 'Accountant|Financial Analyst|Controller',
  People: 'Recruiter|People Partner|Learning Specialist',
  Operations: 'Operations Analyst|Office Manager|Facilities Lead',
  Support: 'Support Specialist|Support Lead|Technical Writer',
}).map(([name, titles]) => ({ name, titles: list(titles) }));
const LOCATIONS = list(
  'Lisbon, Portugal|Berlin, Germany|London, United Kingdom|New York, United States|Austin, United States|São Paulo, Brazil|Lagos, Nigeria|Nairobi, Kenya|Bengaluru, India|Singapore|Tokyo, Japan|Sydney, Australia|Toronto, Canada|Dublin, Ireland|Warsaw, Poland|Mexico City, Mexico',
);
const WORDS = list(
  'roadmap|launch|release|customer|team|quarter|review|design|feedback|meeting|update|plan|goal|metric|dashboard|deadline|sprint|backlog|demo|workshop|offsite|coffee|lunch|project|milestone|budget|hiring|onboarding|process|policy|office|remote|travel|conference|talk|slides|notes|draft|proposal|idea|question|answer|thanks|congrats|welcome|reminder|schedule|kickoff|retro|incident|fix|bug|feature|test|deploy|migration|report|survey|training|mentor|wellbeing|volunteer|charity|garden|music|photo|weekend|holiday|celebration|anniversary|new|great|quick|small|big|shared|open|final|weekly|monthly|early|late|together',
);
const GROUP_TOPICS = list(
  'Announcements|Engineering|Design|Sales|Marketing|Running|Photography|Cooking|Books|Gardening|Parents|Music|Travel|Volunteering|Wellbeing|Gaming|Cycling|Newcomers|Pets|Coffee',
);
const CHAT_NAMES = list('Launch crew|Lunch plans|Offsite|Project Falcon|On-call|Book club');
const EVENT_TITLES = list(
  'All hands|Quarterly planning|Team lunch|Town hall|Hackathon|Tech talk|Onboarding session|Summer party|Running club|Volunteer day|Design critique',
);
const POLL_QUESTIONS = Object.entries({
  'Where should the offsite be?': 'Mountains|Beach|City',
  'Best day for the team lunch?': 'Tuesday|Wednesday|Thursday|Friday',
  'Keep the weekly sync?': 'Yes|No',
  'Which talk next month?': 'Databases|Design systems|Security|Accessibility',
}).map(([text, options]) => ({ text, options: list(options) }));
const PROBLEMS = list(
  'The feed does not load on my phone.|Notifications arrive twice.|I cannot upload a photo to my post.|Search does not find a group I am in.|Chat shows an old profile picture.',
);
const SEARCHES = list(
  'roadmap|holiday|benefits|payroll|offsite|onboarding|expenses|vpn|wifi|parking|handbook|security|design system|hiring|all hands|lunch|running|photos',
);
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Workplace/450.0 (iPhone; iOS 17.4)',
];
const KL_CATEGORIES = list(
  'Company|Teams|Tools|Benefits|Travel and expenses|Security|How we work|Onboarding',
);
const SURVEY_QUESTIONS: readonly Omit<SurveyQuestion, 'id'>[] = [
  ['TEXT', 'What should we do more of?', ''],
  ['TEXT', 'Anything else you want to tell us?', ''],
  ['SINGLE_CHOICE', 'Where do you work most days?', 'Office|Home|Both'],
  ['SINGLE_CHOICE', 'How long have you been with us?', '< 1 year|1-3 years|> 3 years'],
  ['MULTIPLE_CHOICE', 'Which tools do you use daily?', 'Chat|Groups|Events|Knowledge library'],
  ['MULTIPLE_CHOICE', 'Which benefits matter to you?', 'Health|Learning|Wellbeing|Commuting'],
  ['RATING', 'How would you rate your onboarding?', ''],
  ['RATING', 'How likely are you to recommend us?', ''],
].map(([kind, text, options]) => ({
  kind: kind as SurveyQuestion['kind'],
  text: text ?? '',
  options: options ? list(options) : [],
}));

/** Texts that break a renderer that forgets to escape. */
export const HOSTILE_TEXTS = [
  '<script>alert(1)</script>',
  '=HYPERLINK("http://example.com")',
  '+SUM(1,2) and @cmd and -2+3',
  '"Quoted", with commas; and a\nnew line',
  '</td></tr><img src=x onerror=alert(1)> & &amp; &lt;',
  'Unicode: Zoë, 東京, 🎉, right-to-left שלום',
];

function list(items: string): readonly string[] {
  return items.split('|');
}
