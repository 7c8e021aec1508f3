import t from 'tap';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { MaasValidationError } from '../../lib/errors/index.js';
import type { MaasEvent, EventLevel } from '../../lib/resources/events.js';
import { isFailureEvent, parseFirstBootEvent } from '../../lib/resources/first-boot-events.js';

async function deployedEnv(t: Parameters<typeof uploadEnv>[0]) {
  const e = await uploadEnv(t, { era: '3.8', machines: [{ hostname: 'esx-01' }], deployStepMs: 5 });
  await e.client.bootResources.upload(e.options(makeImage(tempDir(t), 100 * KiB))).done();
  await e.client.deploy({ machine: 'esx-01', distroSeries: 'esxi/8.0', pollIntervalMs: 20 }).done();
  return { ...e, id: e.sim.machine('esx-01')!.system_id };
}

t.test("events/?op=query: MAAS's shape, newest first, INFO by default", async (t) => {
  const e = await deployedEnv(t);
  const page = await e.client.events.query({ id: e.id, level: 'DEBUG', limit: 5 });
  t.equal(page.count, 5);
  t.same(Object.keys(page.events[0]!), ['username', 'node', 'hostname', 'id', 'level', 'created', 'type', 'description'], 'event_to_dict keys');
  t.match(page.events[0]!.created, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2}\. \d{4} \d{2}:\d{2}:\d{2}$/, 'MAAS DATETIME_FORMAT');
  t.ok(page.events[0]!.id > page.events[4]!.id, 'newest first');
  t.equal(page.next_uri, `/MAAS/api/2.0/events/?op=query&id=${e.id}&level=DEBUG&limit=5&after=${page.events[0]!.id}`);
  const info = await e.client.events.query({ id: e.id });
  t.ok(info.events.every((ev) => ev.level !== 'DEBUG'), 'the default level INFO hides DEBUG events');
  t.ok(info.events.some((ev) => ev.type === 'Installing OS'), 'the curtin stage status events are INFO');
});

t.test('after=: the oldest `limit` events after it, still returned newest first; `since` pages through', async (t) => {
  const e = await deployedEnv(t);
  const page = await e.client.events.query({ id: e.id, level: 'DEBUG', after: 2, limit: 3 });
  t.same(page.events.map((ev) => ev.id), [5, 4, 3]);
  const all = await e.client.events.since({ id: e.id, level: 'DEBUG', after: 0, limit: 4 });
  t.same(all.map((ev) => ev.id), Array.from({ length: all.length }, (_, i) => i + 1), 'every event once, oldest first');
  t.ok(all.length > 8, 'more than two pages');
});

t.test("MAAS's query errors", async (t) => {
  const e = await deployedEnv(t);
  const tooMany = await e.client.events.query({ limit: 1001 }).catch((x: unknown) => x);
  t.type(tooMany, MaasValidationError);
  t.match((tooMany as Error).message, /Requested number of events 1001 is greater than limit: 1000/);
  await t.rejects(e.client.events.query({ level: 'NOISY' as 'DEBUG' }), /Unrecognised log level: NOISY/);
  await t.rejects(e.client.events.query({ after: 1, before: 3 }), /undetermined behaviour when both `after` and `before`/);
});

t.test('follow: yields new events in order as they arrive; leaving the loop stops it', async (t) => {
  const e = await uploadEnv(t, { era: '3.8', machines: [{ hostname: 'esx-02' }], deployStepMs: 15 });
  await e.client.bootResources.upload(e.options(makeImage(tempDir(t), 100 * KiB))).done();
  const id = e.sim.machine('esx-02')!.system_id;
  const baseline = await e.client.events.latestId({ id, level: 'DEBUG' });
  await e.client.machines.deploy(id, { distroSeries: 'esxi/8.0' });
  const got: MaasEvent[] = [];
  const follow = e.client.events.follow({ id, level: 'DEBUG', after: baseline, intervalMs: 10 });
  for await (const ev of follow) {
    got.push(ev);
    if (ev.description.includes('first boot finished')) break;
  }
  await t.rejects(follow.done(), { name: 'MaasAbortError' }, 'leaving the loop aborted the polling');
  t.ok(got.length > 10);
  t.same(got.map((ev) => ev.id), [...got.map((ev) => ev.id)].sort((a, b) => a - b), 'oldest first');
  t.ok(got.every((ev) => ev.id > baseline));
  t.match(got.at(-1)!.description, /^'maas-esxi' maas-esxi first boot finished: SUCCESS \(11 steps\)$/);
});

// The first boot's events as the payload posts them (lib/resources/first-boot-events.ts): steps and the verdict.
const ev = (description: string, level: EventLevel = 'DEBUG') => ({ description, level });

t.test('the first-boot contract as MAAS shows it', async (t) => {
  t.same(parseFirstBootEvent(ev("'maas-esxi' maas-esxi network: configure vmk0 and vSwitch0")), { kind: 'step', step: 'network', what: 'configure vmk0 and vSwitch0' });
  t.same(parseFirstBootEvent(ev("'maas-esxi' maas-esxi first boot finished: SUCCESS (7 steps)")), { kind: 'verdict', ok: true, steps: 7 });
  t.same(parseFirstBootEvent(ev("'maas-esxi' maas-esxi first boot finished: FAILED at storage: no disk matches serial S3Z: try by-path")), {
    kind: 'verdict',
    ok: false,
    step: 'storage',
    cause: 'no disk matches serial S3Z: try by-path',
  });
  t.same(parseFirstBootEvent(ev("'maas-esxi' maas-esxi network failed: vmk0 has no link", 'ERROR')), { kind: 'failure', step: 'network', cause: 'vmk0 has no link' });
  t.same(parseFirstBootEvent(ev("'maas-esxi' esxcli failed: exit 1", 'ERROR')), { kind: 'failure', cause: 'esxcli failed: exit 1' });
  t.equal(parseFirstBootEvent(ev("'curtin' curtin command install")), undefined, 'not ours');
  t.equal(parseFirstBootEvent(ev("'maas-esxi' something else")), undefined, 'ours but outside the contract');
});

t.test('failure events are ERROR-level failure types', async (t) => {
  t.ok(isFailureEvent({ level: 'ERROR', type: 'Node installation failure' }));
  t.ok(isFailureEvent({ level: 'ERROR', type: 'Node post-installation failure' }));
  t.notOk(isFailureEvent({ level: 'DEBUG', type: 'Node installation' }));
});
