import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleEsxiDisk, startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { esxiLikeFiles, writeFakeIso } from '../fixtures/packer/fake-iso.js';
import { template } from '../fixtures/packer/paths.js';
import { sha256Of, tempDir } from '../fixtures/upload-env.js';

t.test('build-and-upload: a real Packer build, then the upload with the build\'s sha256 (hashed once)', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const iso = join(home, 'esxi.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles(), dirs: ['EFI'] });
  const out = join(home, 'out');
  const env = { MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey, PATH: process.env['PATH'] };
  // What the build makes: an ESXi 8.0 GA disk with our hooks, which the upload's hook check lets through.
  const disk = join(home, 'disk.raw');
  writeFileSync(disk, sampleEsxiDisk({ diskBytes: 256 * 1024, build: '8.0.0-1.0.20513097' }));
  const r = await cli(['env', 'build-and-upload', '--iso', iso, '--template', template('file-disk'), '--var', `disk=${disk}`, '--output', out, 'name=esxi/8.0', 'architecture=amd64/generic'], { home, env });
  t.equal(r.code, 0, r.stderr);
  const artifact = join(out, 'vmware-esxi.dd.gz');
  t.ok(existsSync(artifact), 'the artifact is in --output');
  t.match(r.stderr, /Built .*vmware-esxi\.dd\.gz/);
  t.match(r.stderr, /Using the sha256 the build computed \(the image is not hashed again\)\./);
  t.notMatch(r.stderr, /Hashing the image/, 'not hashed a second time');
  const resource = JSON.parse(r.stdout) as { name: string; title: string; sets: Record<string, { files: Record<string, { filename_on_disk: string; complete: boolean }> }> };
  t.equal(resource.name, 'esxi/8.0');
  t.equal(resource.title, 'VMware ESXi 8.0');
  const file = Object.values(Object.values(resource.sets)[0]!.files)[0]!;
  t.equal(file.complete, true);
  t.equal(await sha256Of(join(sim.dataDir, 'files', file.filename_on_disk)), await sha256Of(artifact));
});

t.test('build-and-upload checks the upload fields before building; a failed build exits 3 and uploads nothing', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const iso = join(home, 'esxi.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles(), dirs: ['EFI'] });
  const env = { MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey, PATH: process.env['PATH'] };
  const missing = await cli(['env', 'build-and-upload', '--iso', iso, '--template', template('file-chain'), 'name=esxi/8.0'], { home, env });
  t.equal(missing.code, 2);
  t.match(missing.stderr, /Missing architecture/);
  t.notMatch(missing.stderr, /Built/, 'no build was started');
  const failed = await cli(['env', 'build-and-upload', '--iso', iso, '--template', template('independent-pp-failure'), '--output', join(home, 'out'), 'name=esxi/8.0', 'architecture=amd64/generic'], { home, env });
  t.equal(failed.code, 3, failed.stderr);
  t.notOk(sim.requests.some((q) => q.method === 'POST' || q.method === 'PUT'), 'nothing uploaded');
});

t.test('build alone prints the artifact as JSON; doctor prints the checks table', async (t) => {
  const home = tempDir(t);
  const iso = join(home, 'esxi.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles(), dirs: ['EFI'] });
  const env = { PATH: process.env['PATH'] };
  const r = await cli(['build', '--iso', iso, '--template', template('file-chain'), '--output', join(home, 'o')], { home, env });
  t.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { artifact: string; sha256: string; size: number };
  t.equal(doc.sha256, await sha256Of(doc.artifact));
  const j = await cli(['build', '--iso', iso, '--template', template('file-chain'), '--output', join(home, 'j'), '--json'], { home, env });
  t.equal(j.code, 0, j.stderr);
  // --json: stdout is exactly one document (the result); the events are JSON lines on stderr.
  const result = JSON.parse(j.stdout) as { sha256: string; artifact: string };
  t.equal(result.sha256, await sha256Of(result.artifact), 'stdout is the one result document');
  const events = j.stderr.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event?: { type: string } });
  t.ok(events.length > 3, 'one JSON line per event on stderr');
  t.ok(events.every((l) => l.event), 'every stderr JSON line is an event');
  t.ok(events.some((l) => l.event?.type === 'artifact'), 'artifact events are included');
  const d = await cli(['doctor', '--iso', iso], { home, env });
  t.match(d.stdout, /^status +check +detail/m);
  t.match(d.stdout, /packer/i);
  const noPacker = await cli(['doctor'], { home, env: { PATH: '/nonexistent' } });
  t.equal(noPacker.code, 1, 'missing prerequisites → exit 1');
  t.match(noPacker.stderr, /Build prerequisites missing/);
});
