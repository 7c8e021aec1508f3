import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';

const jsonLines = (text: string): Record<string, unknown>[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

// With --json, stderr is JSON lines only: progress too (a script parses both streams).
t.test('--json create: progress arrives as JSON events, never as plain lines', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 3 * 1024 * 1024);
  const run = await cli(['--json', 'admin', 'create', 'name=custom/h2', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '1M'], { home });
  t.equal(run.code, 0, run.stderr);
  const events = jsonLines(run.stderr);
  const progress = events.filter((e) => e['event'] === 'progress');
  t.ok(progress.some((e) => e['phase'] === 'hash' && e['total'] === image.size), 'hashing is reported against the file size');
  // The truth is the simulator's request log: the last event counts what MAAS acknowledged.
  const acked = sim.requests.filter((r) => r.method === 'PUT' && r.status === 200).reduce((n, r) => n + r.bodyBytes, 0);
  const last = progress.filter((e) => e['phase'] === 'upload').at(-1);
  t.same(last && { bytesAcked: last['bytesAcked'], total: last['total'] }, { bytesAcked: acked, total: image.size });
});

/** Spawn bin/maas-esxi; SIGINT once MAAS acknowledged a chunk (bounded); collect its output. */
function interruptAfterFirstChunk(args: string[], env: NodeJS.ProcessEnv, acked: () => boolean): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const bin = fileURLToPath(new URL('../../bin/maas-esxi.js', import.meta.url));
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const bound = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const watch = setInterval(() => acked() && (clearInterval(watch), child.kill('SIGINT')), 10);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(bound);
      clearInterval(watch);
      resolve({ code, stderr });
    });
  });
}

t.test('--json and Ctrl-C: the stopping notice is a JSON log line too', async (t) => {
  if (!existsSync(fileURLToPath(new URL('../../dist/cli/run.js', import.meta.url)))) throw new Error('dist/ is not built: run npm run build');
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const env = { ...process.env, HOME: home, XDG_STATE_HOME: join(home, 'state'), XDG_CONFIG_HOME: join(home, 'config') };
  await cli(['login', 'admin', sim.url, sim.adminKey], { home, env });
  const image = makeImage(home, 2 * 1024 * 1024);
  const args = ['--json', 'admin', 'create', 'name=custom/h2', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '64K', '--limit-rate', '256K'];
  const run = await interruptAfterFirstChunk(args, env, () => sim.requests.some((r) => r.method === 'PUT' && r.status === 200));
  t.equal(run.code, 130, run.stderr);
  const events = jsonLines(run.stderr);
  t.ok(events.some((e) => e['event'] === 'log' && String(e['message']).startsWith('SIGINT received')), run.stderr);
});
