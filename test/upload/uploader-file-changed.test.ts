// The image changing under a running upload (lib/upload/uploader.ts checks before each chunk):
// any one of size, modification time or inode differing stops it with FILE_CHANGED and drops
// its state, since the bytes MAAS holds no longer belong to the file. Each case changes exactly
// one of the three, so each comparison is shown to matter on its own.
import t from 'tap';
import { appendFileSync, copyFileSync, renameSync, statSync, utimesSync } from 'node:fs';
import { UploadConflictError, MaasAbortError } from '../../lib/errors/index.js';
import { UploadStateStore } from '../../lib/upload/state-store.js';
import { KiB, makeImage, tempDir, uploadEnv, fileIdOf } from '../fixtures/upload-env.js';

const CHUNK = 64 * KiB;
/** A whole second, so that a copy can be given exactly the same modification time. */
const MTIME = 1_700_000_000;

const changes: Record<string, (path: string) => void> = {
  'size only': (path) => {
    appendFileSync(path, 'x');
    utimesSync(path, MTIME, MTIME);
  },
  'modification time only': (path) => utimesSync(path, MTIME + 10, MTIME + 10),
  'inode only': (path) => {
    copyFileSync(path, `${path}.new`);
    utimesSync(`${path}.new`, MTIME, MTIME);
    renameSync(`${path}.new`, path);
  },
};

for (const [what, change] of Object.entries(changes)) {
  t.test(`the image changed mid-upload (${what}): FILE_CHANGED, state dropped, no more PUTs`, async (t) => {
    const env = await uploadEnv(t, { era: '3.7' });
    const image = makeImage(tempDir(t), 400 * KiB);
    utimesSync(image.path, MTIME, MTIME);
    const before = statSync(image.path);
    const up = env.client.bootResources.upload(env.options(image));
    let changed = false;
    up.on('progress', (p) => {
      if (!changed && p.phase === 'upload' && p.bytesAcked >= CHUNK) {
        changed = true;
        change(image.path);
      }
    });
    const e = (await up.done().catch((err: unknown) => err)) as UploadConflictError;
    const after = statSync(image.path);
    const differs = [after.size !== before.size, after.mtimeMs !== before.mtimeMs, after.ino !== before.ino];
    t.equal(differs.filter(Boolean).length, 1, `exactly one of size, mtime, inode differs (${differs.join(', ')})`);
    t.same([e.constructor, e.code, e.message], [UploadConflictError, 'FILE_CHANGED', `${image.path} changed during the upload (size or modification time differs).`]);
    t.match(e.hint, /Wait until whatever writes the file has finished/);
    const puts = env.sim.requests.filter((q) => q.method === 'PUT').length;
    t.ok(puts < Math.ceil(image.size / CHUNK), `stopped after ${puts} PUTs`);
    t.same(await new UploadStateStore(env.stateDir).list(), [], 'no state left to resume');
  });
}

// A previous run that ended with a chunk still unanswered (SIGKILL, a crash, Ctrl-C past the
// grace period) leaves it in its state as in flight: MAAS may yet apply it, so the rerun watches
// the offset before sending anything (lib/upload/uploader.ts, docs/maas-upload-protocol.md#abandoning-a-request-reset-not-close).
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
