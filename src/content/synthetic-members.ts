/**
 * @module
 * The people of the synthetic community: the company, its members (a manager tree rooted at
 * `u1`, with departments and titles to match), the groups each member joins, and the
 * connections between members. Each function draws from the caller's `Rng` in a fixed order,
 * so changing that order changes every record after it.
 */
import type { ContentRecord, MemberRecord, MemberStatus } from '../domain/index.js';
import type { Rng } from './rng.js';
import { after, DAY, START } from './synthetic-period.js';
import type { BatchMember, SyntheticState } from './synthetic-state.js';
import { ascii, pad } from './synthetic-text.js';
import { DEPARTMENTS, FIRST_NAMES, LAST_NAMES, LOCATIONS } from './synthetic-vocabulary.js';

export function makeCompany(state: SyntheticState): ContentRecord {
  return {
    type: 'company',
    id: 'company',
    name: state.options.companyName ?? `Synthetic ${state.options.seed}`,
    description: 'A synthetic community: every person and post here is made up.',
    website: 'https://synthetic.example',
    industry: 'Software',
    created_time: START,
  };
}

export function makeMember(state: SyntheticState, rng: Rng, index: number): MemberRecord {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  // Managers have lower indexes, so the manager links form a tree rooted at u1.
  const low = Math.max(2, Math.floor(index / 7));
  const manager = index === 1 ? 0 : index <= 9 ? 1 : low + rng.int(Math.floor(index / 5) - low + 1);
  const department =
    index === 1 ? -1 : index <= 9 ? index - 2 : (state.memberDepartment[manager - 1] ?? 0);
  state.memberDepartment.push(department);
  const created = index === 1 ? START : START + rng.int(60 * DAY);
  state.memberCreated.push(created);
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

/** Group memberships of a new member (the groups it created are already among them). */
export function joinGroups(
  state: SyntheticState,
  rng: Rng,
  id: string,
  created: number,
  out: ContentRecord[],
): { id: string; since: number }[] {
  const joined = new Map(state.founded.get(id));
  for (let k = 1 + rng.count(3); k > 0 && joined.size < state.groups.length; k--) {
    const group = rng.pick(state.groups);
    if (joined.has(group.id)) continue;
    const since = after(rng, Math.max(created, group.created), 90 * DAY);
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

/** Connections within the members made so far; each pair once, in either direction. */
export function makeConnections(
  state: SyntheticState,
  rng: Rng,
  members: readonly BatchMember[],
  out: ContentRecord[],
): void {
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
        created_time: after(rng, Math.max(member.created, state.created(other))),
      });
    }
  }
}
