import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { MaasClient } from '../../lib/client/maas-client.js';
import { cli } from '../fixtures/cli-harness.js';
import { KiB, makeImage, tempDir } from '../fixtures/upload-env.js';

const CREATE = ['admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic'];
const NOTE = /^warning: esxi\/8\.0 \(amd64\/generic\) already exists in MAAS as boot resource (\d+): this image replaces it, and MAAS deletes the older image's file \(keep_old=true keeps it\)\.$/m;

// MAAS's BootResourceForm.save reuses a resource of the same name and architecture and deletes
// its older files (docs/maas-upload-protocol.md#same-name-and-architecture-twice): a user
// uploading under an existing name may not expect that, so it is said before anything is sent.
t.test('an upload under an existing name says, before sending, that it replaces that image', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  t.equal((await cli(['login', 'admin', sim.url, '-'], { home, stdin: `${sim.adminKey}\n` })).code, 0);
  const a = makeImage(home, 64 * KiB, 'a.dd.gz');
  const b = makeImage(home, 64 * KiB, 'b.dd.gz');
  const first = await cli([...CREATE, `content@=${a.path}`], { home });
  t.equal(first.code, 0, first.stderr);
  t.notMatch(first.stderr, NOTE, 'a new name replaces nothing');

  const dry = await cli([...CREATE, `content@=${b.path}`, '--dry-run'], { home });
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stderr, NOTE, '--dry-run says it too');

  const real = await cli([...CREATE, `content@=${b.path}`], { home });
  t.equal(real.code, 0, real.stderr);
  const lines = real.stderr.split('\n');
  const note = lines.findIndex((l) => NOTE.test(l));
  t.ok(note >= 0 && note < lines.findIndex((l) => l.startsWith('Creating the boot resource')), 'said before the create');
  // What the note promised, as MAAS (the simulator) holds it: the same resource, only b's file.
  const maas = MaasClient.connect({ url: sim.url, apiKey: sim.adminKey });
  t.teardown(() => maas.close());
  const id = Number(NOTE.exec(real.stderr)![1]);
  const files = Object.values((await maas.bootResources.read(id)).sets).flatMap((s) => Object.values(s.files).map((f) => f.sha256));
  t.same(files, [b.sha256], "the named resource now holds b's file only");

  const same = await cli([...CREATE, `content@=${b.path}`], { home });
  t.notMatch(same.stderr, NOTE, 'the identical image replaces nothing');
});
