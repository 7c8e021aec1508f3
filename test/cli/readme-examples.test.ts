import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleEsxiImage } from '../../lib/testing/index.js';
import { startExampleWorld, fillPlaceholders } from '../fixtures/example-world.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** A full create line standing in for the README's `create …` shorthand: the reader's own image. */
const CREATE = 'create name=esxi/8.0 architecture=amd64/generic content@=own.dd.gz';

/**
 * Every `maas-esxi` command line of README.md's sh blocks, in order: continuation lines joined,
 * `$ ` prompts and trailing comments dropped, `create …` completed to a full command line.
 * Output lines and other programs (npm) are left out.
 */
function readmeExamples(markdown: string): string[] {
  const lines: string[] = [];
  for (const block of markdown.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)) {
    const joined = block[1]!.replace(/\\\n\s*/g, '');
    for (const raw of joined.split('\n')) {
      const line = raw.replace(/^\$ /, '').replace(/\s+#\s.*$/, '').trim();
      if (!/^(\S+=\S+ |echo .*\| )*maas-esxi /.test(line)) continue;
      lines.push(line.replace(/create …/, CREATE));
    }
  }
  return lines;
}

/** Example lines known not to work: parsed only, and listed by name so the gap shows in every run. */
const KNOWN_BROKEN = new Set<string>([]);

// The README's examples are the ones users copy: an example that no longer works fails the build
// (build/Packer examples are parsed only, as for --help).
t.test('every maas-esxi line of README.md works against the simulator', async (t) => {
  const examples = readmeExamples(README);
  t.ok(examples.length >= 30, `the Commands block and the other sh blocks: ${examples.length} lines`);
  t.ok(examples.includes("maas-esxi admin boot-resources create name=esxi/8.0 title='VMware ESXi 8.0' architecture=amd64/generic filetype=ddgz content@=vmware-esxi.dd.gz"), "the MAAS docs' line, joined");
  const world = await startExampleWorld(t);
  // Log in first, as a reader does before the lines that use the profile.
  const first = examples.filter((l) => / login /.test(l));
  for (const example of [...first, ...examples.filter((l) => !first.includes(l))]) {
    // Each `create …` line stands for a new image of the reader's (MAAS 3.8 refuses the same bytes again).
    // sampleEsxiImage: an ESXi layout with our hooks (create refuses random bytes as esxi/8.0); its GPT GUIDs make each one new.
    if (example.includes('content@=own.dd.gz')) writeFileSync(join(world.work, 'own.dd.gz'), sampleEsxiImage({ diskBytes: 200 * 1024, randomFill: false }));
    if (KNOWN_BROKEN.has(example)) t.comment(`not run (known broken, see KNOWN_BROKEN): ${example}`);
    await (KNOWN_BROKEN.has(example) ? world.parse(example) : world.run(example));
  }
});

// The documented examples name placeholders (`uploads forget 3f2a`, `boot-resource delete 7`) that
// test/fixtures/example-world.ts replaces with what exists on the simulator. A value put in must
// never be read as another placeholder: an upload id is hex, and one in 16 starts with `7`.
const ids = {
  '3f2a': async () => '7c73d6',
  '7': async () => '4',
  '4y3h7n': async () => 'abc123',
};

t.test('an upload id that starts with 7 is not taken for the resource id placeholder', async (t) => {
  t.equal(await fillPlaceholders('maas-esxi admin uploads forget 3f2a --delete-remote', ids), 'maas-esxi admin uploads forget 7c73d6 --delete-remote');
});

t.test('placeholders are whole words: the 7 of esxi/7.0 or of a title stays', async (t) => {
  t.equal(await fillPlaceholders('maas-esxi admin boot-resource delete 7', ids), 'maas-esxi admin boot-resource delete 4');
  t.equal(await fillPlaceholders("maas-esxi admin create name=esxi/7.0 title='VMware ESXi 7.0'", ids), "maas-esxi admin create name=esxi/7.0 title='VMware ESXi 7.0'");
  t.equal(await fillPlaceholders('maas-esxi admin deploy 4y3h7n --image esxi/8.0', ids), 'maas-esxi admin deploy abc123 --image esxi/8.0');
});
