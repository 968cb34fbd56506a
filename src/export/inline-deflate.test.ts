/**
 * @module
 * `withInlineDeflate` against zlib's own stream: the same bytes for any input cut into any
 * chunks at any level, built only inside the scope, and zlib's class put back after it.
 */
import { createHash } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import zlib, { type ZlibOptions } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inlineDeflateCount, withInlineDeflate } from './inline-deflate.js';

/** Builds a stream the way yazl does: `new zlib.DeflateRaw(options)`, read at call time. */
function yazlCompressor(options: ZlibOptions): Transform {
  const module = zlib as unknown as { DeflateRaw: new (options: ZlibOptions) => Transform };
  return new module.DeflateRaw(options);
}

function deflated(chunks: readonly Buffer[], compressor: Transform): Promise<Buffer> {
  return buffer(Readable.from(chunks, { objectMode: false }).pipe(compressor));
}

/** Text that deflates well and bytes that do not, so that both kinds of block appear. */
const input = fc
  .tuple(
    fc.integer({ min: 0, max: 400_000 }),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    fc.constantFrom('text', 'noise', 'mixed'),
  )
  .map(([length, seed, kind]) => {
    const out = Buffer.alloc(length);
    for (let at = 0, block = 0; at < length; block++) {
      const digest = createHash('sha256').update(`${seed}/${block}`).digest();
      const isNoise = kind === 'noise' || (kind === 'mixed' && (digest[0] ?? 0) < 96);
      const piece = isNoise
        ? digest
        : Buffer.from(`{"id":"${seed % 997}","message":"post ${block % 13} of the plan"},\n`);
      at += piece.copy(out, at);
    }
    return out;
  });

describe('withInlineDeflate', () => {
  it('deflates to the bytes of zlib’s stream, however the input is cut, at any level', async () => {
    await fc.assert(
      fc.asyncProperty(
        input,
        fc.array(fc.integer({ min: 1, max: 100_000 }), { maxLength: 8 }),
        fc.constantFrom(1, 6, 9),
        async (bytes, cuts, level) => {
          const chunks: Buffer[] = [];
          let at = 0;
          for (const cut of cuts) {
            if (at >= bytes.length) break;
            chunks.push(bytes.subarray(at, at + cut));
            at += cut;
          }
          if (at < bytes.length || chunks.length === 0) chunks.push(bytes.subarray(at));
          const before = inlineDeflateCount();
          const inline = withInlineDeflate(() => yazlCompressor({ level }));
          expect(inlineDeflateCount()).toBe(before + 1);
          const pooled = yazlCompressor({ level });
          expect(inlineDeflateCount()).toBe(before + 1);
          const [ours, zlibs] = await Promise.all([
            deflated(chunks, inline),
            deflated(chunks, pooled),
          ]);
          expect(ours.equals(zlibs)).toBe(true);
          expect(zlib.inflateRawSync(ours).equals(bytes)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('puts zlib’s class back when the scope throws', () => {
    const pooled = (zlib as unknown as { DeflateRaw: unknown }).DeflateRaw;
    expect(() =>
      withInlineDeflate(() => {
        throw new Error('in scope');
      }),
    ).toThrow('in scope');
    expect((zlib as unknown as { DeflateRaw: unknown }).DeflateRaw).toBe(pooled);
    expect(yazlCompressor({}).constructor).toBe(pooled);
  });
});
