// The session's bookkeeping (lib/upload/upload-context.ts): the re-sent byte count
// (docs/architecture.md#where-the-retry-decision-lives, "Counters"), the resume state
// (docs/maas-upload-protocol.md#the-in-flight-record) and stopping on Ctrl-C with it saved.
import t from 'tap';
import { MaasAbortError } from '../../lib/errors/index.js';
import { countSent, pause, saveOffset, saveState, stopIfAborted, throwIfAborted } from '../../lib/upload/upload-context.js';
import { fakeUpload, SHA } from '../fixtures/fake-upload.js';

t.test('countSent: every byte handed over is sent; a byte this run already handed over is re-sent', async (t) => {
  const { s } = fakeUpload({ offset: 0 });
  // [offset, handed over] → [bytesSent, bytesResent], worked out by hand.
  const steps: Array<[number, number, number, number, string]> = [
    [0, 100, 100, 0, 'the first chunk'],
    [100, 50, 150, 0, 'half of the next one, then a reset'],
    [100, 100, 250, 50, 'that chunk again: its first half was already sent'],
    [50, 100, 350, 150, 'a lost tail: MAAS dropped back to 50'],
    [200, 0, 350, 150, 'nothing handed over'],
    [200, 100, 450, 150, 'new bytes again'],
  ];
  for (const [offset, handedOver, sent, resent, what] of steps) {
    countSent(s, offset, handedOver);
    t.same([s.bytesSent, s.bytesResent], [sent, resent], what);
  }
  t.equal(s.sentUpTo, 300);
});

t.test('countSent: bytes below where the run resumed count as re-sent', async (t) => {
  const { s } = fakeUpload({ offset: 1_000 });
  countSent(s, 1_000, 100);
  t.same([s.bytesSent, s.bytesResent], [100, 0], 'from the resume point on: new');
  countSent(s, 500, 100);
  t.same([s.bytesSent, s.bytesResent], [200, 100], 'MAAS lost bytes before the resume point');
  countSent(s, 1_050, 100);
  t.same([s.bytesSent, s.bytesResent], [300, 150], 'straddling what was sent: only the overlap');
});

t.test('saveOffset: one fast write of the acknowledged offset; none without a state', async (t) => {
  const { ctx, s, log } = fakeUpload({ offset: 4_096 });
  const before = Date.now();
  await saveOffset(ctx, s);
  t.same(log.saves, [{ offset: 4_096, durable: false }]);
  t.ok(Date.parse(log.states[0]!.updatedAt) >= before - 1000, 'stamped now');
  s.state = undefined;
  await saveOffset(ctx, s);
  t.equal(log.saves.length, 1);
});

t.test('saveState: a new state holds what a rerun needs, durably', async (t) => {
  const { ctx, s, log, server } = fakeUpload({ offset: 8_192, opts: { title: 'VMware ESXi 8.0', base_image: 'ubuntu/jammy', keep_old: true, profile: 'admin' } });
  s.located.state = { ...s.state!, createdAt: '2026-01-01T00:00:00.000Z', inFlight: { offset: 8_192, length: 10, final: false } };
  s.state = undefined;
  await saveState(ctx, s);
  t.equal(ctx.stateSaved, true);
  t.same(log.saves, [{ offset: 8_192, durable: true }]);
  const st = log.states[0]!;
  t.same(
    { ...st, updatedAt: 'now' },
    {
      version: 1,
      id: 'state-1',
      fingerprint: s.located.fingerprint,
      params: { name: 'esxi/8.0', architecture: 'amd64/generic', title: 'VMware ESXi 8.0', filetype: 'ddgz', base_image: 'ubuntu/jammy', keep_old: true },
      profile: 'admin',
      sha256: SHA,
      chunkSize: 256 * 1024,
      era: '3.7',
      resourceId: 7,
      uploadUri: server.file().upload_uri,
      offset: 8_192,
      inFlight: { offset: 8_192, length: 10, final: false },
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: 'now',
    },
  );
  t.ok(!Number.isNaN(Date.parse(st.updatedAt)));
});

t.test('saveState: a first state is created now; a later save keeps it, with the new resource and offset', async (t) => {
  const { ctx, s, log, server } = fakeUpload({ offset: 0 });
  s.state = undefined;
  await saveState(ctx, s);
  const first = log.states[0]!;
  t.equal(first.createdAt, first.updatedAt, 'created now');
  t.equal(first.inFlight, undefined);
  server.resourceId = 9;
  Object.assign(s, { resource: server.resource(), file: server.file(), offset: 512 });
  await saveState(ctx, s);
  t.same([log.states[1]!.resourceId, log.states[1]!.uploadUri, log.states[1]!.offset, log.states[1]!.createdAt], [9, '/MAAS/api/2.0/boot-resources/9/upload/9/', 512, first.createdAt]);
  server.complete = true;
  s.file = server.file();
  await saveState(ctx, s);
  t.equal(log.states[2]!.uploadUri, '/MAAS/api/2.0/boot-resources/9/upload/9/', 'a file without upload_uri keeps the known one');
  s.state = undefined;
  await saveState(ctx, s);
  t.equal(log.states[3]!.uploadUri, '', 'none known at all: empty');
});

t.test('Ctrl-C: between chunks the offset is saved, then the upload stops', async (t) => {
  const { ctx, s, log, abort } = fakeUpload({ offset: 2_048 });
  await stopIfAborted(ctx, s);
  t.same(log.saves, [], 'not aborted: nothing to do');
  throwIfAborted(ctx, s);
  const reason = new Error('Ctrl-C');
  abort.abort(reason);
  const e = (await t.rejects(stopIfAborted(ctx, s))) as MaasAbortError;
  t.same([e.constructor, e.code, e.message, e.cause], [MaasAbortError, 'ABORTED', 'Upload interrupted at 2048 of 1000000 bytes; its state is saved.', reason]);
  t.match(e.hint, /again with the same options to resume/);
  t.same(log.saves, [{ offset: 2_048, durable: false }]);
});

t.test('pause: waits, and an abort ends it early without throwing', async (t) => {
  const { ctx, abort } = fakeUpload();
  const started = Date.now();
  await pause(ctx, 30);
  t.ok(Date.now() - started >= 25, 'waited');
  setTimeout(() => abort.abort(new Error('stop')), 10).unref();
  const again = Date.now();
  await pause(ctx, 60_000);
  t.ok(Date.now() - again < 30_000, 'ended by the abort');
});
