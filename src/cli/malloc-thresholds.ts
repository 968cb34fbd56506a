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
 * of 128 KiB to 32 MiB) is freed: the mmap threshold to that block's size, and the trim
 * threshold (free heap kept before shrinking) to twice that. One 16 MiB buffer, allocated and dropped at
 * start, is such a block once garbage collection frees it, which start-up does many times
 * before the first request: blocks under 16 MiB then come from the heap, and up to 32 MiB of
 * freed heap stays in the process for reuse. That is what `MALLOC_TRIM_THRESHOLD_` would set,
 * without an environment variable every deployment must remember. Elsewhere than glibc (musl,
 * macOS) the buffer is only allocated and freed.
 */

/** The block's size; glibc's trim threshold becomes twice that. */
const BLOCK_BYTES = 16 * 1024 * 1024;

/** Allocates the block and drops it; garbage collection frees it soon after. */
export function raiseMallocThresholds(): void {
  // Uninitialised, so that it is one plain `malloc` and its pages are never touched.
  Buffer.allocUnsafeSlow(BLOCK_BYTES);
}
