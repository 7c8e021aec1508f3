import type { PyValue } from './py-format.js';
import { completeImages } from './controllers.js';
import { deployedImageFields } from './deployed-image.js';
import { NODE_STATUS, type SimMachine } from './ops-state.js';
import { apiError, notFound, pistonJson, validationError, type SimResponse } from './responses.js';
import type { HandlerRequest, SimContext } from './sim-context.js';

/** A few of `DISPLAYED_MACHINE_FIELDS` (`src/maasserver/api/machines.py`), in its order. */
function machineToDict(m: SimMachine): Map<string, PyValue> {
  return new Map<string, PyValue>([
    ['system_id', m.systemId],
    ['hostname', m.hostname],
    ['fqdn', `${m.hostname}.maas`],
    ['owner', m.owner],
    ['architecture', m.architecture],
    ['osystem', m.osystem],
    ['distro_series', m.distroSeries],
    ['power_state', m.status === 'Deploying' || m.status === 'Deployed' ? 'on' : 'off'],
    ['status', NODE_STATUS[m.status]],
    ['status_name', m.status],
    ['status_message', m.status === 'Deploying' ? 'Installing OS' : m.status === 'Failed deployment' ? 'Installation failed (refer to the installation log for more information).' : ''],
    ['node_type', 0],
    ['node_type_name', 'Machine'],
    ['resource_uri', `/MAAS/api/2.0/machines/${m.systemId}/`],
  ]);
}

function machineOr404(sim: SimContext, req: HandlerRequest): SimMachine {
  const m = sim.ops.machine(req.params[0] ?? '');
  if (!m) throw notFound('No Machine matches the given query.');
  return m;
}

function formField(req: HandlerRequest, name: string): string | undefined {
  return req.data.kind === 'form' ? req.data.fields.get(name) : undefined;
}

/** `GET machines/[?hostname=…]` (MachinesHandler.read). */
export function listMachines(sim: SimContext, req: HandlerRequest): SimResponse {
  const hostnames = req.query.getAll('hostname');
  const rows = sim.ops.machines.filter((m) => hostnames.length === 0 || hostnames.includes(m.hostname));
  return pistonJson(200, rows.map(machineToDict));
}

/** `GET machines/{system_id}/`. */
export function readMachine(sim: SimContext, req: HandlerRequest): SimResponse {
  return pistonJson(200, machineToDict(machineOr404(sim, req)));
}

function acquire(sim: SimContext, m: SimMachine, user: string): void {
  m.owner = user;
  sim.ops.setStatus(m, 'Allocated');
}

/** `POST machines/?op=allocate` with `system_id` or `name` (MachinesHandler.allocate): 409 NodesNotAvailable otherwise. */
export function allocateMachine(sim: SimContext, req: HandlerRequest): SimResponse {
  const systemId = formField(req, 'system_id');
  const name = formField(req, 'name');
  const candidates = sim.ops.machines.filter((m) => m.status === 'Ready' && (systemId === undefined || m.systemId === systemId) && (name === undefined || m.hostname === name));
  const m = candidates[0];
  if (!m) {
    if (systemId !== undefined) throw apiError(409, `No machine with system ID ${systemId} available.`);
    if (name !== undefined) throw apiError(409, `No available machine matches constraints: [('name', ['${name}'])] (resolved to "name=${name}")`);
    throw apiError(409, 'No machine available.');
  }
  acquire(sim, m, req.user?.username ?? 'admin');
  return pistonJson(200, machineToDict(m));
}

/**
 * `POST machines/{system_id}/?op=deploy` (MachineHandler.deploy): Ready is acquired first; only
 * Allocated may go on to Deploying (NODE_TRANSITIONS), else 409 "Can't deploy a machine that is
 * in the '<state>' state". `distro_series` of a custom image is the resource name (`esxi/8.0`).
 */
export function deployMachine(sim: SimContext, req: HandlerRequest): SimResponse {
  const m = machineOr404(sim, req);
  const user = req.user?.username ?? 'admin';
  if (m.status === 'Ready') acquire(sim, m, user);
  if (m.status !== 'Allocated') throw apiError(409, `Can't deploy a machine that is in the '${m.status}' state`);
  const series = formField(req, 'distro_series') ?? 'ubuntu/noble';
  const [arch] = m.architecture.split('/');
  const images = completeImages(sim).filter((i) => i.architecture === arch);
  const image = images.find((i) => i.name === series || i.name === `ubuntu/${series}`);
  if (!image) {
    throw validationError({ distro_series: [`Select a valid choice. ${series} is not one of the available choices.`] });
  }
  const shown = deployedImageFields(image.name);
  m.osystem = shown.osystem;
  m.distroSeries = shown.distroSeries;
  const userData = formField(req, 'user_data');
  m.userData = userData === undefined ? undefined : Buffer.from(userData, 'base64').toString('utf8');
  m.run += 1;
  sim.ops.addEvent(m, 'REQUEST_NODE_START_DEPLOYMENT', '', user);
  sim.ops.setStatus(m, 'Deploying');
  sim.ops.schedule(m, sim.ops.deploySteps(m));
  return pistonJson(200, machineToDict(m));
}

const RELEASABLE = new Set(['Allocated', 'Deployed', 'Deploying', 'Failed deployment', 'Broken']);

/** `POST machines/{system_id}/?op=release` (MachineHandler.release). */
export function releaseMachine(sim: SimContext, req: HandlerRequest): SimResponse {
  const m = machineOr404(sim, req);
  if (m.status === 'Ready') return pistonJson(200, machineToDict(m));
  if (!RELEASABLE.has(m.status)) throw apiError(409, `Machine cannot be released in its current state ('${m.status}').`);
  m.run += 1;
  sim.ops.setStatus(m, 'Releasing');
  sim.ops.schedule(m, [
    () => {
      m.owner = null;
      m.osystem = '';
      m.distroSeries = '';
      sim.ops.setStatus(m, 'Ready');
    },
  ]);
  return pistonJson(200, machineToDict(m));
}
