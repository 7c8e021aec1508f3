/**
 * "The simulator as a tool": `maas-esxi simulator` with machines, racks, regions and
 * faults from the command line prints a URL and a ready API key; what a client using them then
 * reads from the API is the truth checked here. And `sim.storedSha256(resourceId)`.
 */
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, runContext } from '../fixtures/cli-harness.js';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { simulatorCommand } from '../../lib/cli/commands/simulator.js';
import { MaasClient } from '../../lib/client/maas-client.js';
import { MaasConfigError } from '../../lib/errors/index.js';
import { simulatorSetup } from '../../lib/testing/run-simulator.js';
import type { UploadRetry } from '../../lib/upload/types.js';

/** Poll `read()` until it matches, at most 10 s. */
async function until(read: () => string, re: RegExp): Promise<RegExpExecArray> {
  const end = Date.now() + 10_000;
  for (;;) {
    const m = re.exec(read());
    if (m) return m;
    if (Date.now() > end) throw new Error(`no ${re} within 10 s in: ${read()}`);
    await sleep(20);
  }
}

t.test('simulator: machines, racks, regions and a fault, reachable with the printed URL and key', async (t) => {
  const home = tempDir(t);
  const { ctx, stdout } = runContext({ home });
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const argv = { era: '3.4', machines: 'esx1:Ready,esx2:Ready:fail=network', racks: 3, regions: 2, port: 0, fault: ['PUT#3=503'] };
  const running = simulatorCommand.run(await simulatorCommand.parse(argv, ctx), { ...ctx, signal: ac.signal });
  const url = (await until(stdout, /^MAAS_API_URL=(\S+)$/m))[1]!;
  const key = (await until(stdout, /^MAAS_API_KEY=(\S+)$/m))[1]!;
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/MAAS\/$/);

  const maas = MaasClient.connect({ url, apiKey: key, backoff: { baseMs: 5, maxMs: 20, retries: 4 } });
  t.teardown(() => maas.close());
  t.equal((await maas.version()).era, '3.4');
  t.equal((await maas.whoami()).is_superuser, true, 'the printed key is an administrator\'s');
  t.equal((await maas.api.json<unknown[]>('GET', 'rackcontrollers/')).length, 3);
  t.equal((await maas.api.json<unknown[]>('GET', 'regioncontrollers/')).length, 2);
  const machines = await maas.machines.list();
  t.same(machines.map((m) => [m.hostname, m.status_name]).sort(), [['esx1', 'Ready'], ['esx2', 'Ready']]);

  const image = makeImage(home, 400 * KiB);
  const up = maas.bootResources.upload({ name: 'esxi/8.0', architecture: 'amd64/generic', path: image.path, chunkSize: 64 * KiB, stateDir: home, backoff: { baseMs: 5, maxMs: 20, retries: 4 } });
  const retries: UploadRetry[] = [];
  up.on('retry', (r) => retries.push(r));
  await up.done();
  t.same(retries.map((r) => r.error.status), [503], 'the third PUT answered 503, once');

  const failed = await maas.deploy({ machine: 'esx2', distroSeries: 'esxi/8.0', pollIntervalMs: 20 }).done().catch((e: unknown) => e);
  t.match(failed, { name: 'DeploymentFailedError', step: 'network' }, 'esx2 fails its first boot at network');

  ac.abort();
  await running;
});

t.test('bad simulator options: one MaasConfigError each, naming the option', async (t) => {
  const cases: [Parameters<typeof simulatorSetup>[0], string][] = [
    [{ era: '9.9' }, 'era'],
    [{ machines: 'esx1:Sleeping' }, 'machines'],
    [{ machines: ':Ready' }, 'machines'],
    [{ faults: ['PUT#0=503'] }, 'faults'],
    [{ faults: ['PATCH#1=503'] }, 'faults'],
    [{ racks: 0 }, 'racks'],
    [{ port: 70000 }, 'port'],
    [{ throttle: -5 }, 'throttle'],
    [{ throttle: Number.NaN }, 'throttle'],
  ];
  for (const [options, option] of cases) {
    const err = (() => {
      try {
        simulatorSetup(options);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    t.type(err, MaasConfigError, JSON.stringify(options));
    t.match(err, { code: 'USAGE', fix: { option } });
    t.match((err as MaasConfigError).message, /^[^\n]+\.$/, 'one line, a full sentence');
    t.match((err as MaasConfigError).hint, /^[^\n]+\.$/);
  }
  const run = await cli(['simulator', '--era', '9.9'], { home: tempDir(t) });
  t.equal(run.code, 2, 'usage exit code');
  t.equal(run.stderr.trim().split('\n').length, 1, `one line on stderr: ${run.stderr}`);
  t.match(run.stderr, /MAAS era '9\.9' is not simulated\. Use --era 3\.4, 3\.7 or 3\.8\./);
  // New-user trial: `--port x` said "--port NaN is not a TCP port" (yargs reads x as NaN).
  const port = await cli(['simulator', '--port', 'x'], { home: tempDir(t) });
  t.equal(port.stderr, 'maas-esxi: error: --port takes a TCP port. Use a port from 0 (any free one) to 65535, e.g. --port 5240.\n');
  t.equal(simulatorErrorText({ port: 70000 }), '--port takes a TCP port, not 70000.');
  t.equal(simulatorErrorText({ racks: 0 }), '--racks takes a count from 1 to 64, not 0.');
});

// New-user trial: the command had no way to slow the link (only `node dist/testing/serve.js
// --throttle`), so an interrupt-and-resume could not be tried with the CLI alone.
t.test('simulator --throttle RATE: request bodies arrive no faster; a bad rate is one line, exit 2', async (t) => {
  const home = tempDir(t);
  const { ctx, stdout } = runContext({ home });
  const ac = new AbortController();
  t.teardown(() => ac.abort());
  const options = await simulatorCommand.parse({ throttle: '256K' }, ctx);
  t.equal(options.throttle, 256 * KiB, '256K is 262144 bytes/s');
  const running = simulatorCommand.run(options, { ...ctx, signal: ac.signal });
  const url = (await until(stdout, /^MAAS_API_URL=(\S+)$/m))[1]!;
  const key = (await until(stdout, /^MAAS_API_KEY=(\S+)$/m))[1]!;
  const maas = MaasClient.connect({ url, apiKey: key });
  t.teardown(() => maas.close());
  const image = makeImage(home, 512 * KiB);
  const started = Date.now();
  await maas.bootResources.upload({ name: 'esxi/8.0', architecture: 'amd64/generic', path: image.path, chunkSize: 64 * KiB, stateDir: home }).done();
  // A floor, not a ceiling: no load makes a throttled link faster than its rate.
  const floorMs = (image.size / (256 * KiB)) * 1000 * 0.9;
  t.ok(Date.now() - started >= floorMs, `${image.size} bytes took ${Date.now() - started} ms, at least ${floorMs.toFixed(0)} at 256 KiB/s`);
  ac.abort();
  await running;
  const bad = await cli(['simulator', '--throttle', 'fast'], { home: tempDir(t) });
  t.equal(bad.code, 2);
  t.equal(bad.stderr, "maas-esxi: error: --throttle 'fast' is not a rate. Write bytes per second with an optional K, M or G suffix, e.g. --throttle 2M.\n");
});

function simulatorErrorText(options: Parameters<typeof simulatorSetup>[0]): string | undefined {
  try {
    simulatorSetup(options);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

t.test('sim.storedSha256: the sha256 of what MAAS holds for a resource', async (t) => {
  for (const era of ['3.4', '3.7', '3.8'] as const) {
    const env = await uploadEnv(t, { era });
    const image = makeImage(tempDir(t), 200 * KiB);
    const { resource } = await env.client.bootResources.upload(env.options(image)).done();
    t.equal(await env.sim.storedSha256(resource.id), image.sha256, era);
    t.equal(await env.sim.storedSha256(9999), undefined, `${era}: unknown resource`);
  }
});
