/**
 * @module
 * Keeps glibc from handing freed memory back to the kernel after every few megabytes, which
 * made streaming a download cost page faults on every buffer.
 *
 * Node allocates a fresh 64 KiB buffer for every socket read, and its HTTP client copies each
 * body chunk into another one; garbage collection frees them by the hundred. With glibc's
 * starting thresholds (128 KiB), each such batch is returned to the kernel (`brk` shrinks the
 * heap) and the next reads fault the same pages back in, zeroed: a download from S3 through
 * `dyi serve` took 150,000 to 290,000 minor page faults per GiB, and most of its CPU
 * (docs/benchmarks.md, "Download through the API from S3 vs a presigned GET", session 7).
 *
 * glibc raises its thresholds by itself when a block it had mapped on its own (`mmap`, blocks
 * of 128 KiB up to 32 MiB) is freed: the mmap threshold to that block's size, and the trim
 * threshold (free heap kept before shrinking) to twice that. One block just under the 32 MiB
 * limit, allocated and dropped at start, is such a block once garbage collection frees it,
 * which start-up does many times before the first request: blocks under 31 MiB then come from
 * the heap, and up to 62 MiB of freed heap stays in the process for reuse. That is what
 * `MALLOC_TRIM_THRESHOLD_` would set, without an environment variable every deployment must
 * remember. Elsewhere than glibc (musl, macOS) the buffer is only allocated and freed.
 *
 * Why so much: V8 collects its young generation as soon as the buffers it holds reach 32 MiB
 * (twice its default semi-space size), so every such collection frees 32 MiB of body buffers
 * at once. A trim threshold of exactly 32 MiB (a 16 MiB block, session 7) sat on that edge, and
 * a download through the API from S3 was trimmed and faulted back in by chance: 34,000 to
 * 109,000 minor page faults and 2.0 to 4.5 CPU s per GiB, against 1,500 to 9,200 faults and
 * 1.2 to 2.1 s with this block, same runs (docs/benchmarks.md, session 9). The price: up to
 * 62 MiB of freed memory kept resident per process.
 */

/**
 * The block's size; glibc's trim threshold becomes twice that. Just under glibc's 32 MiB
 * limit (`DEFAULT_MMAP_THRESHOLD_MAX` on 64-bit), above which a freed block changes nothing.
 */
const BLOCK_BYTES = 31 * 1024 * 1024;

/** Allocates the block and drops it; garbage collection frees it soon after. */
export function raiseMallocThresholds(): void {
  // Uninitialised, so that it is one plain `malloc` and its pages are never touched.
  Buffer.allocUnsafeSlow(BLOCK_BYTES);
}
