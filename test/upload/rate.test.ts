import t from 'tap';
import { RateMeter } from '../../lib/upload/rate.js';

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
