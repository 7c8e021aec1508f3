// A previous run that ended with a chunk still unanswered (SIGKILL, a crash, Ctrl-C past the
// grace period) leaves it in its state as in flight: MAAS may yet apply it, so the rerun watches
// the offset before sending anything (lib/upload/uploader.ts, docs/maas-upload-protocol.md#abandoning-a-request-reset-not-close).
import t from 'tap';
import { MaasAbortError } from '../../lib/errors/index.js';
import { UploadStateStore } from '../../lib/upload/state-store.js';
import { KiB, fileIdOf, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

const CHUNK = 64 * KiB;

t.test('a chunk left in flight by the last run: the rerun settles it first, then sends from what MAAS holds', async (t) => {
  const env = await uploadEnv(t, { era: '3.7' });
  const image = makeImage(tempDir(t), 400 * KiB);
  const first = env.client.bootResources.upload(env.options(image));
  first.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked >= CHUNK) first.abort();
  });
  t.ok((await first.done().catch((e: unknown) => e)) instanceof MaasAbortError);
  // The run died with the next chunk on the wire (written as the uploader writes it before each PUT).
  const store = new UploadStateStore(env.stateDir);
  const [state] = await store.list();
  t.ok(state, 'the stopped run left its state');
  const held = state!.offset;
  await store.save({ ...state!, inFlight: { offset: held, length: CHUNK, final: false } });
  const putsBefore = env.sim.requests.filter((q) => q.method === 'PUT').length;
  const rerun = env.client.bootResources.upload(env.options(image));
  const phases: Array<[string, string | undefined]> = [];
  rerun.on('phase', (p, detail) => phases.push([p, detail]));
  const warnings: string[] = [];
  rerun.on('warning', (m) => warnings.push(m));
  const r = await rerun.done();
  // settleMs 150 in the test options: "up to 1 s", rounded up.
  t.same(phases.filter(([p]) => p === 'settle'), [['settle', `checking whether MAAS applied the chunk at byte ${held} (up to 1 s)`]]);
  const rerunPuts = env.sim.requests.filter((q) => q.method === 'PUT').slice(putsBefore);
  t.equal(rerunPuts[0]?.appliedAt, held, 'nothing applied it: the rerun sends it again, at the same offset');
  t.same([r.resumedFrom, r.file.complete], [held, true]);
  t.same(warnings, [], 'our own upload, resumed: nothing to warn about');
  t.equal(await env.storedSha256(fileIdOf(rerunPuts.at(-1)!.path)), image.sha256);
});
