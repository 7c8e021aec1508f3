import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { makeImage, tempDir, KiB } from '../fixtures/upload-env.js';
import { MaasClient } from '../../lib/client/maas-client.js';

// What MAAS's BootResourceForm refuses (src/maasserver/forms/__init__.py:
// the architecture ChoiceField over the usable architectures, clean_name's reserved names) is
// refused before the image is hashed, in --dry-run too, and before 3.8's same-image check.
t.test('names and architectures MAAS refuses fail before hashing, dry run or not', async (t) => {
  const home = tempDir(t);
  // The simulator's usable architectures are the ones its synced Ubuntu images give.
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas'), usableArchitectures: ['amd64/generic', 'arm64/generic'] });
  t.teardown(() => sim.close());
  t.equal((await cli(['login', 'admin', sim.url, sim.adminKey], { home })).code, 0);
  const image = makeImage(home, 256 * 1024);
  const cases: Array<[string, string, RegExp]> = [
    ['esxi/8.0', 'x86_64/generic', /MAAS does not accept architecture 'x86_64\/generic'; it accepts amd64\/generic and arm64\/generic\./],
    ['esxi/8.0', 'ppc64el/generic', /MAAS does not accept architecture 'ppc64el\/generic'/],
    ['ubuntu/noble', 'amd64/generic', /'ubuntu\/noble' is a reserved name in MAAS/],
    ['noble', 'amd64/generic', /'noble' is a reserved name in MAAS/],
    ['esxi', 'amd64/generic', /'esxi' is a reserved name in MAAS/],
    ['centos8', 'amd64/generic', /'centos8' is a reserved name in MAAS/],
  ];
  for (const [name, architecture, expected] of cases) {
    for (const dry of [true, false]) {
      const before = sim.requests.length;
      const r = await cli(['admin', 'create', `name=${name}`, `architecture=${architecture}`, `content@=${image.path}`, ...(dry ? ['--dry-run'] : [])], { home });
      const what = `${name} ${architecture}${dry ? ' --dry-run' : ''}`;
      t.equal(r.code, 2, `${what}: a field MAAS refuses is a usage error, exit 2 (README "Exit codes")`);
      t.match(r.stderr, expected, what);
      t.notMatch(r.stderr + r.stdout, /Hashing|Would create/, `${what}: refused before hashing`);
      t.notOk(sim.requests.slice(before).some((q) => q.method !== 'GET'), `${what}: nothing written to MAAS`);
    }
  }
  const ok = await cli(['admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--dry-run'], { home });
  t.equal(ok.code, 0, `an accepted name and architecture pass: ${ok.stderr}`);
});

t.test('on 3.8 a bad architecture is reported before the same-image refusal', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 128 * 1024);
  const first = await cli(['admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`], { home });
  t.equal(first.code, 0, first.stderr);
  const again = await cli(['admin', 'create', 'name=esxi/8.0u1', 'architecture=x86_64/generic', `content@=${image.path}`], { home });
  t.equal(again.code, 2);
  t.match(again.stderr, /MAAS does not accept architecture 'x86_64\/generic'/);
  t.notMatch(again.stderr, /already holds this image/);
});

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
