import type { IncomingHttpHeaders } from 'node:http';
import type { EraFacts } from './eras.js';
import type { RequestData } from './form-data.js';
import type { RenderContext } from './render.js';
import type { ReceivedBody } from './request-body.js';
import { apiError } from './responses.js';
import type { SimStore } from './store.js';
import type { SimOps } from './ops-state.js';
import type { SimUser } from './types.js';

/** Everything a handler may touch: the simulated region's configuration and database. */
export interface SimContext extends RenderContext {
  readonly era: EraFacts;
  readonly store: SimStore;
  /** Controllers, machines and the event log (deploy and wait-ready). */
  readonly ops: SimOps;
  readonly regions: number;
  /** Age in seconds past which an OAuth timestamp is refused (docs/maas-api.md#the-300-s-window). */
  readonly signatureWindowS: number;
  readonly version: string;
  readonly usableArchitectures: readonly string[];
  readonly reservedNames: ReadonlySet<string>;
  now(): number;
  /** `is_importing` is true until this wall-clock time (docs/maas-api.md#boot-resources). */
  importingUntil: number;
  /** Multi-region: the other regions copy a file the receiving region completed (docs/maas-upload-protocol.md#the-final-chunk). */
  scheduleRegionSync(fileId: number): void;
  /** Serialise work on one stored file, as MAAS serialises transactions on its sync row (docs/maas-upload-protocol.md#append-only-writes). */
  withFileLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** One request as a handler sees it, after authentication and body decoding. */
export interface HandlerRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Host header as sent, for absolute URIs in `describe/`. */
  readonly host: string;
  readonly user: SimUser | undefined;
  readonly data: RequestData;
  readonly body: ReceivedBody;
  /** Route captures, e.g. the resource and file ids. */
  readonly params: readonly string[];
}

/**
 * Permission check of every boot-resource write, before any other handler logic
 * (docs/maas-api.md#permissions): superuser on ≤3.7, `can_edit_boot_entities` on 3.8 (which superusers have).
 */
export function requireWriter(sim: SimContext, req: HandlerRequest): void {
  if (!req.user?.isSuperuser) throw apiError(403, sim.era.writeForbidden);
}
