import type { Agent as HttpAgent, ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { nodeHttp } from './node-http.js';

/** A body already in memory (JSON, a multipart form), one read piece by piece (an upload chunk), or none. */
type WireBody = string | Buffer | AsyncIterable<Uint8Array> | null | undefined;

/** One request as both paths (direct here, proxied in lib/http/proxied.ts) send it. */
export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: WireBody;
  signal?: AbortSignal | undefined;
  /** Idle timeout: refreshed by every write and read, so it is the send-side idle timer, then the wait for the answer. */
  idleTimeoutMs: number;
}

export interface WireAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  text: string;
}

interface DirectOptions {
  tls: { ca?: string; rejectUnauthorized?: boolean };
  connectTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Every socket this path opens, so that HttpTransport.resetConnections can reset it. */
  onSocket: (socket: Socket) => void;
}

/**
 * Requests over node:http on one keep-alive socket per origin, for direct (unproxied)
 * connections: every request, not only the chunk PUTs. Measured on the 2-core bench machine
 * (1 GiB in 8 MiB PUTs to a loopback sink, 2 MiB writes): 0.9 s of CPU and 57 MiB peak RSS,
 * against 1.5–1.65 s and 102 MiB through undici's request(); and merely loading undici for the
 * JSON calls cost ~190 ms of CPU and ~20 MiB of RSS per run (docs/dependencies.md#undici). Only a
 * proxy loads undici (lib/http/proxied.ts).
 */
export class DirectHttp {
  readonly #opts: DirectOptions;
  #http: HttpAgent | undefined;
  /** node:https (and node:tls under it) loads with the first https:// request: most MAAS URLs are http://. */
  #https: Promise<{ agent: HttpsAgent; request: typeof httpsRequest }> | undefined;

  constructor(opts: DirectOptions) {
    this.#opts = opts;
  }

  async send(req: WireRequest): Promise<WireAnswer> {
    const url = new URL(req.url);
    const cr = this.#open(req, url, url.protocol === 'https:' ? await this.#secure() : undefined);
    const answer = answerOf(cr);
    answer.catch(() => undefined);
    const writing = writeBody(cr, req.body);
    const first = await Promise.race([writing.then(() => 'written' as const), answer.then(() => 'answered' as const, () => 'failed' as const)]);
    // Answered (or failed) before the whole body went: stop writing, and wait until the body's
    // reader has stopped too, since the caller reuses the buffer it reads into for the next chunk.
    if (first !== 'written') cr.destroy();
    await writing;
    return answer;
  }

  close(): void {
    this.#http?.destroy();
    void this.#https?.then((https) => https.agent.destroy());
  }

  #agentOptions(): { keepAlive: true; maxSockets: number; maxFreeSockets: number; timeout: number } {
    return { keepAlive: true, maxSockets: 1, maxFreeSockets: 1, timeout: this.#opts.keepAliveTimeoutMs };
  }

  #secure(): Promise<{ agent: HttpsAgent; request: typeof httpsRequest }> {
    // One load and one agent, however many requests start before the import settles.
    this.#https ??= import('node:https').then((https) => ({ agent: new https.Agent({ ...this.#agentOptions(), ...this.#opts.tls }), request: https.request }));
    return this.#https;
  }

  #open(req: WireRequest, url: URL, https: { agent: HttpsAgent; request: typeof httpsRequest } | undefined): ClientRequest {
    const o = this.#opts;
    const agent = https ? https.agent : (this.#http ??= new nodeHttp.Agent(this.#agentOptions()));
    const cr = (https ? https.request : nodeHttp.request)(url, { method: req.method, headers: req.headers, agent, signal: req.signal });
    cr.on('socket', (socket: Socket) => {
      o.onSocket(socket);
      // Connecting has its own bound; once connected, the idle timer (refreshed by every write and read).
      socket.setTimeout(socket.connecting ? o.connectTimeoutMs : req.idleTimeoutMs);
      if (socket.connecting) socket.once('connect', () => socket.setTimeout(req.idleTimeoutMs));
    });
    cr.on('timeout', () => cr.destroy(Object.assign(new Error(`no progress for ${req.idleTimeoutMs} ms`), { code: 'ETIMEDOUT' })));
    return cr;
  }
}

/** The answer, read whole (MAAS's are small); rejects on any failure of the exchange. */
function answerOf(cr: ClientRequest): Promise<WireAnswer> {
  return new Promise((resolve, reject) => {
    cr.once('error', reject);
    cr.once('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (piece: string) => (text += piece));
      res.once('error', reject);
      res.once('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, text }));
    });
  });
}

/**
 * A body in memory goes in one write with its Content-Length (node:http sets it from end()'s
 * argument, and 0 for none). A streamed one is written piece by piece as it comes, the next piece
 * asked for only once the socket has taken the whole of this one (the write's callback): the
 * upload reads every piece into the same buffer (lib/upload/chunk-source.ts), so a piece still
 * queued in the socket when the next is read would go out overwritten. 'drain' alone is not
 * enough: a write that fits under the stream's high-water mark returns true with bytes still queued.
 */
async function writeBody(cr: ClientRequest, body: WireBody): Promise<void> {
  if (body === null || body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) {
    cr.end(body ?? undefined);
    return;
  }
  try {
    // Read the body only once the connection is up: node:http would buffer the pieces of a
    // request whose connection is refused, and the upload would count them as handed over.
    await connectionReady(cr);
    if (cr.destroyed) return;
    for await (const piece of body) {
      if (cr.destroyed) return;
      const queued = written(cr, piece);
      if (queued) await queued;
      if (cr.destroyed) return;
    }
    cr.end();
  } catch (err) {
    // The file could not be read: fail the request rather than send a short body.
    cr.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}

/** The request's connection is established (TLS handshake included), or the request ended. */
function connectionReady(cr: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      cr.off('close', done);
      resolve();
    };
    cr.once('close', done);
    const onSocket = (socket: Socket): void => {
      // A TLSSocket says so (`encrypted`), without loading node:tls to ask instanceof.
      const secure = (socket as Partial<TLSSocket>).encrypted === true;
      // getProtocol() is 'unknown' (or null) until the handshake completes.
      const protocol = secure ? (socket as TLSSocket).getProtocol() : null;
      if (!socket.connecting && (!secure || (protocol !== null && protocol !== 'unknown'))) return done();
      socket.once(secure ? 'secureConnect' : 'connect', done);
    };
    if (cr.socket) onSocket(cr.socket);
    else cr.once('socket', onSocket);
  });
}

/**
 * Write `piece`; a promise when the socket still holds some of it, settled once it took all of it
 * (the write's callback) or the request ended (failed, aborted, answered early). Usually the
 * kernel takes a piece within the write call: nothing stays queued, and the next piece may be read
 * at once rather than a turn of the event loop later.
 */
function written(cr: ClientRequest, piece: Uint8Array): Promise<void> | undefined {
  let wake: (() => void) | undefined;
  let calledBack = false;
  // An error also calls back (with it); the exchange's failure is reported by its answer.
  cr.write(piece, () => ((calledBack = true), wake?.()));
  if (calledBack || cr.writableLength === 0) return undefined;
  return new Promise((resolve) => {
    const finish = (): void => {
      cr.off('close', finish);
      resolve();
    };
    wake = finish;
    cr.on('close', finish);
  });
}
