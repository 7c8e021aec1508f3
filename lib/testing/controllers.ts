import type { PyValue } from './py-format.js';
import { setProgress } from './render.js';
import { notFound, pistonJson, type SimResponse } from './responses.js';
import type { HandlerRequest, SimContext } from './sim-context.js';
import type { SimRack } from './ops-state.js';

interface RegionImage {
  name: string;
  architecture: string;
  subarches: string[];
}

/** Images whose newest set is complete on the region, as `name`/`arch`/subarches. */
export function completeImages(sim: SimContext): RegionImage[] {
  const out: RegionImage[] = [];
  for (const r of sim.store.data.resources) {
    const newest = sim.store.setsOf(r.id).at(-1);
    if (!newest || !setProgress(sim, newest).complete) continue;
    const [arch = '', subarch = 'generic'] = r.architecture.split('/');
    const subarches = [subarch, ...(r.extra['subarches'] ? r.extra['subarches'].split(',') : [])];
    out.push({ name: r.name, architecture: arch, subarches: [...new Set(subarches)].sort() });
  }
  return out;
}

function controllerToDict(system_id: string, hostname: string, nodeType: number, nodeTypeName: string, path: string): Map<string, PyValue> {
  return new Map<string, PyValue>([
    ['system_id', system_id],
    ['hostname', hostname],
    ['fqdn', `${hostname}.maas`],
    ['node_type', nodeType],
    ['node_type_name', nodeTypeName],
    ['resource_uri', `/MAAS/api/2.0/${path}/${system_id}/`],
  ]);
}

/** `GET rackcontrollers/` (a few of DISPLAYED_RACK_CONTROLLER_FIELDS, `src/maasserver/api/rackcontrollers.py`). */
export function listRackControllers(sim: SimContext): SimResponse {
  return pistonJson(200, sim.ops.racks.map((r) => controllerToDict(r.systemId, r.hostname, 2, 'Rack controller', 'rackcontrollers')));
}

/** `GET regioncontrollers/` (`src/maasserver/api/regioncontrollers.py`). */
export function listRegionControllers(sim: SimContext): SimResponse {
  return pistonJson(200, sim.ops.regionNames.map((name, i) => controllerToDict(`region${i + 1}`.padEnd(6, 'x'), name, 3, 'Region controller', 'regioncontrollers')));
}

function rackOr404(sim: SimContext, req: HandlerRequest): SimRack {
  const rack = sim.ops.racks.find((r) => r.systemId === req.params[0]);
  if (!rack) throw notFound('No RackController matches the given query.');
  return rack;
}

/** `GET rackcontrollers/{id}/`. */
export function readRackController(sim: SimContext, req: HandlerRequest): SimResponse {
  const r = rackOr404(sim, req);
  return pistonJson(200, controllerToDict(r.systemId, r.hostname, 2, 'Rack controller', 'rackcontrollers'));
}

const imageDict = (i: RegionImage) => new Map<string, PyValue>([['name', i.name], ['architecture', i.architecture], ['subarches', i.subarches]]);

/**
 * `GET rackcontrollers/{id}/?op=list_boot_images`. ≤3.4 (`src/maasserver/models/node.py
 * RackController.list_boot_images`, tag 3.4.8): what the rack holds, "syncing" while its import
 * runs, `{"images": [], "connected": false, "status": "unknown"}` when it is not connected. 3.5+
 * (`RackControllerHandler.list_boot_images`, deprecated): every region image, always "synced".
 */
export function listBootImages(sim: SimContext, req: HandlerRequest): SimResponse {
  const rack = rackOr404(sim, req);
  const region = completeImages(sim);
  if (sim.era.era !== '3.4') {
    return pistonJson(200, new Map<string, PyValue>([['images', region.map(imageDict)], ['connected', true], ['status', 'synced']]));
  }
  if (!rack.connected) return pistonJson(200, new Map<string, PyValue>([['images', []], ['connected', false], ['status', 'unknown']]));
  const now = sim.now();
  const held: RegionImage[] = [];
  let syncing = false;
  for (const image of region) {
    const key = `${image.name} ${image.architecture}`;
    // The rack's import starts when the region has the whole image (RackControllersImporter.schedule).
    if (!sim.ops.completeSince.has(key)) sim.ops.completeSince.set(key, now);
    if (now - sim.ops.completeSince.get(key)! >= rack.syncMs) held.push(image);
    else syncing = true;
  }
  return pistonJson(200, new Map<string, PyValue>([['images', held.map(imageDict)], ['connected', true], ['status', syncing ? 'syncing' : 'synced']]));
}
