/**
 * The release and update in a bootbank's `boot.cfg` `build=` line (docs/image-inspection.md#bootcfg).
 * Expected values are VMware's release names for these build numbers (VMware KB 2143832 for 6.7
 * to 8.0), not what the parser makes of them: from 7.0 the update is the third field and a GA
 * release writes `-1.0.` after the dash (ESXi 7.0 GA's boot.cfg: `build=7.0.0-1.0.15843807`);
 * 6.7 keeps `6.7.0` and counts the update after the dash.
 */
import t from 'tap';
import { parseBootCfg } from '../../lib/inspect/boot-cfg.js';

const CASES: Array<[build: string, release: string, update: number, title: string]> = [
  ['6.7.0-0.0.8169922', '6.7', 0, 'VMware ESXi 6.7'],
  ['6.7.0-3.73.14320388', '6.7', 3, 'VMware ESXi 6.7 u3'],
  ['7.0.0-1.0.15843807', '7.0', 0, 'VMware ESXi 7.0'],
  ['7.0.0-1.25.16324942', '7.0', 0, 'VMware ESXi 7.0'], // 7.0b: a patch of GA, not an update
  ['7.0.3-0.105.22348816', '7.0', 3, 'VMware ESXi 7.0 u3'],
  ['8.0.0-1.0.20513097', '8.0', 0, 'VMware ESXi 8.0'],
  ['8.0.3-0.0.24022510', '8.0', 3, 'VMware ESXi 8.0 u3'],
  ['9.0.0-0.0.24755229', '9.0', 0, 'VMware ESXi 9.0'],
];

t.test('build= → release, update and title, for GA, patch and update builds of 6.7 to 9.0', async (t) => {
  for (const [build, release, update, title] of CASES) {
    t.match(parseBootCfg(`bootstate=0\nbuild=${build}\nupdated=1\n`), { release, update, title, build: Number(build.split('.').at(-1)) }, build);
  }
});

t.test('no build= line, or one that is not a build: null', async (t) => {
  t.equal(parseBootCfg('bootstate=0\ntitle=Loading VMware ESXi\n'), null);
  t.equal(parseBootCfg('build=\n'), null);
  t.equal(parseBootCfg('build=8.0U3\n'), null);
});
