// A 504 is a timeout too: the proxy in front of regiond gave up waiting (nginx's
// proxy_read_timeout, src/maasserver/templates/http/regiond.nginx.conf.template), while regiond may
// still be writing the chunk. The settle window then lasts as long as the attempt ran (≤ 1 min),
// as after the client's own timeout (docs/maas-upload-protocol.md#which-failures-are-ambiguous).
import t from 'tap';
import { settle } from '../../lib/upload/server-watch.js';
import type { Attempt } from '../../lib/upload/upload-context.js';
import { fakeUpload } from '../fixtures/fake-upload.js';

const answered = (status: number | undefined, over: Partial<Attempt> = {}): Attempt => ({ offset: 0, length: 10, final: false, handedOver: 10, elapsedMs: 9_500, status, error: undefined, timedOut: false, ...over });

async function windowSeconds(attempt: Attempt): Promise<string> {
  const { ctx, s, server, log } = fakeUpload({ offset: 0, opts: { settleMs: 1000, pollIntervalMs: 1 } });
  // The chunk lands at the second read, so the watch ends at once whatever its window.
  server.onRead = (n) => {
    if (n === 2) server.held = attempt.length;
  };
  await settle(ctx, s, attempt);
  return /\(up to (\d+) s\)/.exec(log.phases[0]?.[1] ?? '')?.[1] ?? 'none';
}

t.test('settle window after a proxy timeout (504): as long as the attempt ran, at most a minute', async (t) => {
  t.equal(await windowSeconds(answered(504)), '10', '504 after 9.5 s: 10 s');
  t.equal(await windowSeconds(answered(504, { elapsedMs: 600_000 })), '60', '504 after 10 min: a minute');
  t.equal(await windowSeconds(answered(502)), '1', '502 (the upstream closed, not slow): settleMs');
  t.equal(await windowSeconds(answered(undefined, { timedOut: true })), '10', 'our own timeout: as before');
});
