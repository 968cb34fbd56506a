/**
 * @module
 * The pg-boss job id of a DYI job's task: a UUID made from the job's id, so that enqueuing the
 * same job twice names the same pg-boss job and the second insert is a no-op, however far
 * apart the two calls are and whichever process makes them.
 *
 * Layout: a fixed first half (`d71e0000-0000-8000`, marking our ids in `pgboss.job`) and the
 * job id, a decimal number below 2^64, in hexadecimal, zero-padded to 16 digits, as the second
 * half. PostgreSQL compares UUIDs byte by byte, so tasks enqueued in one batch (one
 * `created_on`) are also handed out in the order of their job ids, as pg-boss breaks ties of
 * `created_on` by id.
 */
import type { Id } from '../../domain/index.js';

const PREFIX = 'd71e0000-0000-8000';
const MAX_ID = 2n ** 64n;

/** The UUID of `jobId`'s task; throws for an id that is not a decimal number below 2^64. */
export function taskUuid(jobId: Id): string {
  if (!/^\d{1,20}$/.test(jobId) || BigInt(jobId) >= MAX_ID) {
    throw new Error(`Job id ${JSON.stringify(jobId)} is not a decimal number below 2^64.`);
  }
  const hex = BigInt(jobId).toString(16).padStart(16, '0');
  return `${PREFIX}-${hex.slice(0, 4)}-${hex.slice(4)}`;
}

/** The job id whose task is `uuid` (the inverse of `taskUuid`). */
export function jobIdOfTask(uuid: string): Id {
  return BigInt(`0x${uuid.replaceAll('-', '').slice(16)}`).toString();
}
