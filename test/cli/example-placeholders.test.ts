// The documented examples name placeholders (`uploads forget 3f2a`, `boot-resource delete 7`) that
// test/fixtures/example-world.ts replaces with what exists on the simulator. A value put in must
// never be read as another placeholder: an upload id is hex, and one in 16 starts with `7`.
import t from 'tap';
import { fillPlaceholders } from '../fixtures/example-world.js';

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
