import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';

const tab = (home: string, line: string) => cli(['__complete', '--cur', line.split(' ').pop() ?? '', '--line', line], { home });

// `PROFILE deploy <TAB>` offers the hostnames of the profile's MAAS, remembered per profile when a
// command reads the machines (as `architecture=` values are): a Tab reads only that file, so it
// answers with the server down.
t.test('deploy <TAB> offers the machines MAAS listed last, per profile, without the network', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas'), machines: [{ hostname: 'esx-01' }, { hostname: 'esx-02' }, { hostname: 'busy', status: 'Deployed' }] });
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  t.equal((await tab(home, 'maas-esxi admin deploy ')).stdout, '', 'nothing known before a command read the machines');

  // deploy refuses the Deployed machine, and reads the machine list on the way.
  const busy = await cli(['admin', 'deploy', 'busy', '--image', 'esxi/8.0'], { home });
  t.equal(busy.code, 2, busy.stderr);
  await sim.close();
  const expected = ['busy', 'esx-01', 'esx-02'];
  t.same((await tab(home, 'maas-esxi admin deploy ')).stdout.trim().split('\n'), expected, 'every hostname, the server down');
  t.same((await tab(home, 'maas-esxi admin deploy esx')).stdout.trim().split('\n'), ['esx-01', 'esx-02'], 'filtered by the prefix');
  t.equal((await tab(home, 'maas-esxi admin deploy esx-01 ')).stdout, '', 'one machine per deploy');
  t.equal((await tab(home, 'maas-esxi other deploy ')).stdout, '', 'another profile has its own list');
});
