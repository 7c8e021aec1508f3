/**
 * inspect reads only as far as it needs (docs/image-inspection.md#streaming): never past the end
 * of the bootbank, and still finds a file placed before the directory that names it.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectImage } from '../../lib/inspect/index.js';
import { bootbankEnd, compress, makeEsxiDisk, tempDir } from '../fixtures/inspect/esxi-disk.js';

t.test('gzip, xz and raw: the bytes decompressed stop before the end of the bootbank', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const disk = makeEsxiDisk(tmp.dir, { layout: '7.0+', build: '8.0.3-0.0.24022510', hooks: 'ours' });
  const end = bootbankEnd('7.0+');
  for (const file of [disk, compress(disk, 'gzip'), compress(disk, 'xz')]) {
    const image = await inspectImage(file);
    t.equal(image.esxi?.build, 24022510);
    t.ok(image.bytesDecompressed <= end, `${image.filetype}: ${image.bytesDecompressed} bytes decompressed, bootbank ends at ${end}`);
  }
});

t.test('a hook stored in clusters before its directory: found on a second pass', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const disk = makeEsxiDisk(tmp.dir, { layout: '7.0+', build: '8.0.3-0.0.24022510', hooks: 'none' });
  const p1 = `${disk}@@${64 * 512}`;
  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  const pad = join(tmp.dir, 'pad');
  writeFileSync(pad, Buffer.alloc(64 * 1024, 1));
  const hook = join(tmp.dir, 'hook');
  writeFileSync(hook, '#!/usr/bin/env python3\nprint("maas-esxi curtin-hooks: hello")\n');
  // The pad takes the first clusters, curtin/ the next; freeing the pad lets the hook land before curtin/.
  execFileSync('mcopy', ['-i', p1, pad, '::/pad'], { env });
  execFileSync('mmd', ['-i', p1, '::/curtin'], { env });
  execFileSync('mdel', ['-i', p1, '::/pad'], { env });
  execFileSync('mcopy', ['-i', p1, hook, '::/curtin/curtin-hooks'], { env });
  const image = await inspectImage(compress(disk, 'gzip'));
  t.equal(image.hooks.kind, 'maas-esxi');
  t.same(image.hooks.files, ['curtin/curtin-hooks']);
});
