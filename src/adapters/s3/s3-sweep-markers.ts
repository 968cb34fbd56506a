/**
 * @module
 * How a sweeper (`deleteIfUnusedSince`) and a writer (`touch`, `put`) of the same S3 object
 * keep the writer's blob from being lost. S3 has no delete conditional on an object's time, so
 * each announces itself, then looks for the other, as in Dekker's mutual exclusion:
 * - the sweeper puts its own marker `<markers><uuid>`, then reads the object's time again,
 *   deletes the object only if it is still unused, and removes its marker;
 * - the writer renews the object's time (copy onto itself, or a new put), then looks for
 *   markers, and if one is held waits for it to go and reads whether the object is still there.
 * One of them always sees the other: the sweeper keeps a renewed object, or the writer learns
 * the object is gone (`touch` answers false, `put` fails and is retried). This holds on any
 * store that reads its own writes and lists them (AWS S3, a healthy Swift). Times: the
 * object's are the store's clock, in whole seconds; `sinceMs` is ours, so the two clocks must
 * agree to well within the grace a caller gives.
 */
import { randomUUID } from 'node:crypto';
import type { S3Bucket } from './s3-bucket.js';

/** A sweeper that has held its marker this long gives up (keeps the object). */
const MARKER_HOLD_MS = 10_000;
/** A writer waits this long for markers to go; older ones were left by a dead sweeper. */
const MARKER_WAIT_MS = 30_000;
const POLL_MS = 100;

/** Deletes `key` unless it was renewed at `sinceMs` or later; answers the bytes removed. */
export async function deleteUnusedObject(
  bucket: S3Bucket,
  key: string,
  markers: string,
  sinceMs: number,
): Promise<number | undefined> {
  // Objects' times have whole seconds: one renewed in the second of `sinceMs` stays.
  const isUsed = (modifiedMs: number): boolean => modifiedMs >= Math.floor(sinceMs / 1000) * 1000;
  const before = await bucket.head(key);
  if (before === undefined || isUsed(before.modifiedMs)) return undefined;
  const marker = `${markers}${randomUUID()}`;
  const heldAt = Date.now();
  await bucket.putEmpty(marker);
  try {
    const judged = await bucket.head(key);
    if (judged === undefined || isUsed(judged.modifiedMs)) return undefined;
    // Writers stop waiting for a marker after MARKER_WAIT_MS: never delete that late.
    if (Date.now() - heldAt > MARKER_HOLD_MS) return undefined;
    await bucket.delete(key);
    return judged.size;
  } finally {
    await bucket.delete(marker);
  }
}

/**
 * After a writer renewed `key`: waits out the sweepers' markers, if any is held, and answers
 * whether the object is still there.
 */
export async function survivesSweepers(
  bucket: S3Bucket,
  key: string,
  markers: string,
): Promise<boolean> {
  const deadline = Date.now() + MARKER_WAIT_MS;
  let waited = false;
  while ((await bucket.hasObjectsUnder(markers)) && Date.now() < deadline) {
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return !waited || (await bucket.head(key)) !== undefined;
}

/** Removes markers older than `cutoffMs` under `markerDir` (left by sweepers that died). */
export async function removeStaleMarkers(
  bucket: S3Bucket,
  markerDir: string,
  cutoffMs: number,
): Promise<void> {
  const stale: string[] = [];
  for await (const marker of bucket.list(markerDir)) {
    if (marker.modifiedMs < cutoffMs) stale.push(marker.key);
  }
  await bucket.deleteAll(stale);
}
