// The progress rate and ETA on a slow link with chunks larger than the kernel's buffers (a
// new-user trial: 10 MiB chunks on a 2 MB/s link showed "119 KiB/s ETA 10m08s" and, on a TTY,
// swung to "17.1 MiB/s ETA 1s", while the upload ran at 1.9 MiB/s). The trace below is that
// upload's shape: each chunk's first 6 MiB are handed to the socket at once, the rest as the
// link drains, MAAS acknowledges the chunk when its last byte crossed; the link's rate is the
// trace's own, so the expectation does not come from the code under test.
import t from 'tap';
import { ProgressRate, RateMeter } from '../../lib/upload/rate.js';
import { ProgressThrottle } from '../../lib/upload/progress-throttle.js';
import { pollUntil } from '../fixtures/poll.js';

const MiB = 1024 * 1024;
const LINK = 2 * MiB; // bytes per second
const CHUNK = 10 * MiB;
const TOTAL = 80 * MiB;

/** Progress calls (time in ms, bytes handed over, bytes acknowledged) of a whole upload. */
function trace(): Array<{ t: number; sent: number; acked: number }> {
  const calls: Array<{ t: number; sent: number; acked: number }> = [];
  const cycleMs = (CHUNK / LINK) * 1000;
  for (let c = 0; c * CHUNK < TOTAL; c++) {
    const start = c * cycleMs;
    // 6 MiB into the socket buffers within 20 ms, in 512 KiB slices.
    for (let s = 1; s <= 12; s++) calls.push({ t: start + s * 2, sent: c * CHUNK + s * 512 * 1024, acked: c * CHUNK });
    // The remaining 4 MiB as the link drains the buffers.
    for (let s = 13; s <= 20; s++) calls.push({ t: start + ((s * 512 * 1024 - 6 * MiB) / LINK) * 1000 + 3_000, sent: c * CHUNK + s * 512 * 1024, acked: c * CHUNK });
    calls.push({ t: start + cycleMs, sent: (c + 1) * CHUNK, acked: (c + 1) * CHUNK });
  }
  return calls;
}

t.test('on a slow link with large chunks the rate is the link rate and the ETA the time left', async (t) => {
  let now = 0;
  const rate = new ProgressRate(new RateMeter(5_000, () => now));
  const wrong: string[] = [];
  for (const call of trace()) {
    now = call.t;
    const r = rate.observe('upload', call.sent, call.acked, TOTAL);
    if (call.acked < CHUNK) {
      if (r.rate !== 0) wrong.push(`${now} ms: ${r.rate} B/s before MAAS acknowledged anything`);
      continue;
    }
    if (r.rate < 0.9 * LINK || r.rate > 1.1 * LINK) wrong.push(`${now} ms: ${Math.round(r.rate)} B/s`);
    // The time truly left: what the link has delivered since the last acknowledgement counts.
    const ackedAt = Math.floor(call.acked / CHUNK) * (CHUNK / LINK) * 1000;
    const left = Math.max(0, (TOTAL - call.acked) / LINK - (now - ackedAt) / 1000);
    if (r.eta === undefined || Math.abs(r.eta - left) > 0.1 * left + 0.5) wrong.push(`${now} ms: ETA ${r.eta} s, ${left} s left`);
  }
  t.same(wrong, [], `every reported rate within 10 % of the link's ${LINK} B/s, every ETA within 10 %`);
});

t.test('hashing reports the hash rate', async (t) => {
  let now = 0;
  const rate = new ProgressRate(new RateMeter(5_000, () => now));
  rate.observe('hash', 0, 0, 4 * MiB);
  now = 1_000;
  const r = rate.observe('hash', MiB, 0, 4 * MiB);
  t.equal(r.rate, MiB);
  t.equal(r.eta, 3);
});

// A resume or a restart from 0 sends bytesSent back (docs/architecture.md#data-flow-of-an-upload):
// the progress rate starts a new window there and is never negative.
t.test('the rate is never negative when the byte count goes back', async (t) => {
  let now = 0;
  const meter = new RateMeter(5_000, () => now);
  meter.record(4_000_000);
  now = 1_000;
  meter.record(12_000_000);
  t.equal(meter.rate(), 8_000_000, 'bytes per second over the window');
  now = 1_100;
  meter.record(0);
  t.equal(meter.rate(), 0, 'restart from 0: unknown, not negative');
  t.equal(meter.eta(1_000), undefined, 'no ETA without a rate');
  now = 2_100;
  meter.record(4_000_000);
  t.equal(meter.rate(), 4_000_000, 'measured again from the restart');
});

// A slow link's burst: the kernel takes a chunk's slices at once, then nothing moves for seconds.
// The last event of a burst must reach the listener when the window ends, not be dropped.
t.test('progress throttle: one event per window, the last of a burst sent at its end, a forced one at once', async (t) => {
  const sent: number[] = [];
  const throttle = new ProgressThrottle<number>((n) => sent.push(n), 50);
  t.teardown(() => throttle.stop());
  throttle.push(1);
  throttle.push(2);
  throttle.push(3);
  t.same(sent, [1], 'the first at once, the rest held');
  await pollUntil('the held event', () => sent.length === 2, { timeoutMs: 5_000 });
  t.same(sent, [1, 3], 'the latest of the burst when the window ends; 2 superseded');
  throttle.push(4);
  throttle.push(5, true);
  t.same(sent, [1, 3, 5], 'forced: at once, and the held one (4) dropped as stale');
  await new Promise((r) => setTimeout(r, 120));
  t.same(sent, [1, 3, 5], 'nothing stale sent afterwards');
  throttle.push(6);
  throttle.push(7);
  throttle.stop();
  await new Promise((r) => setTimeout(r, 120));
  t.same(sent, [1, 3, 5, 6], 'stop() drops what was held');
});
