/**
 * The provenance input a build prepares for the post-processor (docs/image-inspection.md#provenance):
 * ISO name, size and sha256 (compared with an independent hash), template, Packer version, the
 * kickstart snippet's sha256, where the root password came from — never the password.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeProvenanceInput } from '../../lib/packer/provenance-record.js';
import { defaultTemplateDir } from '../../lib/packer/template-dir.js';
import { tempDir } from '../fixtures/inspect/esxi-disk.js';

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

t.test('the record names its inputs and holds no secret', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const iso = join(tmp.dir, 'VMware-VMvisor-Installer-8.0U3-24022510.x86_64.iso');
  writeFileSync(iso, Buffer.alloc(300 * 1024, 7));
  const ks = join(tmp.dir, 'site.ks');
  writeFileSync(ks, 'keyboard German\n');
  const path = await writeProvenanceInput(tmp.dir, {
    iso,
    isoInfo: { volumeId: 'ESXI-8.0U3-24022510-STANDARD', isEsxi: true, esxiVersion: '8.0U3', build: '24022510', rootEntries: [] },
    templateDir: defaultTemplateDir(),
    packerVersion: '1.6.6',
    kickstartExtra: ks,
    rootPassword: 'random',
  });
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  t.same(JSON.parse(readFileSync(path, 'utf8')), {
    format: 1,
    maasEsxiVersion: pkg.version,
    template: { name: 'maas-esxi vmware-esxi', version: pkg.version },
    iso: { name: 'VMware-VMvisor-Installer-8.0U3-24022510.x86_64.iso', size: 300 * 1024, sha256: sha(iso) },
    esxi: { version: '8.0U3', build: '24022510' },
    kickstartExtraSha256: sha(ks),
    packerVersion: '1.6.6',
    rootPassword: 'random',
  });
});
