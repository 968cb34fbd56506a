/**
 * @module
 * Secrets waiting for the admin panel's one-time page, in SQLite (table `pending_reveals`):
 * ciphertext only, whose key this store never sees (`server/admin/one-time-reveals.ts`).
 * A take is one `DELETE … RETURNING`: SQLite runs one write at a time on the file, so of two
 * takes at once, from any processes, only the first finds the row.
 */
import type { Kysely } from 'kysely';
import type { PendingReveal, PendingRevealRepository } from '../../ports/metadata-store.js';
import type { SqliteDatabase } from './sqlite-schema.js';

export class SqlitePendingRevealRepository implements PendingRevealRepository {
  constructor(private readonly db: () => Kysely<SqliteDatabase>) {}

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
