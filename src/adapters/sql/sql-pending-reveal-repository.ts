/**
 * @module
 * Secrets waiting for the admin panel's one-time page (table `pending_reveals`), the same on
 * SQLite and PostgreSQL: ciphertext only, whose key this store never sees
 * (`server/admin/one-time-reveals.ts`). A take is one `DELETE … RETURNING`, so of two takes at
 * once, from any processes, only one finds the row: SQLite runs one write at a time on the
 * file; on PostgreSQL the first locks the row and the second, waiting for it, finds it gone.
 */
import type { Kysely } from 'kysely';
import type { PendingReveal, PendingRevealRepository } from '../../ports/metadata-store.js';
import type { MetadataTables } from './metadata-tables.js';

export class SqlPendingRevealRepository implements PendingRevealRepository {
  constructor(private readonly db: () => Kysely<MetadataTables>) {}

  async put(reveal: PendingReveal, maxPerOwner: number): Promise<void> {
    const db = this.db();
    await db
      .insertInto('pending_reveals')
      .values({
        id: reveal.id,
        owner_hash: reveal.ownerHash,
        ciphertext: reveal.ciphertext,
        expire_time_ms: reveal.expireTimeMs,
      })
      .execute();
    // After the insert, not before: puts racing for one owner each trim to the bound.
    await db
      .deleteFrom('pending_reveals')
      .where('owner_hash', '=', reveal.ownerHash)
      .where(
        'id',
        'not in',
        db
          .selectFrom('pending_reveals')
          .select('id')
          .where('owner_hash', '=', reveal.ownerHash)
          .orderBy('expire_time_ms', 'desc')
          .orderBy('id', 'desc')
          .limit(maxPerOwner),
      )
      .execute();
  }

  async take(id: string, ownerHash: string, nowMs: number): Promise<string | undefined> {
    const row = await this.db()
      .deleteFrom('pending_reveals')
      .where('id', '=', id)
      .where('owner_hash', '=', ownerHash)
      .where('expire_time_ms', '>', nowMs)
      .returning('ciphertext')
      .executeTakeFirst();
    return row?.ciphertext;
  }

  async deleteExpired(nowMs: number): Promise<number> {
    const result = await this.db()
      .deleteFrom('pending_reveals')
      .where('expire_time_ms', '<=', nowMs)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
