/**
 * @module
 * Raw deflate on the calling thread, for yazl. yazl deflates each entry through a
 * `zlib.DeflateRaw` stream, whose work runs on libuv's thread pool: one pool per process, whose
 * threads have the priority of the thread that started them. In `dyi serve` that is the API's
 * main thread, so an export's deflate ran at the API's priority (nice 0, about 0.7 s of CPU per
 * run of the latency bench's export) although the export thread itself runs at nice 19.
 * `withInlineDeflate(run)` makes the `zlib.DeflateRaw` streams built while `run` runs deflate
 * on the thread that writes to them instead: yazl builds an entry's compressor synchronously,
 * in the callback that hands it the entry's stream, so the callback is what runs inside. The
 * stream gathers the entry's bytes (text the writer holds in memory anyway) and deflates them
 * in one `deflateRawSync` call at its end, with the same options. Same bytes: a deflate stream
 * that is never flushed before its end gives what one call over all its input gives
 * (`zip-part-writer.test.ts` compares whole parts made both ways).
 */
import { Transform, type TransformCallback } from 'node:stream';
import zlib, { deflateRawSync, type ZlibOptions } from 'node:zlib';

/** The part of the zlib module yazl reads when it builds a compressor (`new zlib.DeflateRaw`). */
interface DeflateRawClass {
  DeflateRaw: new (options?: ZlibOptions) => Transform;
}

let inlineDeflates = 0;

/** How many entries this thread deflated inline so far (a test checks the path is taken). */
export function inlineDeflateCount(): number {
  return inlineDeflates;
}

/** A raw deflate stream that deflates on the thread that ends it, in one call. */
class InlineDeflateRaw extends Transform {
  readonly #options: ZlibOptions;
  readonly #chunks: Buffer[] = [];

  constructor(options: ZlibOptions = {}) {
    super();
    this.#options = options;
    inlineDeflates++;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#chunks.push(chunk);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    const input = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks);
    this.#chunks.length = 0;
    try {
      callback(null, deflateRawSync(input ?? Buffer.alloc(0), this.#options));
    } catch (error) {
      callback(error as Error);
    }
  }
}

/** Runs `run` with every `zlib.DeflateRaw` built meanwhile deflating on this thread. */
export function withInlineDeflate<T>(run: () => T): T {
  const module = zlib as unknown as DeflateRawClass;
  const pooled = module.DeflateRaw;
  module.DeflateRaw = InlineDeflateRaw;
  try {
    return run();
  } finally {
    module.DeflateRaw = pooled;
  }
}
