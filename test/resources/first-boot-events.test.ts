import t from 'tap';
import { isFailureEvent, parseFirstBootEvent } from '../../lib/resources/first-boot-events.js';
import type { EventLevel } from '../../lib/resources/events.js';

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
