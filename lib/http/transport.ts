import type { Socket } from 'node:net';
import { redactHeaders } from '../auth/redact.js';
import { errorFromTransport } from './classify.js';
import { DirectHttp, type WireAnswer } from './direct-http.js';
import { openProxied, proxyConfigured, proxyFor, type ProxiedOptions, type ProxiedPath } from './proxied.js';

export interface TransportOptions {
  /** PEM text of the CA(s) to trust instead of the default store (--cacerts, MAAS_API_CACERT). */
  ca?: string | undefined;
  /** Skip certificate verification (-k/--insecure). */
  insecure?: boolean | undefined;
  connectTimeoutMs?: number | undefined;
  /**
   * Default idle timeout of a request: refreshed while a body is being written, so for uploads it
   * is a send-side idle timer, then the wait for the answer (docs/dependencies.md#undici).
   */
  headersTimeoutMs?: number | undefined;
  /** Idle timeout while reading an answer behind a proxy (direct connections use headersTimeoutMs throughout). */
  bodyTimeoutMs?: number | undefined;
  keepAliveTimeoutMs?: number | undefined;
  /** Proxy settings; defaults to HTTP(S)_PROXY / NO_PROXY from the environment. */
  env?: NodeJS.ProcessEnv | undefined;
  /** Receives a redacted trace line per request/response (--debug). */
  trace?: ((line: string) => void) | undefined;
  userAgent?: string | undefined;
}

interface TransportRequest {
  method: string;
  url: string;
  headers?: Record<string, string> | undefined;
  body?: string | Buffer | AsyncIterable<Uint8Array> | null | undefined;
  signal?: AbortSignal | undefined;
  headersTimeoutMs?: number | undefined;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  contentType: string | undefined;
  text: string;
  /** The server's clock from its Date header, ms since epoch. */
  serverDate: number | undefined;
}

const USER_AGENT = 'maas-esxi (+https://www.npmjs.com/package/maas-esxi)';

/**
 * The HTTP path of one client. Direct connections use node:http (lib/http/direct-http.ts) on two
 * kept-alive sockets per origin: one for the API calls, one for the chunk PUTs, so that a call
 * made while a chunk is in flight never waits behind it, and every chunk lands on the same
 * connection (MAAS appends chunks in order and a multi-region load balancer must see every chunk
 * on the same connection, docs/maas-upload-protocol.md#append-only-writes). With HTTP(S)_PROXY
 * set, every request goes through undici's EnvHttpProxyAgent instead, loaded then and only then
 * (lib/http/proxied.ts, docs/dependencies.md#undici).
 */
export class HttpTransport {
  readonly #opts: TransportOptions;
  /** Offset of the server's clock from ours (ms), from the last Date header seen. */
  clockSkewMs: number | undefined;
  /** Open connections (direct, not proxied), so that a request can be abandoned with a reset. */
  readonly #sockets = new Set<Socket>();
  /** API calls and chunk PUTs on direct connections; undefined behind a proxy. */
  readonly #direct: { api: DirectHttp; chunks: DirectHttp } | undefined;
  readonly #proxiedOptions: ProxiedOptions | undefined;
  #proxied: Promise<ProxiedPath> | undefined;

  constructor(opts: TransportOptions = {}) {
    this.#opts = opts;
    const tls = {
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts.insecure ? { rejectUnauthorized: false } : {}),
    };
    const env = opts.env ?? process.env;
    const connectTimeoutMs = opts.connectTimeoutMs ?? 30_000;
    const keepAliveTimeoutMs = opts.keepAliveTimeoutMs ?? 60_000;
    if (proxyConfigured(env)) {
      this.#proxiedOptions = { tls, connectTimeoutMs, keepAliveTimeoutMs, headersTimeoutMs: this.#headersTimeoutMs(), bodyTimeoutMs: opts.bodyTimeoutMs ?? 300_000, env };
      return;
    }
    const direct = { tls, connectTimeoutMs, keepAliveTimeoutMs, onSocket: (socket: Socket) => this.#track(socket) };
    this.#direct = { api: new DirectHttp(direct), chunks: new DirectHttp(direct) };
  }

  #headersTimeoutMs(req?: TransportRequest): number {
    return req?.headersTimeoutMs ?? this.#opts.headersTimeoutMs ?? 120_000;
  }

  #track(socket: Socket): void {
    if (this.#sockets.has(socket)) return;
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  /**
   * Abandon whatever is in flight by resetting the connection (TCP RST): the kernel drops the
   * bytes it still holds for the server, so no late body can arrive after we gave up on it — a
   * plain close would still deliver them (docs/maas-upload-protocol.md). Proxied
   * connections are closed the ordinary way.
   */
  resetConnections(): void {
    for (const s of this.#sockets) {
      if (typeof s.resetAndDestroy === 'function' && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
    this.#sockets.clear();
  }

  async send(req: TransportRequest): Promise<TransportResponse> {
    const headers: Record<string, string> = { 'user-agent': this.#opts.userAgent ?? USER_AGENT, ...req.headers };
    const trace = this.#opts.trace;
    const started = Date.now();
    trace?.(`> ${req.method} ${req.url}\n${formatHeaders(redactHeaders(headers))}`);
    let res: WireAnswer;
    try {
      const wire = { ...req, headers, body: req.body, idleTimeoutMs: this.#headersTimeoutMs(req) };
      if (!this.#direct) res = await (await this.#proxy()).send(wire);
      else res = await (isStreamed(req.body) ? this.#direct.chunks : this.#direct.api).send(wire);
    } catch (err) {
      const proxy = this.#proxiedOptions ? proxyFor(req.url, this.#proxiedOptions.env) : undefined;
      const typed = errorFromTransport({ method: req.method, url: req.url }, err, req.signal, proxy);
      trace?.(`! ${req.method} ${req.url} failed after ${Date.now() - started} ms: ${typed.message}`);
      throw typed;
    }
    const text = res.text;
    const dateHeader = res.headers['date'];
    const serverDate = typeof dateHeader === 'string' ? Date.parse(dateHeader) : NaN;
    if (!Number.isNaN(serverDate)) this.clockSkewMs = serverDate - Date.now();
    const contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : undefined;
    trace?.(
      `< ${res.statusCode} ${req.method} ${req.url} (${Date.now() - started} ms)\n${formatHeaders(redactHeaders(res.headers))}` +
        (text.length > 0 && text.length <= 2000 && !(contentType ?? '').includes('html') ? `\n${text}` : ''),
    );
    return {
      status: res.statusCode,
      headers: res.headers,
      contentType,
      text,
      serverDate: Number.isNaN(serverDate) ? undefined : serverDate,
    };
  }

  #proxy(): Promise<ProxiedPath> {
    // A failed load (undici missing) fails this request, and the next one tries again.
    this.#proxied ??= openProxied(this.#proxiedOptions as ProxiedOptions).catch((err: unknown) => {
      this.#proxied = undefined;
      throw err;
    });
    return this.#proxied;
  }

  async close(): Promise<void> {
    this.#direct?.api.close();
    this.#direct?.chunks.close();
    const proxied = this.#proxied;
    this.#proxied = undefined;
    if (proxied) await (await proxied.catch(() => undefined))?.close();
  }
}

/** A body read piece by piece (a chunk of the image), as opposed to one already in memory or a form. */
function isStreamed(body: TransportRequest['body']): body is AsyncIterable<Uint8Array> {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && Symbol.asyncIterator in body;
}

function formatHeaders(headers: Record<string, unknown>): string {
  return Object.entries(headers)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join('\n');
}
