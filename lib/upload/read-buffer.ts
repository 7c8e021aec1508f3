/**
 * How far into its allocation a read buffer starts: a cache line (64 bytes), so its first byte is
 * never at the start of a page.
 */
const OFFSET_BYTES = 64;

/**
 * A buffer of `bytes` for reading the image, deliberately NOT page-aligned.
 *
 * Node hands out page-aligned memory for buffers of this size (allocUnsafe, alloc, allocUnsafeSlow
 * and new ArrayBuffer all did, Node 20 to 24), and the kernel's copy out of the page cache (whose
 * pages are aligned too) into a destination at the same offset within a page is several times
 * slower on the bench machine's AMD EPYC cores: 512 MiB read from the page cache into a 512 KiB
 * buffer took 200 ms of CPU at offset 0 and 40 ms at offset 16, 64, 4032 or 4080 (any offset but
 * a multiple of 4096). The same holds for 128 KiB and 1 MiB buffers. `BENCH_ONLY=align`
 * (bench/read-alignment.mjs) measures it (docs/performance.md). Allocated once per hash or
 * upload and reused for every read, so the 64 bytes cost nothing.
 */
export function readBuffer(bytes: number): Buffer {
  return Buffer.allocUnsafeSlow(bytes + OFFSET_BYTES).subarray(OFFSET_BYTES);
}
