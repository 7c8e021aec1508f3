/**
 * When the image-modification step fails, the build fails and no .dd.gz is written: the
 * post-processors are chained, unlike packer-maas's independent blocks that compress anyway
 * (docs/packer.md, packer-maas issue #225).
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { leaveOutUnlessCI } from '../fixtures/prerequisite.js';
import { buildUnavailable, fakeInstallerBuild } from '../fixtures/recipe/packer-build.js';

const skip = leaveOutUnlessCI(await buildUnavailable(), 'apt-get install packer qemu-system-x86 qemu-utils gdisk mtools');

t.test('a disk without GPT fails the build and leaves no image', { skip }, async (t) => {
  const dir = t.testdir();
  const run = await fakeInstallerBuild(dir, { gpt: false });
  t.equal(run.exitCode, 1, 'packer build fails', { output: run.stdout.slice(-3000) });
  t.match(run.stdout, /install-curtin-hook: ERROR: .*has no GPT header/);
  t.match(run.stdout, /,error-count,1/);
  t.match(run.stdout, /Post-processor failed/);
  t.notMatch(run.stdout, /type compress/);
  t.notOk(existsSync(join(run.outDir, 'esxi-test.dd.gz')), 'no .dd.gz written');
});
