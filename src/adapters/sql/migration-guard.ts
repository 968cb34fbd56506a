/**
 * @module
 * What both engines' migrations do around Kysely's Migrator: refuse a database that has run a
 * migration this code does not know (a newer dyi-export wrote it, and this code would
 * misread its tables), and report a failed run with the migration that failed.
 */
import type { MigrationResult } from 'kysely';
import { DatabaseTooNewError } from '../../domain/index.js';

/**
 * Throws DatabaseTooNewError when `applied` holds a migration outside `known` (in run order).
 * `elsewhere` tells the operator how to point dyi-export at another database instead.
 */
export function refuseUnknownMigrations(
  applied: readonly string[],
  known: readonly string[],
  location: string,
  elsewhere: string,
): void {
  const unknown = applied.filter((name) => !known.includes(name));
  if (unknown.length === 0) return;
  throw new DatabaseTooNewError(
    `The database at ${location} was written by a newer version of dyi-export ` +
      `(it has migration ${unknown.join(', ')}, this version knows up to ` +
      `${known.at(-1)}). Upgrade dyi-export, or ${elsewhere}.`,
  );
}

/** The error of a failed Migrator run, naming the migration that failed. */
export function migrationFailure(
  location: string,
  error: unknown,
  results: readonly MigrationResult[] | undefined,
): Error {
  const failed = results?.find((r) => r.status === 'Error');
  return new Error(
    `Migrating the database at ${location} failed${failed ? ` in ${failed.migrationName}` : ''}; ` +
      'the database was left as it was before that migration.',
    { cause: error },
  );
}
