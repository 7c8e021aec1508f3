import { EVENT_TYPES, type EventTypeName, type SimEvent } from './event-types.js';
import { firstBootContract, firstBootText } from './first-boot-contract.js';
import type { SimFirstBoot, SimMachineOptions, SimMachineStatus, SimRackOptions } from './ops-types.js';
import { deployedImageFields } from './deployed-image.js';

/** `NODE_STATUS` numbers and names (`src/maascommon/enums/node.py`, NODE_STATUS_CHOICES). */
export const NODE_STATUS: Readonly<Record<SimMachineStatus | 'Releasing', number>> = {
  New: 0,
  Ready: 4,
  Deployed: 6,
  Broken: 8,
  Deploying: 9,
  Allocated: 10,
  'Failed deployment': 11,
  Releasing: 12,
};
type SimStatus = keyof typeof NODE_STATUS;

export interface SimMachine {
  systemId: string;
  hostname: string;
  status: SimStatus;
  architecture: string;
  owner: string | null;
  osystem: string;
  distroSeries: string;
  userData: string | undefined;
  firstBoot: SimFirstBoot;
  /** Bumped by every deploy/release so timers of an older run do nothing. */
  run: number;
}

export interface SimRack {
  systemId: string;
  hostname: string;
  connected: boolean;
  syncMs: number;
}

/** A message as the status handler receives it (`src/metadataserver/api_twisted.py StatusHandlerResource`). */
interface StatusMessage {
  event_type: 'start' | 'finish';
  origin: string;
  name: string;
  description: string;
  result?: 'SUCCESS' | 'FAIL' | 'FAILURE';
}

/** Extra status events for curtin stages (`EVENT_STATUS_MESSAGES`, `src/provisioningserver/events.py`). */
const EVENT_STATUS_MESSAGES: Readonly<Record<string, EventTypeName>> = {
  'cmd-install/stage-partitioning': 'CONFIGURING_STORAGE',
  'cmd-install/stage-extract': 'INSTALLING_OS',
  'cmd-install/stage-curthooks': 'CONFIGURING_OS',
};

let idCounter = 0;
function systemIdFor(hostname: string): string {
  idCounter += 1;
  const seed = [...hostname].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) + idCounter * 7919;
  return seed.toString(36).padStart(6, 'x').slice(-6);
}

/** Controllers, machines and the event log of the simulated region (kept in memory). */
export class SimOps {
  readonly racks: SimRack[];
  readonly regionNames: string[];
  readonly machines: SimMachine[];
  readonly events: SimEvent[] = [];
  /** When the region first had each uploaded image complete (`name arch` → ms). */
  readonly completeSince = new Map<string, number>();
  readonly stepMs: number;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #now: () => number;
  #nextEventId = 1;

  constructor(opts: { racks?: SimRackOptions[] | undefined; machines?: SimMachineOptions[] | undefined; regions: number; stepMs?: number | undefined; now: () => number }) {
    this.#now = opts.now;
    this.stepMs = opts.stepMs ?? 50;
    this.racks = (opts.racks ?? [{ hostname: 'rack-1' }]).map((r) => ({
      systemId: r.systemId ?? systemIdFor(r.hostname),
      hostname: r.hostname,
      connected: r.connected ?? true,
      syncMs: r.syncMs ?? 0,
    }));
    this.regionNames = Array.from({ length: opts.regions }, (_, i) => `region-${i + 1}`);
    this.machines = (opts.machines ?? []).map((m) => ({
      systemId: m.systemId ?? systemIdFor(m.hostname),
      hostname: m.hostname,
      status: m.status ?? 'Ready',
      architecture: m.architecture ?? 'amd64/generic',
      owner: m.status === 'Allocated' || m.status === 'Deployed' || m.status === 'Deploying' || m.status === 'Failed deployment' ? 'admin' : null,
      ...(m.status === 'Deployed' ? deployedImageFields(m.deployedFrom ?? 'ubuntu/noble') : { osystem: '', distroSeries: '' }),
      userData: undefined,
      firstBoot: m.firstBoot ?? {},
      run: 0,
    }));
  }

  machine(systemId: string): SimMachine | undefined {
    return this.machines.find((m) => m.systemId === systemId);
  }

  addEvent(machine: SimMachine, type: EventTypeName, description: string, username: string | null = null): void {
    this.events.push({ id: this.#nextEventId++, node: machine.systemId, hostname: machine.hostname, username, type, description, created: this.#now() });
  }

  /** A status change and its event (`emit_state_transition_event`, `src/maasserver/models/signals/events.py`). */
  setStatus(machine: SimMachine, status: SimStatus): void {
    const old = machine.status;
    machine.status = status;
    const suffix = status === 'Allocated' && machine.owner ? ` (to ${machine.owner})` : '';
    this.addEvent(machine, 'NODE_CHANGED_STATUS', `From '${old}' to '${status}'${suffix}`);
  }

  /**
   * The status handler's logging rules (`src/metadataserver/api_twisted.py
   * StatusWorkerService._processMessage`, `src/metadataserver/api.py add_event_to_node_event_log`):
   * only `start` events and failures are logged, as `'<origin>' <description>`, typed by the
   * machine's status; a failed top-level `finish` while Deploying marks the deployment failed;
   * a failure of a name with `/`, or after Deployed, changes nothing.
   */
  statusMessage(machine: SimMachine, m: StatusMessage): void {
    const failed = m.result === 'FAIL' || m.result === 'FAILURE';
    if (m.event_type === 'start' || failed) {
      const ok = m.result === undefined || m.result === 'SUCCESS';
      let type: EventTypeName;
      if (machine.status === 'Deploying') type = ok ? 'NODE_INSTALL_EVENT' : 'NODE_INSTALL_EVENT_FAILED';
      else if (machine.status === 'Deployed' && m.result === 'FAIL') type = 'NODE_POST_INSTALL_EVENT_FAILED';
      else type = 'NODE_STATUS_EVENT';
      const extra = EVENT_STATUS_MESSAGES[m.name];
      if (extra && m.event_type === 'start') this.addEvent(machine, extra, '');
      this.addEvent(machine, type, `'${m.origin}' ${m.description}`);
    }
    if (!m.name.includes('/') && m.event_type === 'finish' && failed && machine.status === 'Deploying') {
      this.setStatus(machine, 'Failed deployment');
    }
  }

  /** Run `steps` one `stepMs` apart, unless the machine was redeployed or released meanwhile. */
  schedule(machine: SimMachine, steps: (() => void)[]): void {
    const run = machine.run;
    steps.forEach((step, i) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        if (machine.run === run) step();
      }, this.stepMs * (i + 1));
      this.#timers.add(t);
    });
  }

  /** The installation and first boot of a deploy, as curtin and our payload report them. */
  deploySteps(machine: SimMachine): (() => void)[] {
    const fb = machine.firstBoot;
    const curtin = (event_type: StatusMessage['event_type'], name: string, description: string, result?: StatusMessage['result']) => () =>
      this.statusMessage(machine, { event_type, origin: 'curtin', name, description, result });
    const steps: (() => void)[] = [
      curtin('start', 'cmd-install', 'curtin command install'),
      curtin('start', 'cmd-install/stage-partitioning', 'configuring storage'),
      curtin('start', 'cmd-install/stage-extract', 'acquiring and extracting image from maas'),
    ];
    if (fb.installFails !== undefined) {
      steps.push(curtin('finish', 'cmd-install', `curtin command install: ${fb.installFails}`, 'FAIL'));
      return steps;
    }
    steps.push(curtin('finish', 'cmd-install', 'curtin command install', 'SUCCESS'));
    steps.push(() => this.addEvent(machine, 'REBOOTING', ''));
    if (fb.silent) return [...steps, this.markDeployed(machine)];
    return [...steps, ...this.firstBootSteps(machine)];
  }

  /** MAAS marks a non-Ubuntu machine Deployed when it fetches its user-data (`src/metadataserver/api.py UserDataHandler.read`). */
  markDeployed(machine: SimMachine): () => void {
    return () => {
      this.setStatus(machine, 'Deployed');
      this.addEvent(machine, 'DEPLOYED', `Deployed ${machine.osystem}/${machine.distroSeries}`);
    };
  }

  /**
   * Our payload's first boot as MAAS receives it (packer/vmware-esxi/README.md "Status events"):
   * every step of first_boot_steps.json runs even after one failed; the user-data step's request
   * makes MAAS mark the machine Deployed part-way through, so earlier steps (and their failures)
   * arrive while it is still Deploying; the verdict names the first failed step.
   */
  firstBootSteps(machine: SimMachine): (() => void)[] {
    const fb = machine.firstBoot;
    const contract = firstBootContract();
    const post = (event_type: StatusMessage['event_type'], step: string, description: string, result?: StatusMessage['result']) => () =>
      this.statusMessage(machine, { event_type, origin: contract.origin, name: `${contract.origin}/${step}`, description, result });
    const known = new Map(contract.steps.map((s) => [s.name, s]));
    const names = fb.steps ?? contract.steps.map((s) => s.name);
    const marker = names.find((name) => known.get(name)?.marksDeployed);
    const steps: (() => void)[] = marker === undefined ? [this.markDeployed(machine)] : [];
    const cause = fb.cause ?? 'step failed';
    for (const step of names) {
      steps.push(post('start', step, firstBootText('start', { step, what: known.get(step)?.what ?? step })));
      if (step === marker) steps.push(this.markDeployed(machine));
      if (step === fb.failAt) steps.push(post('finish', step, firstBootText('failed', { step, cause }), 'FAIL'));
      else steps.push(post('finish', step, firstBootText('done', { step }), 'SUCCESS'));
    }
    const failed = fb.failAt !== undefined && names.includes(fb.failAt);
    const verdict = failed ? firstBootText('failure', { step: fb.failAt, cause }) : firstBootText('success', { steps: names.length });
    steps.push(post('start', contract.verdictStep, verdict));
    return steps;
  }

  stop(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
