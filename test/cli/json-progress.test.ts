import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { interruptCli } from '../fixtures/cli-process.js';
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
  t.equal(progress.filter((e) => e['phase'] === 'hash').at(-1)?.['bytesHashed'], image.size, 'hashing ends with a 100 % event');
  // All sent, then MAAS's check of the whole file (minutes on a real MAAS): in that order.
  const allSent = events.findIndex((e) => e['phase'] === 'upload' && e['bytesSent'] === image.size);
  const verify = events.findIndex((e) => e['event'] === 'log' && String(e['message']).startsWith('Waiting for MAAS to verify'));
  t.ok(allSent !== -1 && verify !== -1 && allSent < verify, `the all-sent event (${allSent}) before the verify line (${verify})`);
});

t.test('--json and Ctrl-C: the stopping notice is a JSON log line too', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const env = { ...process.env, HOME: home, XDG_STATE_HOME: join(home, 'state'), XDG_CONFIG_HOME: join(home, 'config') };
  await cli(['login', 'admin', sim.url, sim.adminKey], { home, env });
  const image = makeImage(home, 2 * 1024 * 1024);
  const args = ['--json', 'admin', 'create', 'name=custom/h2', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '64K', '--limit-rate', '256K'];
  const run = await interruptCli(args, env, () => sim.requests.some((r) => r.method === 'PUT' && r.status === 200));
  t.equal(run.code, 130, run.stderr);
  const events = jsonLines(run.stderr);
  t.ok(events.some((e) => e['event'] === 'log' && String(e['message']).startsWith('SIGINT received')), run.stderr);
});
