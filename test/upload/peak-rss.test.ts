// An installed maas-esxi starts node with a bounded young generation (loading the CLI grows V8's
// semi-spaces to 16 MiB and those pages stay resident for the whole upload) and without V8's
// optimizing compilers (their code stays resident; the upload's CPU is native code, and the
// baseline compiler, which pays for itself, stays on: bin/maas-esxi.js says what each flag did). The flags must be on
// the shim's `#!/usr/bin/env -S node …` line: set later (v8.setFlagsFromString) it has no effect.
// The effect on peak RSS is measured by `npm run bench` (the memory rows), not here: a unit test
// proves no performance.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/maas-esxi.js', import.meta.url));

t.test("the shim's first line starts node with its memory flags, and node accepts them", async (t) => {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0]!;
  t.match(first, /^#!\/usr\/bin\/env -S node( --\S+)+$/);
  const flags = first.split(/\s+/).filter((w) => w.startsWith('--'));
  t.same(flags, ['--max-semi-space-size=1', '--no-opt', '--no-maglev', '--optimize-for-size']);
  const r = spawnSync(process.execPath, [...flags, bin, '--help'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /maas-esxi/);
});
