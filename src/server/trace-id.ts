/**
 * @module
 * Trace ids (`fbtrace_id` and the `x-fb-trace-id` header): short random base64url strings,
 * one per request, also for answers the HTTP parser gives before a request exists.
 */
import { randomBytes } from 'node:crypto';

const TRACE_ID_BYTES = 8;
let tracePool = Buffer.alloc(0);
let traceOffset = 0;

/** A random trace id; random bytes are drawn in bulk, since one draw per request shows. */
export function newTraceId(): string {
  if (traceOffset + TRACE_ID_BYTES > tracePool.length) {
    tracePool = randomBytes(TRACE_ID_BYTES * 1024);
    traceOffset = 0;
  }
  traceOffset += TRACE_ID_BYTES;
  return tracePool.toString('base64url', traceOffset - TRACE_ID_BYTES, traceOffset);
}
