import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { nodeHttp } from '../http/node-http.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { isAbort, nginxPage, send413, sendResponse, type SendContext } from './http-io.js';
import { loseTail } from './lose-tail.js';
import { exists } from './file-bytes.js';
import { sha256File } from '../upload/hash.js';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_ARCHITECTURES, DEFAULT_RESERVED_NAMES, ERAS, type EraFacts } from './eras.js';
import { SimFaultPlan } from './faults.js';
import { LateBodies } from './late-bodies.js';
import { pythonJsonDumps } from '../python/json-dumps.js';
import { fileProgress, resourceToDict } from './render.js';
import { readRequestBody, type ReadBodyOptions } from './request-body.js';
import { recordApplied } from './request-log.js';
import { textResponse, type SimResponse } from './responses.js';
import { dispatch } from './routes.js';
import { initialState } from './seed.js';
import type { SimContext } from './sim-context.js';
import { defaultUsers } from './sim-users.js';
import { SimStore } from './store.js';
import { SimOps } from './ops-state.js';
import type { SimMachineView } from './ops-types.js';
import type { FaultAction, MaasSimulator, RequestRecord, SimulatorOptions } from './types.js';
import type { BootResource } from '../resources/types.js';

const HOST = '127.0.0.1';
const DEFAULT_MAX_BODY = 10 * 1024 * 1024;

/** One request and its answer, as the steps of `#handle` pass them on. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** Captured on arrival: IncomingMessage drops its socket reference once the body stream is destroyed. */
  socket: Socket;
  record: RequestRecord;
  url: URL;
  bodyOptions: ReadBodyOptions;
}

/** The answer an injected status fault gives: nginx's own page unless a body is given. */
function faultStatusResponse(fault: Extract<FaultAction, { type: 'status' }>): SimResponse {
  const r = textResponse(fault.status, fault.body ?? nginxPage(fault.status), fault.body === undefined ? 'text/html' : 'text/plain');
  if (fault.retryAfter !== undefined) r.headers['Retry-After'] = String(fault.retryAfter);
  return r;
}

class Simulator implements MaasSimulator, SimContext {
  readonly era: EraFacts;
  readonly version: string;
  readonly regions: number;
  readonly signatureWindowS: number;
  readonly usableArchitectures: readonly string[];
  readonly reservedNames: ReadonlySet<string>;
  readonly faults = new SimFaultPlan();
  readonly requests: RequestRecord[] = [];
  readonly dataDir: string;
  importingUntil = 0;
  store!: SimStore;
  readonly ops: SimOps;
  port: number;

  readonly #opts: SimulatorOptions;
  readonly #ownsDataDir: boolean;
  readonly #maxBodyBytes: number;
  readonly #regionSyncMs: number;
  readonly #nonces = new Set<string>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #sockets = new Set<Socket>();
  readonly #inflight = new Set<Promise<void>>();
  readonly #syncTimers = new Set<NodeJS.Timeout>();
  readonly #late = new LateBodies();
  #server: Server | undefined;
  #stopping = new AbortController();
  #closed = false;

  constructor(opts: SimulatorOptions) {
    this.#opts = opts;
    this.era = ERAS[opts.era ?? '3.8'];
    if (!this.era) throw new RangeError(`unknown MAAS era ${String(opts.era)}; use '3.4', '3.7' or '3.8'`);
    this.version = opts.version ?? this.era.defaultVersion;
    this.regions = Math.max(1, Math.floor(opts.regions ?? 1));
    this.signatureWindowS = opts.signatureWindowS ?? 300;
    this.usableArchitectures = opts.usableArchitectures ?? DEFAULT_ARCHITECTURES;
    this.reservedNames = new Set(opts.reservedNames ?? DEFAULT_RESERVED_NAMES);
    this.#maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.#regionSyncMs = opts.regionSyncMs ?? 100;
    this.port = opts.port ?? 0;
    this.#ownsDataDir = opts.dataDir === undefined;
    this.dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'maas-sim-'));
    this.ops = new SimOps({ racks: opts.racks, machines: opts.machines, regions: this.regions, stepMs: opts.deployStepMs, now: () => this.now() });
  }

  machine(idOrHostname: string): SimMachineView | undefined {
    const m = this.ops.machines.find((x) => x.systemId === idOrHostname || x.hostname === idOrHostname);
    if (!m) return undefined;
    return { system_id: m.systemId, hostname: m.hostname, status_name: m.status, osystem: m.osystem, distro_series: m.distroSeries, owner: m.owner, userData: m.userData };
  }

  setRackConnected(hostname: string, connected: boolean): void {
    const rack = this.ops.racks.find((r) => r.hostname === hostname);
    if (!rack) throw new RangeError(`no rack controller ${hostname}`);
    rack.connected = connected;
  }

  now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  get url(): string {
    return `http://${HOST}:${this.port}/MAAS/`;
  }

  get apiUrl(): string {
    return `${this.url}api/2.0/`;
  }

  get adminKey(): string {
    return this.store.data.users.find((u) => u.isSuperuser)?.apiKey ?? '';
  }

  get userKey(): string {
    return this.store.data.users.find((u) => !u.isSuperuser)?.apiKey ?? '';
  }

  async start(): Promise<void> {
    this.store = SimStore.open(this.dataDir, () =>
      initialState({
        era: this.era,
        users: this.#opts.users ?? defaultUsers(),
        usableArchitectures: this.usableArchitectures,
        regions: this.regions,
        syncedImages: this.#opts.syncedImages ?? true,
      }),
    );
    if (this.store.data.era !== this.era.era) {
      throw new Error(`${this.dataDir} holds a MAAS ${this.store.data.era} state; cannot start it as ${this.era.era}`);
    }
    this.#stopping = new AbortController();
    this.#closed = false;
    const server = nodeHttp.createServer({ keepAliveTimeout: 30_000 }, (req, res) => this.#track(this.#handle(req, res)));
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, HOST, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    this.port = (server.address() as { port: number }).port;
    // Files a region completed before a restart still get copied to the others (docs/maas-upload-protocol.md#the-final-chunk).
    if (this.regions > 1) {
      for (const f of this.store.data.files) {
        if (f.sync['0'] === f.size && Object.keys(f.sync).length < this.regions) this.scheduleRegionSync(f.id);
      }
    }
  }

  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  async #stop(): Promise<void> {
    if (!this.#server) return;
    const server = this.#server;
    this.#server = undefined;
    this.#stopping.abort();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Idle keep-alive connections get a clean FIN; busy ones are cut like a dying process would.
    server.closeIdleConnections();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    for (const t of this.#syncTimers) clearTimeout(t);
    this.#syncTimers.clear();
    // Requests that were applying a chunk finish first, so state.json matches the files.
    await Promise.allSettled([...this.#inflight]);
    await closed;
    this.store.save();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.ops.stop();
    await this.#stop();
    await this.#late.drop();
    if (this.#ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  async restart(opts: { loseTailBytes?: number } = {}): Promise<void> {
    if (this.#closed) throw new Error('the simulator was closed; start a new one');
    await this.#stop();
    if (opts.loseTailBytes) await loseTail(this.store, this.era, opts.loseTailBytes);
    // Let in-process clients see their pooled connections close before the next request.
    await sleep(20);
    await this.start();
  }

  settled(): Promise<void> {
    return this.#late.settled();
  }

  resource(id: number): BootResource | undefined {
    const r = this.store.resource(id);
    // The very JSON MAAS would send for `GET boot-resources/{id}/`, so the SDK's type describes it.
    return r ? (JSON.parse(pythonJsonDumps(resourceToDict(this, r, true))) as BootResource) : undefined;
  }

  async storedSha256(resourceId: number): Promise<string | undefined> {
    const sets = this.store.setsOf(resourceId);
    const newest = sets.at(-1);
    const file = newest && this.store.filesOf(newest.id)[0];
    if (!file) return undefined;
    const path = this.fileBytesPath(file.id);
    return (await exists(path)) ? sha256File(path) : undefined;
  }

  fileBytesPath(fileId: number): string {
    const f = this.store.file(fileId);
    if (!f) throw new RangeError(`no boot resource file ${fileId}`);
    // 3.5–3.7 keep an unfinished upload in `<name>.incomplete` (docs/maas-upload-protocol.md#integrity-errors).
    if (this.era.era === '3.7' && !fileProgress(this, f).complete && f.sync['0'] !== f.size) {
      return this.store.partialPath(f.filenameOnDisk);
    }
    return this.store.bytesPath(f.filenameOnDisk);
  }

  fileReceived(fileId: number): number {
    const f = this.store.file(fileId);
    if (!f) throw new RangeError(`no boot resource file ${fileId}`);
    if (this.era.era === '3.4') return this.store.data.largeFiles[f.filenameOnDisk]?.received ?? 0;
    return f.sync['0'] ?? 0;
  }

  scheduleRegionSync(fileId: number): void {
    if (this.regions <= 1) return;
    const timer = setTimeout(() => {
      this.#syncTimers.delete(timer);
      const f = this.store.file(fileId);
      if (!f || f.sync['0'] !== f.size) return;
      for (let r = 1; r < this.regions; r++) f.sync[String(r)] = f.size;
      this.store.save();
    }, this.#regionSyncMs);
    this.#syncTimers.add(timer);
  }

  async withFileLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(() => undefined, () => undefined);
    this.#locks.set(key, settled);
    void settled.then(() => {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    });
    return run;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? `${HOST}:${this.port}`}`);
    const record: RequestRecord = { method, path: url.pathname, query: url.search, status: 0, bodyBytes: 0, receivedAt: this.now() };
    this.requests.push(record);
    const socket = req.socket;
    // A held late body lands before this request is handled when the request is its moment.
    await this.#late.before(record, this.requests.length - 1);
    const signal = this.#stopping.signal;
    const bodyOptions: ReadBodyOptions = { spoolDir: this.store.spoolDir, bytesPerSecond: () => this.faults.bytesPerSecond, signal };
    try {
      const latency = this.faults.latencyMs;
      if (latency) await sleep(latency, undefined, { signal });
      const fault = this.faults.take(method, req.url ?? '/');
      if (fault) record.fault = fault.type;
      if (fault?.type === 'call') fault.run();
      if (fault && (await this.#faultInstead(fault, { req, res, socket, record, url, bodyOptions }))) return;
      await this.#serve({ req, res, socket, record, url, bodyOptions }, fault);
    } catch (e) {
      if (isAbort(e) || res.destroyed) {
        socket.destroy();
        return;
      }
      await this.#send(res, textResponse(500, e instanceof Error ? e.message : String(e)), record).catch(() => {});
    }
  }

  /** Faults that replace the normal handling: true when the request is done with. */
  async #faultInstead(fault: FaultAction, x: Exchange): Promise<boolean> {
    const { req, record } = x;
    if (fault.type === 'cut' && !fault.apply) {
      const read = await readRequestBody(req, { ...x.bodyOptions, stopAfter: fault.afterBytes });
      record.bodyBytes = read.outcome === 'complete' ? read.body.length : read.bytes;
      if (read.outcome === 'complete') await read.body.dispose();
      x.socket.destroy();
      return true;
    }
    // A status fault with `apply` lets MAAS store the chunk first (#serve answers for the proxy).
    if (fault.type !== 'late' && !(fault.type === 'status' && !fault.apply)) return false;
    const read = await readRequestBody(req, x.bodyOptions);
    if (read.outcome !== 'complete') return true;
    record.bodyBytes = read.body.length;
    if (fault.type === 'late') {
      const call = { method: record.method, url: x.url, headers: req.headers, body: read.body };
      this.#late.hold(record.path, fault.atRead, record, () => this.#applyLate(call, record), () => read.body.dispose());
      return true;
    }
    await read.body.dispose();
    await this.#send(x.res, faultStatusResponse(fault), record);
    return true;
  }

  /** nginx's body limit, then MAAS; a `cut`-after-apply or `hang` fault shapes only the answer. */
  async #serve(x: Exchange, fault: FaultAction | undefined): Promise<void> {
    const { req, res, record, socket } = x;
    // nginx rejects an oversized body before MAAS sees it (docs/maas-upload-protocol.md#body-size-and-chunk-size).
    const limited = Number.isFinite(this.#maxBodyBytes);
    if (limited && Number(req.headers['content-length'] ?? 0) > this.#maxBodyBytes) return this.#send413(req, res, record);
    const read = await readRequestBody(req, { ...x.bodyOptions, maxBytes: limited ? this.#maxBodyBytes : undefined });
    if (read.outcome !== 'complete') {
      record.bodyBytes = read.bytes;
      if (read.outcome === 'tooLarge') await this.#send413(req, res, record);
      return;
    }
    record.bodyBytes = read.body.length;
    let result;
    try {
      result = await dispatch(this, this.#nonces, { method: record.method, url: x.url, headers: req.headers, body: read.body });
    } finally {
      await read.body.dispose();
    }
    // A failed request rolls its nonce back with the transaction (docs/maas-api.md#the-300-s-window).
    if (result.nonceKey && result.response.status >= 400) this.#nonces.delete(result.nonceKey);
    if (result.handler === 'BootResourceFileUploadHandler' && record.method === 'PUT') recordApplied(record, result.response);
    if (fault?.type === 'cut' && fault.apply) {
      // Lost response: the chunk is applied, the client never hears back (docs/architecture.md#testing).
      socket.destroy();
      return;
    }
    if (fault?.type === 'hang') await sleep(fault.ms, undefined, { signal: this.#stopping.signal });
    // The proxy's answer replaces MAAS's: the chunk is in, the client hears 502/504.
    await this.#send(res, fault?.type === 'status' ? faultStatusResponse(fault) : result.response, record);
  }

  /**
   * The 'late' fault: the proxy held a complete body and regiond applies it now (lib/testing/late-bodies.ts
   * says when); the answer never reaches the client, which saw only silence until it gave up.
   */
  async #applyLate(call: Parameters<typeof dispatch>[2], record: RequestRecord): Promise<void> {
    try {
      const result = await dispatch(this, this.#nonces, call);
      if (result.nonceKey && result.response.status >= 400) this.#nonces.delete(result.nonceKey);
      recordApplied(record, result.response);
    } finally {
      await call.body.dispose();
    }
  }

  #send413(req: IncomingMessage, res: ServerResponse, record: RequestRecord): Promise<void> {
    return send413(req, res, record, this.#sendContext());
  }

  #send(res: ServerResponse, r: SimResponse, record: RequestRecord): Promise<void> {
    return sendResponse(res, r, record, this.#sendContext());
  }

  #sendContext(): SendContext {
    return { now: () => this.now(), bytesPerSecond: this.faults.bytesPerSecond, signal: this.#stopping.signal };
  }
}

/** Start an in-process MAAS region API 2.0 on 127.0.0.1 (see docs/architecture.md#testing). */
export async function startMaasSimulator(opts: SimulatorOptions = {}): Promise<MaasSimulator> {
  const sim = new Simulator(opts);
  try {
    await sim.start();
  } catch (e) {
    await sim.close().catch(() => {});
    throw e;
  }
  return sim;
}


