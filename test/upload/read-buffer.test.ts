// Read buffers start 64 bytes into their own allocation, never where Node's allocator put it
// (page-aligned for these sizes): lib/upload/read-buffer.ts; the cost is measured by
// `BENCH_ONLY=align node bench/run.mjs`, not here.
import t from 'tap';
import { readBuffer } from '../../lib/upload/read-buffer.js';

t.test('a read buffer is its own allocation, entered 64 bytes in', async (t) => {
  for (const bytes of [128 * 1024, 512 * 1024, 1024 * 1024]) {
    const b = readBuffer(bytes);
    t.equal(b.length, bytes, `${bytes} bytes usable`);
    t.equal(b.byteOffset, 64, 'starts 64 bytes past the allocation (so not at its page-aligned start)');
    t.equal(b.buffer.byteLength, bytes + 64, 'not a slice of the shared pool');
  }
});
