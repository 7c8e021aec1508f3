import { setTimeout as sleep } from 'node:timers/promises';
import type { MaasApiClient } from '../http/api-client.js';
import { MaasAbortError, MaasNotFoundError, MaasTimeoutError } from '../errors/index.js';
import { formatDuration } from '../errors/duration.js';
import { readVersion } from './server.js';
import { newestSet } from './set-order.js';
import type { Architecture, BootResource, BootResourceSummary, MaasEra } from './types.js';

/** A controller as `rackcontrollers/` and `regioncontrollers/` list it (the fields read here). */
export interface Controller {
  system_id: string;
  hostname: string;
  [field: string]: unknown;
}

/** `rackcontrollers/{id}/?op=list_boot_images` (`RackControllerHandler.list_boot_images`). */
export interface RackBootImages {
  images: { name: string; architecture: string; subarches: string[] }[];
  connected: boolean;
  /** ≤3.4: "synced" | "syncing" | "out-of-sync" | "region-importing" | "unknown" (`get_image_sync_status`). 3.5+: always "synced". */
  status: string;
}

export type ReadyState = 'ready' | 'syncing' | 'disconnected';

/** One rack (≤3.4) or region (3.5+) and whether MAAS can deploy the image from it. */
export interface ReadyTarget {
  kind: 'rack' | 'region';
  system_id: string;
  hostname: string;
  state: ReadyState;
  /** What MAAS said, e.g. `status syncing` or `72.5 % of all regions' copies`. */
  detail: string;
}

export interface WaitReadyOptions {
  /** e.g. `esxi/8.0`. */
  name: string;
  /** Default `amd64/generic`. */
  architecture?: Architecture | undefined;
  /** Default 30 min. */
  timeoutMs?: number | undefined;
  /** Between polls. Default 5 s. */
  intervalMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Called once per target whenever its state changes (the first time too). */
  onProgress?: ((target: ReadyTarget) => void) | undefined;
}

export interface ReadyResult {
  era: MaasEra;
  name: string;
  architecture: string;
  /** Targets that hold the image. */
  ready: ReadyTarget[];
  /** Disconnected racks, named and skipped. */
  skipped: ReadyTarget[];
  elapsedMs: number;
}

interface Round {
  targets: ReadyTarget[];
  /** Why nothing can be ready yet, when no target exists (e.g. no rack connected). */
  blocker?: string | undefined;
}

/**
 * Wait until MAAS can deploy an image everywhere it deploys from. Up to 3.4 rack controllers
 * hold images: every connected rack must list it in `list_boot_images`
 * (`src/maasserver/models/node.py RackController.list_boot_images`); a disconnected rack answers
 * `connected: false` and is named and skipped. From 3.5 `list_boot_images` is deprecated and
 * always says "synced" (`src/maasserver/api/rackcontrollers.py`): images live on the region
 * controllers, and a file is `complete` only when every region holds all of it
 * (`src/maasserver/models/bootresourcefile.py BootResourceFile.complete`).
 */
export async function waitReady(api: MaasApiClient, opts: WaitReadyOptions): Promise<ReadyResult> {
  const architecture = opts.architecture ?? 'amd64/generic';
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const intervalMs = opts.intervalMs ?? 5000;
  const started = Date.now();
  const { era } = await readVersion(api, opts.signal);
  // On every era: a name MAAS does not have is an error now, not a timeout half an hour later.
  const summary = await findResource(api, opts.name, architecture, opts.signal);
  const seen = new Map<string, string>();
  for (;;) {
    const round = era === '3.4' ? await racksRound(api, opts.name, architecture, opts.signal) : await regionsRound(api, summary.id, opts.signal);
    for (const t of round.targets) {
      const key = `${t.kind}:${t.system_id}`;
      const fingerprint = `${t.state}:${t.state === 'syncing' ? '' : t.detail}`;
      if (seen.get(key) !== fingerprint) {
        seen.set(key, fingerprint);
        opts.onProgress?.(t);
      }
    }
    const pending = round.targets.filter((t) => t.state === 'syncing');
    const ready = round.targets.filter((t) => t.state === 'ready');
    if (!round.blocker && pending.length === 0 && ready.length > 0) {
      return { era, name: opts.name, architecture, ready, skipped: round.targets.filter((t) => t.state === 'disconnected'), elapsedMs: Date.now() - started };
    }
    const left = timeoutMs - (Date.now() - started);
    if (left <= 0) throw notReady(opts.name, architecture, timeoutMs, round);
    try {
      await sleep(Math.min(intervalMs, left), undefined, { signal: opts.signal });
    } catch (cause) {
      throw new MaasAbortError('Cancelled while waiting for the image to be ready.', { code: 'ABORTED', cause });
    }
  }
}

async function racksRound(api: MaasApiClient, name: string, architecture: string, signal?: AbortSignal): Promise<Round> {
  const [arch, subarch = 'generic'] = architecture.split('/');
  const racks = await api.json<Controller[]>('GET', 'rackcontrollers/', { signal });
  const targets: ReadyTarget[] = [];
  for (const rack of racks) {
    const listing = await api.json<RackBootImages>('GET', `rackcontrollers/${encodeURIComponent(rack.system_id)}/`, {
      query: { op: 'list_boot_images' },
      signal,
    });
    const base = { kind: 'rack' as const, system_id: rack.system_id, hostname: rack.hostname };
    if (!listing.connected) {
      targets.push({ ...base, state: 'disconnected', detail: 'not connected to the region; skipped' });
      continue;
    }
    const held = listing.images.some((i) => i.name === name && i.architecture === arch && i.subarches.includes(subarch));
    targets.push({ ...base, state: held ? 'ready' : 'syncing', detail: held ? `lists ${name}` : `status ${listing.status}` });
  }
  const connected = targets.some((t) => t.state !== 'disconnected');
  return { targets, blocker: connected ? undefined : racks.length ? 'no rack controller is connected' : 'MAAS has no rack controller' };
}

async function findResource(api: MaasApiClient, name: string, architecture: string, signal?: AbortSignal): Promise<BootResourceSummary> {
  const summaries = await api.json<BootResourceSummary[]>('GET', 'boot-resources/', { signal });
  const summary = summaries.find((r) => r.name === name && r.architecture === architecture);
  if (!summary) {
    throw new MaasNotFoundError(`MAAS has no boot resource ${name} (${architecture}).`, {
      code: 'NO_SUCH_IMAGE',
      hint: 'Upload it first (bootResources.upload), or check the name and architecture options.',
      fix: { option: 'name' },
    });
  }
  return summary;
}

async function regionsRound(api: MaasApiClient, id: number, signal?: AbortSignal): Promise<Round> {
  const regions = await api.json<Controller[]>('GET', 'regioncontrollers/', { signal });
  const resource = await api.json<BootResource>('GET', `boot-resources/${id}/`, { signal });
  const files = Object.values(newestSet(resource.sets)?.[1].files ?? {});
  const complete = files.length > 0 && files.every((f) => f.complete);
  const percent = files.length ? files.reduce((s, f) => s + (f.complete ? 100 : (f.progress ?? 0)), 0) / files.length : 0;
  const targets = regions.map<ReadyTarget>((r) => ({
    kind: 'region',
    system_id: r.system_id,
    hostname: r.hostname,
    state: complete ? 'ready' : 'syncing',
    detail: complete ? 'every region holds the complete file' : `${percent.toFixed(1)} % of all regions' copies`,
  }));
  return { targets, blocker: regions.length ? undefined : 'MAAS lists no region controller' };
}

function notReady(name: string, architecture: string, timeoutMs: number, round: Round): MaasTimeoutError {
  const waiting = round.targets.filter((t) => t.state === 'syncing').map((t) => `${t.kind} ${t.hostname} (${t.system_id}): ${t.detail}`);
  const what = round.blocker ?? (waiting.length ? waiting.join('; ') : 'nothing reported');
  return new MaasTimeoutError(`${name} (${architecture}) is not ready after ${formatDuration(timeoutMs)}: ${what}.`, {
    code: 'NOT_READY',
    hint: 'Check the controllers\' image sync (Controllers page, `maas PROFILE rack-controller list-boot-images ID`), then wait again with a longer timeoutMs.',
    fix: { option: 'timeoutMs' },
  });
}
