/**
 * @module
 * The audit trail (table `audit_records`), the same on SQLite and PostgreSQL. An append takes
 * the chain's head (the last record) and writes the next record, chained to it, in one
 * transaction that first makes itself the table's only writer (`SqlEngine.lockTable`:
 * PostgreSQL's SHARE ROW EXCLUSIVE lock; SQLite's BEGIN IMMEDIATE already holds the file), so
 * two processes appending at once wait for each other and never fork the chain. Writes of
 * other repositories append through `appendAudit` inside their own transaction, so that an act
 * and its record commit together or not at all.
 */
import type { Kysely, Transaction } from 'kysely';
import {
  type AuditAct,
  type AuditActorType,
  type AuditEntry,
  type AuditRecord,
  AUDIT_GENESIS_HASH,
  chainAuditEntry,
  type Id,
} from '../../domain/index.js';
import type { AuditFilter, AuditRepository } from '../../ports/metadata-store.js';
import type { Page, PageRequest } from '../../ports/paging.js';
import { keysetPage } from './keyset-page.js';
import { keysetParameters, keysetSql } from './keyset-sql.js';
import type { AuditRecordsTable, MetadataTables } from './metadata-tables.js';
import type { SqlEngine } from './sql-engine.js';

/**
 * Appends `entry` in `trx` (a write transaction of the caller's act); `objectId` fills in an
 * entry's missing object id (the id a create just made).
 */
export async function appendAudit(
  trx: Transaction<MetadataTables>,
  engine: SqlEngine,
  entry: AuditEntry,
  objectId?: Id,
): Promise<AuditRecord> {
  await engine.lockTable(trx, 'audit_records');
  const head = await trx
    .selectFrom('audit_records')
    .select(['id', 'hash'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const record = chainAuditEntry(
    { ...entry, objectId: entry.objectId ?? objectId ?? null },
    (head?.id ?? 0) + 1,
    head?.hash ?? AUDIT_GENESIS_HASH,
  );
  await trx.insertInto('audit_records').values(toRow(record)).execute();
  return record;
}

/**
 * Runs `write` and, given `audit`, appends it in the same transaction, unless `recorded` says
 * the write changed nothing (e.g. a rename of an integration that is gone). `objectIdOf` gives
 * a create's new id. Without `audit`, `write` runs as it would alone.
 */
export function writeAudited<T>(
  db: () => Kysely<MetadataTables>,
  engine: SqlEngine,
  audit: AuditEntry | undefined,
  write: (db: Kysely<MetadataTables>) => Promise<T>,
  objectIdOf?: (result: T) => Id | undefined,
): Promise<T> {
  if (!audit) return write(db());
  return db()
    .transaction()
    .execute(async (trx) => {
      const result = await write(trx);
      if (result !== false) await appendAudit(trx, engine, audit, objectIdOf?.(result));
      return result;
    });
}

export class SqlAuditRepository implements AuditRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {}

  append(entry: AuditEntry): Promise<AuditRecord> {
    return this.db()
      .transaction()
      .execute((trx) => appendAudit(trx, this.engine, entry));
  }

  async list(filter: AuditFilter, page: PageRequest): Promise<Page<AuditRecord>> {
    const { where, values } = filterSql(filter);
    const base = `SELECT * FROM audit_records WHERE ${where}`;
    const result = await keysetPage('desc', page, (direction, position, limit) =>
      this.engine.query<AuditRecordsTable>(
        this.db(),
        keysetSql(base, direction, position !== undefined),
        keysetParameters(values, position, limit),
      ),
    );
    return { ...result, items: result.items.map(toRecord) };
  }

  async count(filter: AuditFilter): Promise<number> {
    const { where, values } = filterSql(filter);
    const row = await this.engine.queryOne<{ n: number | string }>(
      this.db(),
      `SELECT count(*) AS n FROM audit_records WHERE ${where}`,
      values,
    );
    return Number(row?.n ?? 0);
  }

  async scan(afterSeq: number, limit: number): Promise<readonly AuditRecord[]> {
    const rows = await this.engine.query<AuditRecordsTable>(
      this.db(),
      'SELECT * FROM audit_records WHERE id > ? ORDER BY id LIMIT ?',
      [afterSeq, limit],
    );
    return rows.map(toRecord);
  }
}

/** The WHERE of a filter: a fixed order of conditions, so each combination is one text. */
function filterSql(filter: AuditFilter): { where: string; values: unknown[] } {
  const conditions: string[] = ['1 = 1'];
  const values: unknown[] = [];
  const add = (condition: string, ...given: unknown[]): void => {
    conditions.push(condition);
    values.push(...given);
  };
  if (filter.communityId !== undefined) add('community_id = ?', filter.communityId);
  if (filter.since !== undefined) add('time >= ?', filter.since);
  if (filter.until !== undefined) add('time < ?', filter.until);
  if (filter.act !== undefined) add('act = ?', filter.act);
  if (filter.actorType !== undefined) add('actor_type = ?', filter.actorType);
  if (filter.actor !== undefined) {
    add(
      '(admin_id = ? OR admin_email = ? OR integration_id = ? OR token_id = ?)',
      ...Array<string>(4).fill(filter.actor),
    );
  }
  return { where: conditions.join(' AND '), values };
}

function toRow(record: AuditRecord): AuditRecordsTable {
  return {
    id: record.seq,
    time: record.time,
    act: record.act,
    actor_type: record.actorType,
    admin_id: record.adminId,
    admin_email: record.adminEmail,
    integration_id: record.integrationId,
    token_id: record.tokenId,
    client_address: record.clientAddress,
    user_agent: record.userAgent,
    community_id: record.communityId,
    object_type: record.objectType,
    object_id: record.objectId,
    details: record.details,
    prev_hash: record.prevHash,
    hash: record.hash,
  };
}

/** Rows as stored, unchecked: verification compares them with their hashes. */
function toRecord(row: AuditRecordsTable): AuditRecord {
  return {
    seq: Number(row.id),
    time: Number(row.time),
    act: row.act as AuditAct,
    actorType: row.actor_type as AuditActorType,
    adminId: row.admin_id,
    adminEmail: row.admin_email,
    integrationId: row.integration_id,
    tokenId: row.token_id,
    clientAddress: row.client_address,
    userAgent: row.user_agent,
    communityId: row.community_id,
    objectType: row.object_type,
    objectId: row.object_id,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
