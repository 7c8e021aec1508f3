import { unlinkQuietly } from './file-bytes.js';
import { pyListRepr } from './py-format.js';
import { resourceToDict } from './render.js';
import { apiError, notFound, pistonJson, serverError, textResponse, TEXT_UTF8, type SimResponse } from './responses.js';
import { requireWriter, type HandlerRequest, type SimContext } from './sim-context.js';
import { parseId } from './upload.js';

/** How long a simulated import keeps `is_importing` true. */
const IMPORT_DURATION_MS = 1000;

const TYPE_CODES: Record<string, number> = { synced: 0, generated: 1, uploaded: 2 };

/** `GET boot-resources/` (docs/maas-api.md#boot-resources). */
export function listBootResources(sim: SimContext, req: HandlerRequest): SimResponse {
  const type = req.query.has('type') ? req.query.get('type')! : 'all';
  let rows = [...sim.store.data.resources];
  const byName = (a: { name: string; architecture: string }, b: { name: string; architecture: string }) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.architecture < b.architecture ? -1 : a.architecture > b.architecture ? 1 : 0;
  if (type === 'all') {
    rows.sort((a, b) => a.rtype - b.rtype || byName(a, b));
  } else if (sim.era.listTypes.includes(type)) {
    rows = rows.filter((r) => r.rtype === TYPE_CODES[type]).sort(byName);
  } else {
    throw apiError(400, `'${type}' is not a valid boot resource type. Available types: ${pyListRepr(sim.era.listTypes)}`);
  }
  return pistonJson(200, rows.map((r) => resourceToDict(sim, r, false)));
}

/** `GET boot-resources/{id}/` (docs/maas-api.md#boot-resources). */
export function readBootResource(sim: SimContext, req: HandlerRequest): SimResponse {
  const resource = sim.store.resource(parseId(req.params[0] ?? ''));
  if (!resource) throw notFound('No BootResource matches the given query.');
  return pistonJson(200, resourceToDict(sim, resource, true));
}

/**
 * `DELETE boot-resources/{id}/` (docs/maas-api.md#boot-resources): `BootResource.objects.get`, not
 * get_object_or_404, so an unknown id is a 500; disk copies go unless another row shares them.
 */
export async function deleteBootResource(sim: SimContext, req: HandlerRequest): Promise<SimResponse> {
  requireWriter(sim, req);
  const id = parseId(req.params[0] ?? '');
  if (!sim.store.resource(id)) throw serverError('BootResource matching query does not exist.');
  const orphans = sim.store.deleteResource(id);
  sim.store.save();
  await unlinkQuietly(...orphans.flatMap((n) => [sim.store.bytesPath(n), sim.store.partialPath(n)]));
  return { ...textResponse(204, '', 'text/plain'), inResource: true };
}

/** `POST boot-resources/?op=import` (docs/maas-api.md#boot-resources). */
export function importBootResources(sim: SimContext, req: HandlerRequest): SimResponse {
  requireWriter(sim, req);
  sim.importingUntil = Date.now() + IMPORT_DURATION_MS;
  return { ...textResponse(200, 'Import of boot resources started', TEXT_UTF8), inResource: true };
}

/** `POST boot-resources/?op=stop_import` (docs/maas-api.md#boot-resources). */
export function stopImport(sim: SimContext, req: HandlerRequest): SimResponse {
  requireWriter(sim, req);
  sim.importingUntil = 0;
  return { ...textResponse(200, 'Import of boot resources is being stopped', TEXT_UTF8), inResource: true };
}

/** `GET boot-resources/?op=is_importing` → JSON `true`/`false` (docs/maas-api.md#boot-resources). */
export function isImporting(sim: SimContext): SimResponse {
  return pistonJson(200, Date.now() < sim.importingUntil);
}
