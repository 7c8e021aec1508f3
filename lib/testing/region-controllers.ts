import type { PyValue } from './py-format.js';
import { API_PREFIX } from './render.js';
import { pistonJson, type SimResponse } from './responses.js';
import type { SimContext } from './sim-context.js';

/**
 * `GET regioncontrollers/` (src/maasserver/api/regioncontrollers.py RegionControllersHandler, a
 * NodesHandler): one entry per region controller. A file's progress divides by their count
 * (src/maasserver/models/bootresourcefile.py BootResourceFile.progress), so a client reads it
 * here. Only the fields a client needs are rendered.
 */
export function listRegionControllers(sim: SimContext): SimResponse {
  const regions: Map<string, PyValue>[] = [];
  for (let i = 0; i < sim.regions; i++) {
    const systemId = `rgn${String(i).padStart(3, '0')}`;
    regions.push(
      new Map<string, PyValue>([
        ['system_id', systemId],
        ['hostname', `region-${i}`],
        ['node_type', 4],
        ['node_type_name', 'Region controller'],
        ['resource_uri', `${API_PREFIX}regioncontrollers/${systemId}/`],
      ]),
    );
  }
  return pistonJson(200, regions);
}
