/**
 * @module
 * The bytes of a `put` on their way to the object store: counted and hashed (SHA-256) as they
 * pass, and stopped by an `AbortSignal` even when the source itself ignores it. A source that
 * fails or is aborted makes the stream fail, which is what makes the multipart upload abort
 * before it is completed, so nothing appears under the key.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { StoredBlob } from '../../ports/blob-store.js';

export interface HashingSource {
  /** The bytes, as a stream for `@aws-sdk/lib-storage`'s `Upload`. */
  readonly stream: Readable;
  /** Size and SHA-256 of every byte the stream gave; read once the upload is done. */
  digest(): StoredBlob;
}

export function hashingSource(
  body: Readable | AsyncIterable<Uint8Array>,
  signal: AbortSignal | undefined,
): HashingSource {
  const hash = createHash('sha256');
  let size = 0;
  async function* pass(): AsyncGenerator<Buffer> {
    const iterator = body[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await untilAborted(iterator.next(), signal);
        if (next.done === true) break;
        const chunk = Buffer.from(next.value as Uint8Array);
        hash.update(chunk);
        size += chunk.byteLength;
        yield chunk;
      }
      // Held back until here: the upload completes only once the source has ended, so an
      // abort that lands before then still leaves nothing under the key.
      signal?.throwIfAborted();
    } finally {
      // Not awaited: a source stuck in its own await would hold the put with it.
      if ('destroy' in body) body.destroy();
      else void iterator.return?.().catch(() => undefined);
    }
  }
  return {
    stream: Readable.from(pass(), { objectMode: false }),
    digest: () => ({ size, sha256: hash.digest('hex') }),
  };
}

/** `promise`, or a rejection with the signal's reason as soon as it is aborted. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void =>
      reject(
        signal.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'),
      );
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
