import { createHash } from 'node:crypto';
import type { EraFacts } from './eras.js';
import type { HandlerDef } from './handler-def.js';
import { HANDLERS } from './handler-table.js';
import { pythonJsonDumps } from '../python/json-dumps.js';
import type { PyValue } from './py-format.js';

function describeHandler(h: HandlerDef, era: EraFacts, origin: string | undefined): PyValue {
  const actions = [...h.actions]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((a) => ({ doc: a.doc, method: a.method, name: a.name, op: a.op, restful: a.op === null }));
  const d: Record<string, PyValue> = { actions, doc: h.doc, name: h.name, params: h.params(era), path: h.path(era) };
  // `uri` is added per request from the Host the client used (docs/maas-api.md#describe).
  if (origin !== undefined) d.uri = `${origin}${h.path(era)}`;
  return d;
}

function description(era: EraFacts, origin: string | undefined): Record<string, PyValue> {
  const visible = HANDLERS.filter((h) => !h.hidden?.(era)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const resources = visible.map((h) => {
    const described = describeHandler(h, era, origin);
    return h.anonymous ? { anon: described, auth: null, name: h.name } : { anon: null, auth: described, name: h.name };
  });
  const handlers = [
    ...resources.filter((r) => r.anon !== null).map((r) => r.anon),
    ...resources.filter((r) => r.auth !== null).map((r) => r.auth),
  ];
  return { doc: 'MAAS API', handlers, resources };
}

const hashes = new Map<string, string>();

/** sha1 of the description without per-request URIs; also sent as `X-MAAS-API-Hash` (docs/maas-api.md#response-framing, #describe). */
export function apiHash(era: EraFacts): string {
  let h = hashes.get(era.era);
  if (!h) {
    h = createHash('sha1').update(pythonJsonDumps(description(era, undefined), { sortKeys: true })).digest('hex');
    hashes.set(era.era, h);
  }
  return h;
}

/** `GET describe/` body: `json.dumps(description, sort_keys=True)` (docs/maas-api.md#describe). */
export function describeBody(era: EraFacts, origin: string): string {
  return pythonJsonDumps({ ...description(era, origin), hash: apiHash(era) }, { sortKeys: true });
}
