import t from 'tap';
import { pollUntil } from '../fixtures/poll.js';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { KiB, makeImage, sha256Of, tempDir } from '../fixtures/upload-env.js';

const bin = fileURLToPath(new URL('../../bin/maas-esxi.js', import.meta.url));

t.test('client killed with SIGKILL mid-upload; the rerun resumes from the server offset without hashing again', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  sim.faults.latency(40);
  const image = makeImage(home, 1500 * KiB);
  const env = { ...process.env, HOME: home, XDG_STATE_HOME: join(home, 'state'), MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey };
  const args = ['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', 'filetype=ddgz', `content@=${image.path}`, '--chunk-size', '64KiB'];
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const uploads = join(home, 'state', 'maas-esxi', 'uploads');
  const offset = (): number => {
    if (!existsSync(uploads)) return 0;
    const f = readdirSync(uploads).find((n) => n.endsWith('.json'));
    return f ? (JSON.parse(readFileSync(join(uploads, f), 'utf8')) as { offset: number }).offset : 0;
  };
  await pollUntil('the upload to save an offset of 4 chunks', () => offset() >= 4 * 64 * KiB, { intervalMs: 20 });
  const exited = new Promise<number | null>((r) => child.on('exit', (_c, sig) => r(sig === 'SIGKILL' ? 137 : _c)));
  child.kill('SIGKILL');
  t.equal(await exited, 137, 'killed');
  const killedAt = offset();
  sim.faults.latency(null);
  const rerun = await cli([...args, '--json'], { home, env: { XDG_STATE_HOME: join(home, 'state'), MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey } });
  t.equal(rerun.code, 0, rerun.stderr);
  const doc = JSON.parse(rerun.stdout) as { resource: { sets: Record<string, { files: Record<string, { filename_on_disk: string; complete: boolean }> }> }; upload: { action: string; resumedFrom: number } };
  t.equal(doc.upload.action, 'resume');
  t.ok(doc.upload.resumedFrom >= killedAt, `resumed from ${doc.upload.resumedFrom} (state said ${killedAt})`);
  t.notMatch(rerun.stderr, /Hashing/, 'the sha256 came from the cache');
  t.equal(sim.requests.filter((r) => r.method === 'PUT' && r.status === 400).length, 0, 'no "Too much data received."');
  const file = Object.values(Object.values(doc.resource.sets)[0]!.files)[0]!;
  t.equal(file.complete, true);
  t.equal(await sha256Of(join(sim.dataDir, 'files', file.filename_on_disk)), image.sha256);
});
