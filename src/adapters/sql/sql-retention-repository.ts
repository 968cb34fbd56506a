/**
 * @module
 * The retention sweep's reads and writes on `exports` and `dyi_files` (columns of migration
 * SQLite 0016, PostgreSQL 0008), the same on both engines. Every write is one conditional
 * UPDATE (a compare-and-set): of two processes doing the same step at once, one changes the
 * row and the other finds its condition false. SQLite runs one write at a time on the file; on
 * PostgreSQL the second waits for the first's row lock and then checks its condition again on
 * the row as the first left it.
 */
import { type Kysely, sql } from 'kysely';
import type { AuditEntry, Id, UnixSeconds } from '../../domain/index.js';
import type { RetentionRepository } from '../../ports/metadata-store.js';
import type { MetadataTables } from './metadata-tables.js';
import { appendAudit } from './sql-audit-repository.js';
import type { SqlEngine } from './sql-engine.js';
import { toRowId } from './object-ids.js';

const DAY_SECONDS = 86_400;

export class SqlRetentionRepository implements RetentionRepository {
  constructor(
    private readonly db: () => Kysely<MetadataTables>,
    private readonly engine: SqlEngine,
  ) {}

  async fixEndedExpiries(): Promise<number> {
    const result = await sql`
      UPDATE exports
         SET expires_time = (SELECT MAX(j.update_time) FROM dyi_jobs j WHERE j.export_id = exports.id)
                            + retention_days * ${DAY_SECONDS}
       WHERE expires_time IS NULL AND retention_days IS NOT NULL AND expiry_state IS NULL
         AND EXISTS (SELECT 1 FROM export_job_counts c
                      WHERE c.export_id = exports.id AND c.pending = 0 AND c.in_progress = 0)`.execute(
      this.db(),
    );
    return Number(result.numAffectedRows ?? 0);
  }

  async due(now: UnixSeconds, leaseSeconds: number, limit: number): Promise<readonly Id[]> {
    const rows = await this.db()
      .selectFrom('exports')
      .select('id')
      .where('expires_time', 'is not', null)
      .where((eb) =>
        eb.or([
          eb.and([
            eb('expiry_state', 'is', null),
            eb('expires_time', '<=', now),
            // An export whose jobs still run waits for them (`claim` would refuse it).
            eb.exists(
              eb
                .selectFrom('export_job_counts as c')
                .select('c.export_id')
                .whereRef('c.export_id', '=', 'exports.id')
                .where('c.pending', '=', 0)
                .where('c.in_progress', '=', 0),
            ),
          ]),
          eb.and([
            eb('expiry_state', '=', 'expiring'),
            eb('expiry_claim_time', '<=', now - leaseSeconds),
          ]),
        ]),
      )
      .orderBy('expires_time')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => String(row.id));
  }

  claim(id: Id, now: UnixSeconds, leaseSeconds: number): Promise<boolean> {
    const exportId = toRowId(id);
    if (exportId === undefined) return Promise.resolve(false);
    return this.db()
      .transaction()
      .execute(async (trx) => {
        const first = await trx
          .updateTable('exports')
          .set({ expiry_state: 'expiring', expired_time: now, expiry_claim_time: now })
          .where('id', '=', exportId)
          .where('expiry_state', 'is', null)
          .where('expires_time', '<=', now)
          // No job may still run: its worker could be writing a blob of this export.
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom('export_job_counts')
                .select('export_id')
                .where('export_id', '=', exportId)
                .where('pending', '=', 0)
                .where('in_progress', '=', 0),
            ),
          )
          .executeTakeFirst();
        if (Number(first.numUpdatedRows) === 1) {
          await trx
            .updateTable('dyi_files')
            .set({ expired_time: now })
            .where('job_id', 'in', (eb) =>
              eb.selectFrom('dyi_jobs').select('id').where('export_id', '=', exportId),
            )
            .execute();
          return true;
        }
        const again = await trx
          .updateTable('exports')
          .set({ expiry_claim_time: now })
          .where('id', '=', exportId)
          .where('expiry_state', '=', 'expiring')
          .where('expiry_claim_time', '<=', now - leaseSeconds)
          .executeTakeFirst();
        return Number(again.numUpdatedRows) === 1;
      });
  }

  async finish(id: Id, audit?: AuditEntry): Promise<boolean> {
    const exportId = toRowId(id);
    if (exportId === undefined) return false;
    return this.db()
      .transaction()
      .execute(async (trx) => {
        const result = await trx
          .updateTable('exports')
          .set({ expiry_state: 'expired' })
          .where('id', '=', exportId)
          .where('expiry_state', '=', 'expiring')
          .executeTakeFirst();
        const isFinished = Number(result.numUpdatedRows) === 1;
        // Recorded once, by the process whose update ended the expiry.
        if (isFinished && audit) await appendAudit(trx, this.engine, audit);
        return isFinished;
      });
  }

  async setExpiresTime(id: Id, time: UnixSeconds): Promise<boolean> {
    const exportId = toRowId(id);
    if (exportId === undefined) return false;
    const result = await this.db()
      .updateTable('exports')
      .set({ expires_time: time })
      .where('id', '=', exportId)
      .where('expiry_state', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
