import t from 'tap';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

// A saved upload whose boot resource MAAS no longer has (deleted, or replaced by a later upload of
// the same name: MAAS deletes the older resource's files) cannot resume: the upload starts over,
// and says why instead of silently creating a resource and sending from byte 0.
t.test('resuming an upload whose boot resource MAAS deleted starts over and says why', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 512 * KiB);
  const ac = new AbortController();
  const first = env.client.bootResources.upload(env.options(image, { signal: ac.signal }));
  first.on('progress', (p) => p.phase === 'upload' && p.bytesAcked >= 64 * KiB && ac.abort(new Error('Ctrl-C')));
  await t.rejects(first.done(), 'the first run stops unfinished');
  const [saved] = (await env.client.bootResources.list('uploaded')).filter((r) => r.name === 'esxi/8.0');
  t.ok(saved, 'the unfinished resource exists');
  await env.client.bootResources.delete(saved!.id);

  const warnings: string[] = [];
  const again = env.client.bootResources.upload(env.options(image));
  again.on('warning', (m) => warnings.push(m));
  const r = await again.done();
  t.equal(r.action, 'create', 'started over');
  t.same(warnings.filter((w) => w.includes(`boot resource ${saved!.id}`)).length, 1, `the reason is said once: ${JSON.stringify(warnings)}`);
  t.match(warnings.join('\n'), new RegExp(`saved upload of .* \\(boot resource ${saved!.id}\\) is no longer in MAAS .*starting over`));
  // The simulator checks the stored bytes' sha256 on the final chunk, as MAAS does.
  t.same([r.file.complete, r.file.sha256], [true, image.sha256], 'MAAS holds the whole image');
});

// Trial: B interrupted, then C uploaded under the same name to the end (MAAS dropped B's partial
// file and holds C). Resuming B would replace C, which the user may not know: refused, C intact.
t.test('resuming an upload whose name a later upload took over is refused; MAAS keeps the later image', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const dir = tempDir(t);
  const b = makeImage(dir, 512 * KiB, 'b.dd.gz');
  const c = makeImage(dir, 384 * KiB, 'c.dd.gz');
  const ac = new AbortController();
  const first = env.client.bootResources.upload(env.options(b, { signal: ac.signal }));
  first.on('progress', (p) => p.phase === 'upload' && p.bytesAcked >= 64 * KiB && ac.abort(new Error('Ctrl-C')));
  await t.rejects(first.done(), 'B stops unfinished');
  const [pending] = await env.client.bootResources.pendingUploads({ stateDir: env.stateDir });
  t.ok(pending, 'B is saved');
  const later = await env.client.bootResources.upload(env.options(c)).done();
  t.same([later.file.complete, later.file.sha256], [true, c.sha256], 'C is in MAAS');
  const puts = env.sim.requests.filter((r) => r.method === 'PUT').length;

  const err = await env.client.bootResources.resume(pending!.id, { stateDir: env.stateDir, ...env.options(b) }).done().catch((e: unknown) => e);
  t.match(err, { name: 'UploadConflictError', code: 'RESUME_REPLACED', message: new RegExp(`now holds another image \\(boot resource ${later.resource.id}\\)`) });
  // Trial: the advice named a literal ID and "the current file"; followed in order, its second step failed.
  t.equal(
    (err as { hint?: string }).hint,
    `To keep that image, drop this saved upload with bootResources.forget('${pending!.id}'); to replace it with ${b.path} on purpose, upload that file with bootResources.upload (which drops the saved upload itself).`,
  );
  t.equal((err as { fix?: unknown }).fix, undefined, 'no generic fix: the hint is this upload\'s own');
  t.equal(env.sim.requests.filter((r) => r.method === 'PUT').length, puts, 'nothing sent');
  const stored = await env.client.bootResources.read(later.resource.id);
  const files = Object.values(stored.sets).flatMap((set) => Object.values(set.files));
  t.same(files.filter((f) => f.complete).map((f) => f.sha256), [c.sha256], 'MAAS still holds C');
});
