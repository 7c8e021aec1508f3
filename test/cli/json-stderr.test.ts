import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';

const jsonLines = (text: string): unknown[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);

// With --json, stderr is JSON lines only (a script parses both streams).
t.test('with --json every stderr line is JSON: multi-site create and wait-ready', async (t) => {
  const home = tempDir(t);
  for (const name of ['site1', 'site2']) {
    const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, name) });
    t.teardown(() => sim.close());
    await cli(['login', name, sim.url, sim.adminKey], { home });
  }
  const image = makeImage(home, 64 * 1024);
  const create = await cli(['site1,site2', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--json'], { home });
  t.equal(create.code, 0, create.stderr);
  t.doesNotThrow(() => jsonLines(create.stderr), `create: ${create.stderr}`);
  const wait = await cli(['site1', 'wait-ready', 'name=esxi/8.0', '--json', '--poll', '1s'], { home });
  t.equal(wait.code, 0, wait.stderr);
  t.doesNotThrow(() => jsonLines(wait.stderr), `wait-ready: ${wait.stderr}`);
});
