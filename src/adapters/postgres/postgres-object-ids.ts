/**
 * @module
 * The id sequence shared by every kind of object on PostgreSQL: table `objects`, whose
 * identity column starts at FIRST_OBJECT_ID (migration 0001); its rows also answer "what is
 * this id" (`findObject`). Object rows are inserted before, and deleted after, the rows that
 * reference them.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Id, ObjectKind } from '../../domain/index.js';
import { query } from './postgres-database.js';
import type { PostgresDatabase } from './postgres-schema.js';

export type Db = Kysely<PostgresDatabase> | Transaction<PostgresDatabase>;

export async function newObjectId(
  db: Db,
  kind: ObjectKind,
  communityId: Id | null,
): Promise<number> {
  const { id } = await db
    .insertInto('objects')
    .values({ kind, community_id: communityId === null ? null : Number(communityId) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

/**
 * Allocates `count` ids in one statement, in ascending order. Other transactions may take ids
 * in between, so they need not be consecutive; their order is what callers rely on.
 */
export async function newObjectIds(
  db: Db,
  kind: ObjectKind,
  communityId: Id,
  count: number,
): Promise<number[]> {
  if (count === 0) return [];
  const rows = await query<{ id: number }>(
    db,
    'INSERT INTO objects (kind, community_id) SELECT ?::text, ?::bigint FROM generate_series(1, ?::int) RETURNING id',
    [kind, Number(communityId), count],
  );
  return rows.map((row) => row.id).sort((a, b) => a - b);
}

export async function deleteObjects(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await query(db, 'DELETE FROM objects WHERE id = ANY(?::bigint[])', [ids]);
}
