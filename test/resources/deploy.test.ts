import t from 'tap';
import { pollUntil } from '../fixtures/poll.js';
import { readFileSync } from 'node:fs';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { DeploymentFailedError, MachineStateError, MaasNotFoundError, MaasTimeoutError, MaasValidationError } from '../../lib/errors/index.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import type { DeployProgress } from '../../lib/resources/deployment.js';
import type { SimMachineOptions } from '../../lib/testing/index.js';

async function env(t: Parameters<typeof uploadEnv>[0], machines: SimMachineOptions[], deployStepMs = 10) {
  const e = await uploadEnv(t, { era: '3.8', machines, deployStepMs });
  await e.client.bootResources.upload(e.options(makeImage(tempDir(t), 100 * KiB))).done();
  return e;
}

t.test('Ready → Allocated → Deploying → Deployed, and the first boot says SUCCESS', async (t) => {
  const e = await env(t, [{ hostname: 'esx-01' }]);
  const progress: DeployProgress[] = [];
  const result = await e.client.deploy({ machine: 'esx-01', distroSeries: 'esxi/8.0', userData: '#!/bin/sh\necho hi\n', pollIntervalMs: 20, onProgress: (p) => progress.push(p) }).done();
  t.equal(result.machine.status_name, 'Deployed');
  t.equal(result.firstBootSteps, 11);
  t.same(progress.slice(0, 2).map((p) => p.kind), ['allocated', 'deploying']);
  const texts = result.events.map((ev) => ev.description);
  t.ok(texts.includes("'maas-esxi' maas-esxi network: apply MAAS's network configuration (else keep vmk0 on the boot NIC, DHCP)"), 'step start events as MAAS shows them');
  t.notOk(texts.some((d) => d.includes('network: done')), 'a finish with SUCCESS is not logged by MAAS');
  t.ok(texts.includes("From 'Deploying' to 'Deployed'"));
  const sim = e.sim.machine('esx-01')!;
  t.equal(sim.userData, '#!/bin/sh\necho hi\n', 'user_data went base64-encoded and arrived intact');
  t.same([sim.osystem, sim.distro_series], ['esxi', '8.0'], 'MAAS resolved the custom image from distro_series alone');
});

t.test('only events after the deploy request count (a redeploy does not read the last verdict)', async (t) => {
  const e = await env(t, [{ hostname: 'esx-01' }]);
  const first = await e.client.deploy({ machine: 'esx-01', distroSeries: 'esxi/8.0', pollIntervalMs: 20 }).done();
  await e.client.machines.release(first.machine.system_id);
  await pollUntil('esx-01 to be Ready again', () => e.sim.machine('esx-01')!.status_name === 'Ready', { intervalMs: 10 });
  const second = await e.client.deploy({ machine: 'esx-01', distroSeries: 'esxi/8.0', pollIntervalMs: 20 }).done();
  const lastOfFirst = Math.max(...first.events.map((ev) => ev.id));
  t.ok(second.events.every((ev) => ev.id > lastOfFirst), 'no event of the first deployment');
  t.equal(second.events.filter((ev) => ev.description.includes('first boot finished')).length, 1, 'exactly one verdict');
});

t.test('a first-boot step fails: exit 6 with the step and its cause', async (t) => {
  const e = await env(t, [{ hostname: 'esx-02', firstBoot: { failAt: 'network', cause: 'vmk0 has no link on vmnic0' } }]);
  const err = await e.client.deploy({ machine: 'esx-02', distroSeries: 'esxi/8.0', pollIntervalMs: 20 }).done().catch((x: unknown) => x);
  t.type(err, DeploymentFailedError);
  t.equal((err as DeploymentFailedError).step, 'network');
  t.match((err as Error).message, /first boot FAILED at network: vmk0 has no link on vmnic0/);
  t.equal(exitCodeFor(err), 6);
  // The network step fails before user-data is fetched: MAAS still says Deploying, then Deployed.
  t.not(e.sim.machine('esx-02')!.status_name, 'Failed deployment', 'only our events tell');
  await pollUntil('MAAS to end the deployment of esx-02', () => e.sim.machine('esx-02')!.status_name === 'Deployed');
  // The hint points to the log the payload writes, read from the payload itself.
  const payloadLog = /DEFAULT_LOG = "([^"]+)"/.exec(readFileSync(new URL('../../packer/vmware-esxi/payload/maas_esxi/__main__.py', import.meta.url), 'utf8'))![1]!;
  t.ok((err as DeploymentFailedError).hint?.includes(` ${payloadLog} `), `the hint names ${payloadLog}`);
  t.equal(e.sim.machine('esx-02')!.status_name, 'Deployed', 'MAAS itself ends at Deployed: only our verdict tells');
});

t.test('the installation fails: MAAS marks "Failed deployment", exit 6 with curtin\'s text', async (t) => {
  const e = await env(t, [{ hostname: 'esx-03', firstBoot: { installFails: 'unable to write image to /dev/sda' } }]);
  const err = await e.client.deploy({ machine: 'esx-03', distroSeries: 'esxi/8.0', pollIntervalMs: 20 }).done().catch((x: unknown) => x);
  t.type(err, DeploymentFailedError);
  t.match((err as Error).message, /Node installation failure: 'curtin' curtin command install: unable to write image/);
  t.equal(e.sim.machine('esx-03')!.status_name, 'Failed deployment');
  t.equal(exitCodeFor(err), 6);
});

t.test('a machine in the wrong state: MAAS\'s 409 names the state (exit 2), never retried', async (t) => {
  const e = await env(t, [{ hostname: 'busy', status: 'Deployed' }]);
  const before = e.sim.requests.length;
  const err = await e.client.deploy({ machine: 'busy', distroSeries: 'esxi/8.0' }).done().catch((x: unknown) => x);
  t.type(err, MachineStateError);
  t.equal((err as MachineStateError).state, 'Deployed');
  t.match((err as Error).message, /Can't deploy a machine that is in the 'Deployed' state/);
  t.match((err as MachineStateError).hint, /release/);
  t.equal(exitCodeFor(err), 2);
  t.equal(e.sim.requests.slice(before).filter((r) => r.query.includes('op=deploy')).length, 1, 'one deploy request');
});

t.test('unknown machine and unknown image are clear errors', async (t) => {
  const e = await env(t, [{ hostname: 'esx-04' }]);
  await t.rejects(e.client.deploy({ machine: 'nope', distroSeries: 'esxi/8.0' }).done(), MaasNotFoundError);
  const err = await e.client.deploy({ machine: 'esx-04', distroSeries: 'esxi/9.9' }).done().catch((x: unknown) => x);
  t.type(err, MaasValidationError);
  t.match((err as Error).message, /distro_series: Select a valid choice\. esxi\/9\.9/);
});

t.test('a machine is found by system_id, hostname or FQDN', async (t) => {
  const e = await env(t, [{ hostname: 'esx-05', systemId: 'abc123' }]);
  t.equal((await e.client.machines.find('abc123')).hostname, 'esx-05');
  t.equal((await e.client.machines.find('esx-05')).system_id, 'abc123');
  t.equal((await e.client.machines.find('esx-05.maas')).system_id, 'abc123');
});

t.test('Deployed without our verdict is not success for our image: timeout (exit 5) says what it waited for', async (t) => {
  const e = await env(t, [{ hostname: 'esx-06', firstBoot: { silent: true } }]);
  const err = await e.client.deploy({ machine: 'esx-06', distroSeries: 'esxi/8.0', pollIntervalMs: 20, timeoutMs: 600 }).done().catch((x: unknown) => x);
  t.type(err, MaasTimeoutError);
  t.match((err as Error).message, /still "Deployed" .* waiting for the first boot's verdict/);
  t.equal(exitCodeFor(err), 5);
});

t.test('an image without our first boot: Deployed is enough when no verdict is required', async (t) => {
  const e = await env(t, [{ hostname: 'esx-07', firstBoot: { silent: true } }]);
  const result = await e.client.deploy({ machine: 'esx-07', distroSeries: 'esxi/8.0', firstBootVerdict: false, pollIntervalMs: 20 }).done();
  t.equal(result.machine.status_name, 'Deployed');
  t.equal(result.firstBootSteps, undefined);
});

t.test('--no-wait: returns once MAAS accepted the deploy', async (t) => {
  const e = await env(t, [{ hostname: 'esx-08' }], 200);
  const result = await e.client.deploy({ machine: 'esx-08', distroSeries: 'esxi/8.0', wait: false }).done();
  t.equal(result.machine.status_name, 'Deploying');
});

t.test('release: Ready is a no-op, a Releasing machine becomes Ready; a New one cannot be released', async (t) => {
  const e = await env(t, [{ hostname: 'a', status: 'Allocated' }, { hostname: 'n', status: 'New' }]);
  const a = e.sim.machine('a')!.system_id;
  t.equal((await e.client.machines.release(a)).status_name, 'Releasing');
  const err = await e.client.machines.release(e.sim.machine('n')!.system_id).catch((x: unknown) => x);
  t.type(err, MachineStateError);
  t.equal((err as MachineStateError).state, 'New');
});

t.test('allocate: a machine that is not Ready is MAAS\'s "No machine with system ID … available."', async (t) => {
  const e = await env(t, [{ hostname: 'x', status: 'Deployed', systemId: 'xyz789' }]);
  const err = await e.client.machines.allocate('xyz789').catch((x: unknown) => x);
  t.type(err, MachineStateError);
  t.match((err as Error).message, /No machine with system ID xyz789 available\./);
});
