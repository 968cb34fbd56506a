/**
 * @module
 * The audit trail's records and their hash chain. Every act on exports, files, integrations,
 * tokens and admin accounts is one record: who (an admin, an integration's token, a signed
 * download URL, the CLI), from where (client address and user agent), when, and on what
 * (object type and id, community). Records form one global chain: record n carries the SHA-256
 * of record n − 1 (`prevHash`) and its own `hash`, computed over `canonicalAuditText`, so an
 * edited, removed or reordered record breaks the chain from there on (see `verifyAuditChain`).
 * No field ever holds a token, a secret or a signature: callers pass ids and names only.
 */
import { createHash } from 'node:crypto';
import type { Id, UnixSeconds } from './types.js';

/** Every act the trail records, by its stable name (the Graph edge's and the export's `act`). */
export const AUDIT_ACTS = [
  'export.create',
  'export.cancel',
  'export.delete',
  'export.expire',
  'file.download',
  'integration.create',
  'integration.rename',
  'integration.delete',
  'integration.appsecret_proof',
  'token.create',
  'token.revoke',
  'admin.create',
  'admin.password',
  'admin.sign_in',
  'admin.sign_in_failed',
] as const;
export type AuditAct = (typeof AUDIT_ACTS)[number];

/**
 * Who acted: a signed-in `admin`, an `integration` calling with one of its tokens, a
 * `signed_url` (a download that carried only the URL's signature), the `cli` run by the
 * machine's operator, or the server itself (`system`, e.g. a retention sweep).
 */
export const AUDIT_ACTOR_TYPES = ['admin', 'integration', 'signed_url', 'cli', 'system'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

export interface AuditActor {
  readonly type: AuditActorType;
  readonly adminId?: Id | null;
  readonly adminEmail?: string | null;
  readonly integrationId?: Id | null;
  readonly tokenId?: Id | null;
}

/** Where the act came from, as the server sees it (after DYI_TRUST_PROXY); null when local. */
export interface AuditClient {
  readonly address: string | null;
  readonly userAgent: string | null;
}

/** Small facts about the act (a new name, a switch's new value); never a secret. */
export type AuditDetails = Readonly<Record<string, string | number | boolean | null>>;

/** What a caller records; the store numbers it and chains it. */
export interface AuditEntry {
  readonly time: UnixSeconds;
  readonly act: AuditAct;
  readonly actor: AuditActor;
  readonly client: AuditClient;
  readonly communityId: Id | null;
  readonly objectType: string | null;
  /** Null for a create whose id the store fills in (see the repositories' `audit` argument). */
  readonly objectId: Id | null;
  readonly details?: AuditDetails;
}

/** One stored record, flat, as the Graph edge, the panel and the NDJSON export show it. */
export interface AuditRecord {
  /** 1, 2, 3…: position in the chain, also the record's id. */
  readonly seq: number;
  readonly time: UnixSeconds;
  readonly act: AuditAct;
  readonly actorType: AuditActorType;
  readonly adminId: Id | null;
  readonly adminEmail: string | null;
  readonly integrationId: Id | null;
  readonly tokenId: Id | null;
  readonly clientAddress: string | null;
  readonly userAgent: string | null;
  readonly communityId: Id | null;
  readonly objectType: string | null;
  readonly objectId: Id | null;
  /** Canonical JSON (keys sorted), `{}` when none. */
  readonly details: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The `prevHash` of record 1. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** The longest user agent kept; longer ones are cut (a client picks its own). */
const MAX_USER_AGENT = 512;

/** Details as canonical JSON: keys sorted, so one set of facts has one text. */
export function canonicalDetails(details: AuditDetails | undefined): string {
  if (!details) return '{}';
  const sorted = Object.keys(details)
    .sort()
    .map((key) => [key, details[key] ?? null]);
  return JSON.stringify(Object.fromEntries(sorted));
}

/** The record a store writes for `entry` at `seq` after a record whose hash is `prevHash`. */
export function chainAuditEntry(entry: AuditEntry, seq: number, prevHash: string): AuditRecord {
  const unhashed: Omit<AuditRecord, 'hash'> = {
    seq,
    time: entry.time,
    act: entry.act,
    actorType: entry.actor.type,
    adminId: entry.actor.adminId ?? null,
    adminEmail: entry.actor.adminEmail ?? null,
    integrationId: entry.actor.integrationId ?? null,
    tokenId: entry.actor.tokenId ?? null,
    clientAddress: entry.client.address,
    userAgent: entry.client.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
    communityId: entry.communityId,
    objectType: entry.objectType,
    objectId: entry.objectId,
    details: canonicalDetails(entry.details),
    prevHash,
  };
  return { ...unhashed, hash: auditHash(unhashed) };
}

/**
 * The text a record's hash covers: a JSON array of every field but `hash`, in a fixed order
 * (an array, so no key order can vary), numbers as numbers, absent values as null.
 */
export function canonicalAuditText(record: Omit<AuditRecord, 'hash'>): string {
  return JSON.stringify([
    record.seq,
    record.time,
    record.act,
    record.actorType,
    record.adminId,
    record.adminEmail,
    record.integrationId,
    record.tokenId,
    record.clientAddress,
    record.userAgent,
    record.communityId,
    record.objectType,
    record.objectId,
    record.details,
    record.prevHash,
  ]);
}

export function auditHash(record: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(canonicalAuditText(record)).digest('hex');
}

/** The first record that breaks the chain, and how. */
export interface AuditBreak {
  readonly seq: number;
  readonly problem: string;
}

/**
 * Checks records given in chain order, continuing after `previous` (undefined at the start):
 * each must be numbered one after the one before, name its hash as `prevHash`, and hash to its
 * own `hash`. Answers the first break, or undefined.
 */
export function findAuditBreak(
  records: readonly AuditRecord[],
  previous: { seq: number; hash: string } | undefined,
): AuditBreak | undefined {
  let last = previous ?? { seq: 0, hash: AUDIT_GENESIS_HASH };
  for (const record of records) {
    if (record.seq !== last.seq + 1) {
      return {
        seq: record.seq,
        problem:
          record.seq > last.seq + 1
            ? `records ${last.seq + 1} to ${record.seq - 1} are missing (deleted?): record ${record.seq} follows record ${last.seq}`
            : `record ${record.seq} is out of order after record ${last.seq}`,
      };
    }
    if (record.prevHash !== last.hash) {
      return {
        seq: record.seq,
        problem: `its prev_hash ${record.prevHash} is not the hash of record ${last.seq} (${last.hash})`,
      };
    }
    const { hash, ...unhashed } = record;
    const expected = auditHash(unhashed);
    if (expected !== hash) {
      return {
        seq: record.seq,
        problem: `its content does not match its hash (stored ${hash}, content hashes to ${expected}): a field was changed after it was recorded`,
      };
    }
    last = record;
  }
  return undefined;
}

/** Who acts and from where: what every entry point hands the services it calls. */
export interface AuditContext {
  readonly actor: AuditActor;
  readonly client: AuditClient;
}

/** The operator at this machine's command line. */
export const CLI_AUDIT_CONTEXT: AuditContext = Object.freeze<AuditContext>({
  actor: { type: 'cli' },
  client: { address: null, userAgent: 'dyi' },
});

/** The server acting on its own (the demo, a sweep). */
export const SYSTEM_AUDIT_CONTEXT: AuditContext = Object.freeze<AuditContext>({
  actor: { type: 'system' },
  client: { address: null, userAgent: null },
});

/** What an act was on. */
export interface AuditTarget {
  readonly communityId: Id | null;
  readonly objectType: string | null;
  /** Null for a create: the store fills in the new id. */
  readonly objectId: Id | null;
}

export function auditEntry(
  by: AuditContext,
  act: AuditAct,
  target: AuditTarget,
  time: UnixSeconds,
  details?: AuditDetails,
): AuditEntry {
  return { time, act, actor: by.actor, client: by.client, ...target, details };
}
