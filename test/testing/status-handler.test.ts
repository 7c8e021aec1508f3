import t from 'tap';
import { SimOps } from '../../lib/testing/ops-state.js';

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
