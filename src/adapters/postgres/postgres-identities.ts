/**
 * @module
 * Moves PostgreSQL's identity sequences past ids written explicitly (by `dyi copy`, which
 * keeps every id of the deployment it copies): otherwise the next object, admin or import run
 * would be given an id that is taken. A sequence is never moved back; it may skip one value,
 * which ids allow (they need not be consecutive, only unique and rising).
 */
import { type Kysely, sql } from 'kysely';

export async function advanceIdentities(
  db: Kysely<unknown>,
  tables: readonly string[],
): Promise<void> {
  for (const table of tables) {
    await sql`
      SELECT setval(seq, greatest(top, nextval(seq)))
      FROM (SELECT pg_get_serial_sequence(${table}, 'id') AS seq,
                   (SELECT max(id) FROM ${sql.table(table)}) AS top) AS t
      WHERE top IS NOT NULL`.execute(db);
  }
}
