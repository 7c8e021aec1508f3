/**
 * The simulator's first boot posts the payload's own steps and texts. Expectations
 * come from the hand-written event sequence the payload's end-to-end test also checks
 * (test/fixtures/recipe/maas/first-boot-events-success.json), not from the contract file both read.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimOps } from '../../lib/testing/ops-state.js';
import { parseFirstBootContract } from '../../lib/testing/first-boot-contract.js';
import { EVENT_TYPES } from '../../lib/testing/event-types.js';
import { parseFirstBootEvent } from '../../lib/resources/first-boot-events.js';
import { REPO } from '../fixtures/recipe/python-suite.js';
import type { SimFirstBoot } from '../../lib/testing/index.js';

type Row = [eventType: string, name: string, result: string | null, description: string];
const SUCCESS = (JSON.parse(readFileSync(join(REPO, 'test/fixtures/recipe/maas/first-boot-events-success.json'), 'utf8')) as { events: Row[] }).events;

/** Runs a deploy's scheduled steps at once; each status message with the machine's status when it arrived. */
function firstBoot(firstBoot: SimFirstBoot) {
  const ops = new SimOps({ machines: [{ hostname: 'esx', status: 'Deploying', firstBoot }], regions: 1, now: () => 0 });
  const machine = ops.machines[0]!;
  const posted: { row: Row; status: string }[] = [];
  const statusMessage = ops.statusMessage.bind(ops);
  ops.statusMessage = (m, message) => {
    if (message.origin === 'maas-esxi') posted.push({ row: [message.event_type, message.name, message.result ?? null, message.description], status: m.status });
    statusMessage(m, message);
  };
  for (const step of ops.deploySteps(machine)) step();
  return { ops, posted };
}

t.test('success: exactly the payload\'s 23 events, in order', async (t) => {
  const { posted } = firstBoot({});
  t.same(posted.map((p) => p.row), SUCCESS);
});

t.test('MAAS marks the machine Deployed during the user-data step, not before first boot starts', async (t) => {
  const { posted } = firstBoot({});
  const deployedFrom = posted.findIndex((p) => p.status === 'Deployed');
  t.same(posted[deployedFrom - 1]!.row.slice(0, 2), ['start', 'maas-esxi/user-data'], 'the user-data start is the last event seen while Deploying');
  t.ok(posted.slice(deployedFrom).every((p) => p.status === 'Deployed'));
});

t.test('a failing step: its FAIL in place of its finish, every later step still runs, then FAILED at it', async (t) => {
  const cause = 'skipped bond0, bond0.300; the management network (eno1) and every other part are applied as MAAS configured them';
  const { ops, posted } = firstBoot({ failAt: 'network', cause });
  const expected = SUCCESS.slice(0, -1).map((row): Row => (row[0] === 'finish' && row[1] === 'maas-esxi/network' ? ['finish', 'maas-esxi/network', 'FAIL', `maas-esxi network failed: ${cause}`] : row));
  expected.push(['start', 'maas-esxi/firstboot', null, `maas-esxi first boot finished: FAILED at network: ${cause}`]);
  t.same(posted.map((p) => p.row), expected);
  // Before user-data MAAS still says Deploying: the FAIL is logged as an installation failure.
  const failure = ops.events.find((e) => EVENT_TYPES[e.type].level === 'ERROR')!;
  t.same([failure.type, failure.description], ['NODE_INSTALL_EVENT_FAILED', `'maas-esxi' maas-esxi network failed: ${cause}`]);
  t.equal(ops.machines[0]!.status, 'Deployed', 'a step name with "/" never fails the deployment in MAAS');
});

t.test('the SDK\'s parser reads every text the payload posts', async (t) => {
  const shown = (row: Row) => ({ description: `'maas-esxi' ${row[3]}`, level: row[2] === 'FAIL' ? ('ERROR' as const) : ('DEBUG' as const) });
  t.same(parseFirstBootEvent(shown(SUCCESS[4]!)), { kind: 'step', step: 'network', what: "apply MAAS's network configuration (else keep vmk0 on the boot NIC, DHCP)" });
  t.same(parseFirstBootEvent(shown(SUCCESS.at(-1)!)), { kind: 'verdict', ok: true, steps: 11 });
  const { posted } = firstBoot({ failAt: 'storage', cause: 'no disk has serial S3Z1NX0K' });
  const fail = posted.find((p) => p.row[2] === 'FAIL')!;
  t.same(parseFirstBootEvent(shown(fail.row)), { kind: 'failure', step: 'storage', cause: 'no disk has serial S3Z1NX0K' });
  t.same(parseFirstBootEvent(shown(posted.at(-1)!.row)), { kind: 'verdict', ok: false, step: 'storage', cause: 'no disk has serial S3Z1NX0K' });
});

t.test('a long cause is one line cut to 300 characters, as the payload\'s one_line cuts it', async (t) => {
  const { posted } = firstBoot({ failAt: 'storage', cause: `first\nsecond ${'x'.repeat(400)}` });
  const fail = posted.find((p) => p.row[2] === 'FAIL')!.row[3];
  t.equal(fail, `maas-esxi storage failed: ${`first second ${'x'.repeat(400)}`.slice(0, 297)}...`);
});

t.test('a broken contract file fails loudly, naming the problem and the fix', async (t) => {
  t.throws(() => parseFirstBootContract('{"origin": "maas-esxi", "verdict_step": "firstboot", "max_cause": 300, "texts": {}, "steps": [{"name": "x", "what": "y"}]}'), {
    message: /first_boot_steps\.json: texts\.start is not a non-empty string\. Restore the file from the maas-esxi package\./,
  });
  t.throws(() => parseFirstBootContract('{"origin": "maas-esxi", "verdict_step": "firstboot", "max_cause": 300, "texts": {}, "steps": []}'), { message: /steps is not a non-empty list/ });
});

// src/metadataserver/api_twisted.py StatusWorkerService._processMessage and
// src/metadataserver/api.py add_event_to_node_event_log.
function ops(status: 'Deploying' | 'Deployed') {
  const o = new SimOps({ machines: [{ hostname: 'm', status }], regions: 1, now: () => Date.UTC(2026, 11, 3, 15, 49, 2) });
  return { o, m: o.machines[0]! };
}

t.test('only start events and failures are logged, with the origin quoted', async (t) => {
  const { o, m } = ops('Deploying');
  o.statusMessage(m, { event_type: 'start', origin: 'curtin', name: 'cmd-install', description: 'curtin command install' });
  o.statusMessage(m, { event_type: 'finish', origin: 'curtin', name: 'cmd-install', description: 'curtin command install', result: 'SUCCESS' });
  t.same(o.events.map((e) => [e.type, e.description]), [['NODE_INSTALL_EVENT', "'curtin' curtin command install"]]);
});

t.test('curtin stages add their status event (EVENT_STATUS_MESSAGES)', async (t) => {
  const { o, m } = ops('Deploying');
  o.statusMessage(m, { event_type: 'start', origin: 'curtin', name: 'cmd-install/stage-extract', description: 'extract' });
  t.same(o.events.map((e) => e.type), ['INSTALLING_OS', 'NODE_INSTALL_EVENT']);
});

t.test('a failed top-level finish while Deploying marks the deployment failed; one with "/" does not', async (t) => {
  const a = ops('Deploying');
  a.o.statusMessage(a.m, { event_type: 'finish', origin: 'curtin', name: 'cmd-install/stage-extract', description: 'x', result: 'FAIL' });
  t.equal(a.m.status, 'Deploying');
  t.equal(a.o.events.at(-1)!.type, 'NODE_INSTALL_EVENT_FAILED');
  a.o.statusMessage(a.m, { event_type: 'finish', origin: 'curtin', name: 'cmd-install', description: 'x', result: 'FAIL' });
  t.equal(a.m.status, 'Failed deployment');
  t.equal(a.o.events.at(-1)!.description, "From 'Deploying' to 'Failed deployment'");
});

t.test('after Deployed: a start is a status event, a FAIL a post-installation failure, the status stays', async (t) => {
  const { o, m } = ops('Deployed');
  o.statusMessage(m, { event_type: 'start', origin: 'maas-esxi', name: 'maas-esxi/network', description: 'maas-esxi network: configure' });
  o.statusMessage(m, { event_type: 'finish', origin: 'maas-esxi', name: 'maas-esxi/network', description: 'no link', result: 'FAIL' });
  t.same(o.events.map((e) => e.type), ['NODE_STATUS_EVENT', 'NODE_POST_INSTALL_EVENT_FAILED']);
  t.equal(m.status, 'Deployed');
  t.equal(o.events[0]!.created, Date.UTC(2026, 11, 3, 15, 49, 2));
});
