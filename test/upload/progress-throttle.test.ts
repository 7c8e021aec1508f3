import t from 'tap';
import { ProgressThrottle } from '../../lib/upload/progress-throttle.js';
import { pollUntil } from '../fixtures/poll.js';

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
