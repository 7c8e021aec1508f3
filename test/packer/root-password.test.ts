/**
 * No image with a public root password: without MAAS_ESXI_ROOT_PASSWORD a
 * random password is generated that ESXi's rules accept — checked by the recipe's own Python
 * checker (packer/vmware-esxi/scripts/esxi_password.py), the one the kickstart step applies —
 * and written once to a 0600 file next to the image.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseRootPassword, passwordFileFor, randomPassword, writePasswordFile } from '../../lib/packer/root-password.js';
import { REPO, tempDir } from '../fixtures/inspect/esxi-disk.js';

t.test('generated passwords pass ESXi rules as the kickstart step checks them, and differ', async (t) => {
  const passwords = Array.from({ length: 200 }, () => randomPassword());
  t.equal(new Set(passwords).size, passwords.length, 'no repeats');
  const script = `import sys, json\nsys.path.insert(0, ${JSON.stringify(join(REPO, 'packer/vmware-esxi/scripts'))})\nimport esxi_password\nprint(json.dumps([esxi_password.password_problems(p) for p in json.load(sys.stdin)]))`;
  const problems = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(passwords) }).toString()) as string[][];
  t.same(problems.filter((p) => p.length > 0), [], 'the recipe accepts every one');
});

t.test('origin: the environment first, then the published default only when asked, else random', async (t) => {
  t.same(chooseRootPassword({ MAAS_ESXI_ROOT_PASSWORD: 'Maas-Esxi%42x' }, 'MAAS_ESXI_ROOT_PASSWORD', true), { origin: 'environment', generated: undefined });
  t.same(chooseRootPassword({}, 'MAAS_ESXI_ROOT_PASSWORD', true), { origin: 'published-default', generated: undefined });
  const random = chooseRootPassword({ MAAS_ESXI_ROOT_PASSWORD: '' }, 'MAAS_ESXI_ROOT_PASSWORD', false);
  t.equal(random.origin, 'random');
  t.match(random.generated, /^.{20}$/);
});

t.test('the password file sits next to the image, mode 0600, also when an older one was 0644', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const file = passwordFileFor(join(tmp.dir, 'vmware-esxi.dd.gz'));
  t.equal(file, join(tmp.dir, 'vmware-esxi.root-password'));
  writeFileSync(file, 'old\n', { mode: 0o644 });
  await writePasswordFile(file, 'Abc-def-123x');
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.equal(readFileSync(file, 'utf8'), 'Abc-def-123x\n');
});
