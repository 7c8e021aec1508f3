import type { PyValue } from './py-format.js';
import { apiError, pistonJson, type SimResponse } from './responses.js';
import type { HandlerRequest, SimContext } from './sim-context.js';
import { EVENT_TYPES, type SimEvent } from './event-types.js';

/** Logging levels as MAAS numbers them (`LOGGING_LEVELS`, `src/maasserver/models/eventtype.py`). */
const LEVELS: Readonly<Record<string, number>> = { AUDIT: 0, DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

/** MAAS's `DATETIME_FORMAT = "%a, %d %b. %Y %H:%M:%S"` (`src/maasserver/api/events.py`), UTC. */
function formatCreated(ms: number): string {
  const d = new Date(ms);
  const day = d.toUTCString().slice(0, 3);
  const mon = d.toUTCString().slice(8, 11);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day}, ${pad(d.getUTCDate())} ${mon}. ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `event_to_dict` (`src/maasserver/api/events.py`), keys in its order. */
function eventToDict(e: SimEvent): Map<string, PyValue> {
  const t = EVENT_TYPES[e.type];
  return new Map<string, PyValue>([
    ['username', e.username],
    ['node', e.node],
    ['hostname', e.hostname],
    ['id', e.id],
    ['level', t.level],
    ['created', formatCreated(e.created)],
    ['type', t.description],
    ['description', e.description],
  ]);
}

const MAX_EVENT_LOG_COUNT = 1000;
const DEFAULT_EVENT_LOG_LIMIT = 100;
/** `EventsHandler.all_params`: what `next_uri`/`prev_uri` carry over from the request. */
const ALL_PARAMS = new Set(['agent_name', 'domain', 'hostname', 'id', 'level', 'limit', 'mac_address', 'op', 'zone', 'owner']);

function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw apiError(400, `Invalid ${name}: Please enter an integer value.`);
  return Number(raw);
}

/**
 * `GET events/?op=query` (`EventsHandler.query`): filter by node (`id`, `hostname`), minimum
 * `level` (default INFO; AUDIT alone selects audit events), then newest first — with `after`,
 * the oldest `limit` events after it, reversed, so still newest first.
 */
export function queryEvents(sim: SimContext, req: HandlerRequest): SimResponse {
  const q = req.query;
  const after = intParam(q, 'after');
  const before = intParam(q, 'before');
  const level = q.get('level') ?? 'INFO';
  let limit = intParam(q, 'limit') ?? DEFAULT_EVENT_LOG_LIMIT;
  if (limit > MAX_EVENT_LOG_COUNT) throw apiError(400, `Requested number of events ${limit} is greater than limit: ${MAX_EVENT_LOG_COUNT}`);
  limit = Math.max(1, limit);
  if (!(level in LEVELS)) throw apiError(400, `Unrecognised log level: ${level}`);
  const ids = q.getAll('id');
  const hostnames = q.getAll('hostname');
  let rows = sim.ops.events.filter(
    (e) => (ids.length === 0 || ids.includes(e.node)) && (hostnames.length === 0 || hostnames.includes(e.hostname)),
  );
  const min = LEVELS[level]!;
  rows = rows.filter((e) => (level === 'AUDIT' ? LEVELS[EVENT_TYPES[e.type].level] === 0 : LEVELS[EVENT_TYPES[e.type].level]! >= min));
  let page: SimEvent[];
  if (after === undefined && before === undefined) page = [...rows].sort((a, b) => b.id - a.id).slice(0, limit);
  else if (after === undefined) page = rows.filter((e) => e.id < before!).sort((a, b) => b.id - a.id).slice(0, limit);
  else if (before === undefined) page = rows.filter((e) => e.id > after).sort((a, b) => a.id - b.id).slice(0, limit).reverse();
  else throw apiError(400, 'There is undetermined behaviour when both `after` and `before` are specified.');

  const kept = () => new URLSearchParams([...q.entries()].filter(([k]) => ALL_PARAMS.has(k)));
  const uri = (p: URLSearchParams) => `/MAAS/api/2.0/events/?${p.toString()}`;
  const next = kept();
  if (page.length > 0) next.set('after', String(page[0]!.id));
  else if (before !== undefined) next.set('after', String(before - 1));
  let prev: string | null = null;
  if (page.length > 0) {
    const p = kept();
    p.set('before', String(page.at(-1)!.id));
    prev = uri(p);
  } else if (after !== undefined) {
    const p = kept();
    p.set('before', String(after + 1));
    prev = uri(p);
  }
  return pistonJson(200, new Map<string, PyValue>([
    ['count', page.length],
    ['events', page.map(eventToDict)],
    ['next_uri', uri(next)],
    ['prev_uri', prev],
  ]));
}
