/** Public types of the MAAS simulator (`maas-esxi/testing`). */
import type { SimMachineOptions, SimMachineView, SimRackOptions } from './ops-types.js';

import type { BootResource, MaasEra } from '../resources/types.js';

/** The behaviour era to imitate: the SDK's own era type, shared so both always agree. */
export type { MaasEra };

export interface SimUser {
  username: string;
  email?: string;
  isSuperuser: boolean;
  /** false = the key is known but MAAS answers 403 (docs/maas-api.md#authentication-errors). */
  active?: boolean;
  /** `consumer_key:token_key:token_secret` (docs/maas-api.md#signing-each-request). */
  apiKey: string;
}

export interface SimulatorOptions {
  era?: MaasEra;
  /** Reported by `version/`; default per era ('3.4.10', '3.7.3', '3.8.0'). */
  version?: string;
  /** Default 0 (any free port); the host is always 127.0.0.1. */
  port?: number;
  /** Uploaded bytes (`files/`) and `state.json`; default a fresh temp dir, removed on close. */
  dataDir?: string;
  /** Default: superuser `admin` and non-admin `user`, with generated keys. */
  users?: SimUser[];
  /** Valid `architecture` values (docs/maas-upload-protocol.md#architecture-rules). Default ['amd64/generic', 'arm64/generic']. */
  usableArchitectures?: string[];
  /** Names a boot source offers (docs/maas-upload-protocol.md#architecture-rules, #name-rules); registered OS names are always reserved. */
  reservedNames?: string[];
  /** nginx `client_max_body_size` (docs/maas-upload-protocol.md#body-size-and-chunk-size). Default 10 MiB; Infinity disables. */
  maxBodyBytes?: number;
  /** Region controllers (docs/maas-upload-protocol.md#deriving-the-offset, #the-final-chunk). Default 1. */
  regions?: number;
  /** Multi-region: delay after the final PUT before the other regions have the file. Default 100. */
  regionSyncMs?: number;
  /** Clock in ms for OAuth timestamps, set versions and the `Date` header. Default Date.now. */
  now?: () => number;
  /**
   * piston's `OAuthServer.timestamp_threshold`, seconds (docs/maas-api.md#the-300-s-window). Default
   * 300; narrower to test slow links without waiting minutes.
   */
  signatureWindowS?: number;
  /**
   * Seed one complete synced `ubuntu/<series>` resource per usable architecture, as a MAAS that
   * has imported Ubuntu has (that is what makes architectures usable, docs/maas-upload-protocol.md#architecture-rules). Default true.
   */
  syncedImages?: boolean;
  /** Rack controllers (default one connected rack `rack-1` that syncs at once). */
  racks?: SimRackOptions[];
  /** Machines MAAS manages (default none). */
  machines?: SimMachineOptions[];
  /** Time between the simulated installation and first-boot events of a deploy. Default 50 ms. */
  deployStepMs?: number;
}

export interface RequestRecord {
  method: string;
  /** URL path without the query string. */
  path: string;
  /** The query string including `?`, or ''. */
  query: string;
  /** Status sent; 0 when the connection was cut before an answer. */
  status: number;
  /** Request body bytes the server read. */
  bodyBytes: number;
  /** `now()` when the request arrived. */
  receivedAt: number;
  /** Upload PUTs only: whether the chunk changed the stored bytes/counter. */
  applied?: boolean;
  /**
   * Upload PUTs that applied: the server's byte offset the chunk landed at (its counter before
   * the write), so a test can count bytes applied twice from the server's side alone.
   */
  appliedAt?: number;
  /** The injected fault that shaped this request, if any. */
  fault?: FaultAction['type'];
  /** A 'late' body: the index in `requests` of the request it landed just before (a read, or the client's next write). */
  landedBefore?: number;
}

export type FaultAction =
  /** Read `afterBytes` of the body, then destroy the socket; nothing is applied. */
  | { type: 'cut'; afterBytes: number; apply: false }
  /** Read the whole body, process it normally, then destroy the socket without answering. */
  | { type: 'cut'; apply: true }
  /**
   * Answer this status after reading the body. Without `apply` nothing is applied; with
   * `apply: true` MAAS processes the request (the chunk lands) and the proxy answers this status
   * instead of MAAS's answer: nginx's 502/504 when regiond finished after the proxy gave up.
   */
  | { type: 'status'; status: number; body?: string; retryAfter?: number; apply?: boolean }
  /**
   * Process normally, but call `run` the moment the request arrives: a test's hook to act at an
   * exact request (stop the client, restart the region, move the clock). `run` must not await
   * the simulator.
   */
  | { type: 'call'; run: () => void }
  /** Process normally, but answer only after `ms`. */
  | { type: 'hang'; ms: number }
  /**
   * Late body: read the whole body, never answer, and apply it just before answering the client's
   * `atRead`-th read of the same boot resource (`GET boot-resources/{id}/`) after it — 1: at the
   * client's first look, 2: while it keeps watching — or before the client's next write to that
   * resource if that comes first (a client that stopped watching meets its own chunk). A moment
   * the client's requests define, never a timer: a schedule means the same at any CPU speed. This
   * is nginx, which buffers the whole request body before it proxies it, and regiond, which runs
   * the handler to completion whether or not the client is still there, while the answer is lost.
   */
  | { type: 'late'; atRead: number };

export interface FaultMatch {
  method?: string;
  /** Tested against the request target (path and query string). */
  path?: RegExp;
  /** 1-based index among the requests this rule matches. */
  nth?: number;
  /** Fire on every k-th matching request. */
  every?: number;
  /** How many times the rule may fire: default 1, or unlimited when `every` is set. */
  times?: number;
}

export interface FaultRule {
  match: FaultMatch;
  action: FaultAction;
}

export interface FaultPlan {
  add(rule: FaultRule): void;
  clear(): void;
  /** How many times any rule has fired. */
  readonly fired: number;
  /** The rules added since the last clear() that have not fired yet. */
  unfired(): FaultRule[];
  /** Limit the request-body read rate (and response writes); null = unlimited. */
  throttle(bytesPerSecond: number | null): void;
  /** Delay before handling every request; null = none. */
  latency(ms: number | null): void;
}

export interface MaasSimulator {
  /** 'http://127.0.0.1:PORT/MAAS/' */
  readonly url: string;
  /** 'http://127.0.0.1:PORT/MAAS/api/2.0/' */
  readonly apiUrl: string;
  readonly port: number;
  readonly adminKey: string;
  readonly userKey: string;
  readonly dataDir: string;
  readonly faults: FaultPlan;
  readonly requests: RequestRecord[];
  /** Stop listening, destroy open sockets, wait for in-flight writes, persist state. */
  close(): Promise<void>;
  /**
   * close() then listen again on the same port from the persisted state. `loseTailBytes` cuts
   * that many of the last received bytes (counter and stored bytes alike) from every incomplete
   * file, as a region whose database and image storage came back from an earlier snapshot.
   */
  restart(opts?: { loseTailBytes?: number }): Promise<void>;
  /** The JSON MAAS would return for `GET boot-resources/{id}/` (undefined if unknown). */
  resource(id: number): BootResource | undefined;
  /** sha256 of the bytes stored for the newest file of a resource (undefined: no file or no bytes yet). */
  storedSha256(resourceId: number): Promise<string | undefined>;
  /** Where the stored bytes of a file live (compare their sha256 with the source). */
  fileBytesPath(fileId: number): string;
  /** A machine by system_id or hostname, as the simulated region holds it. */
  machine(idOrHostname: string): SimMachineView | undefined;
  /** Connect or disconnect a rack controller (by hostname). */
  setRackConnected(hostname: string, connected: boolean): void;
  /** The server's byte counter for a file (receiving region; ≤3.4 the large object's length). */
  fileReceived(fileId: number): number;
  /** Lands every late body still held (see FaultAction 'late') and resolves when all have been applied. */
  settled(): Promise<void>;
}
