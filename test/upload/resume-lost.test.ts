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
