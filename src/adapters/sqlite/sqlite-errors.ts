/**
 * @module
 * better-sqlite3's failures turned into ours, for every connection to the metadata database:
 * no space left (SQLITE_FULL, or an I/O error whose cause is ENOSPC/EDQUOT) becomes
 * StorageFullError, and a lock still held by another writer after the busy timeout becomes
 * TransientError. Anything else passes through unchanged, so that callers keep matching
 * constraint codes (e.g. SQLITE_CONSTRAINT_UNIQUE) on the original error.
 */
import Database from 'better-sqlite3';
import { StorageFullError, TransientError } from '../../domain/index.js';

/**
 * Codes that mean the disk is full. SQLite reports a failed write() with ENOSPC as
 * SQLITE_FULL, and growing the WAL index (`-shm`) on a full disk as SQLITE_IOERR_SHMSIZE.
 */
const FULL_CODES: ReadonlySet<string> = new Set(['SQLITE_FULL', 'SQLITE_IOERR_SHMSIZE']);

/** Our error for a failure of the database file at `location` (kept for logs only). */
export function fromSqliteError(error: unknown, location: string): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  if (FULL_CODES.has(error.code) || /\b(ENOSPC|EDQUOT)\b/.test(error.message)) {
    return new StorageFullError('the metadata database', location, { cause: error });
  }
  if (error.code.startsWith('SQLITE_BUSY') || error.code.startsWith('SQLITE_LOCKED')) {
    return new TransientError(
      'The database stayed locked by another writer for longer than the busy timeout; retry.',
      { cause: error },
    );
  }
  return error;
}
