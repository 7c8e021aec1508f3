import { Agent, buildConnector, EnvHttpProxyAgent, request, type Dispatcher, type FormData } from 'undici';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { redactHeaders } from '../auth/redact.js';
import { errorFromTransport } from './classify.js';
import { StreamedPut } from './streamed-put.js';

export interface TransportOptions {
  /** PEM text of the CA(s) to trust instead of the default store (--cacerts, MAAS_API_CACERT). */
  ca?: string | undefined;
  /** Skip certificate verification (-k/--insecure). */
  insecure?: boolean | undefined;
  connectTimeoutMs?: number | undefined;
  /**
   * Default headers timeout. undici refreshes it while a body is being written, so for uploads
   * it is a send-side idle timer, then the wait for the answer (docs/dependencies.md#undici).
   */
  headersTimeoutMs?: number | undefined;
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
  body?: string | Buffer | AsyncIterable<Uint8Array> | FormData | null | undefined;
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
 * One undici dispatcher per client: keep-alive, one connection per origin (MAAS appends chunks in
 * order and a multi-region load balancer must see every chunk on the same connection,
 * docs/maas-upload-protocol.md#append-only-writes), TLS CA / insecure, and proxies from the environment with the TLS options
 * passed to both `connect` and `requestTls` (tunnelled requests only read the latter;
 * docs/dependencies.md#undici).
 */
export class HttpTransport {
  readonly dispatcher: Dispatcher;
  readonly #opts: TransportOptions;
  /** Offset of the server's clock from ours (ms), from the last Date header seen. */
  clockSkewMs: number | undefined;
  /** Open connections (direct, not proxied), so that a request can be abandoned with a reset. */
  readonly #sockets = new Set<Socket>();
  /** Streamed bodies (chunk PUTs) on direct connections; undefined behind a proxy (lib/http/streamed-put.ts). */
  readonly #streamed: StreamedPut | undefined;

  constructor(opts: TransportOptions = {}) {
    this.#opts = opts;
    const tls = {
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts.insecure ? { rejectUnauthorized: false } : {}),
    };
    const common = {
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 60_000,
      keepAliveMaxTimeout: 600_000,
      headersTimeout: opts.headersTimeoutMs ?? 120_000,
      bodyTimeout: opts.bodyTimeoutMs ?? 300_000,
      connections: 1,
      pipelining: 1,
      connect: { ...tls, timeout: opts.connectTimeoutMs ?? 30_000 },
    };
    const env = opts.env ?? process.env;
    const proxied = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((k) => env[k]);
    const connector = buildConnector({ ...tls, timeout: opts.connectTimeoutMs ?? 30_000 });
    const tracked: buildConnector.connector = (options, callback) =>
      connector(options, (err, socket) => {
        if (socket) this.#track(socket as Socket);
        // The connector's callback type is a union of (error, null) and (null, socket).
        (callback as (e: Error | null, s: typeof socket) => void)(err, socket);
      });
    this.dispatcher = proxied
      ? new EnvHttpProxyAgent({
          ...common,
          requestTls: tls,
          httpProxy: env['http_proxy'] ?? env['HTTP_PROXY'],
          httpsProxy: env['https_proxy'] ?? env['HTTPS_PROXY'],
          noProxy: env['no_proxy'] ?? env['NO_PROXY'],
        })
      : new Agent({ ...common, connect: tracked });
    this.#streamed = proxied
      ? undefined
      : new StreamedPut({ tls, connectTimeoutMs: common.connect.timeout, keepAliveTimeoutMs: common.keepAliveTimeout, onSocket: (socket) => this.#track(socket) });
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
    let res: RawAnswer;
    try {
      const body = req.body;
      res =
        this.#streamed && isStreamed(body)
          ? await this.#streamed.send({ ...req, headers, body, idleTimeoutMs: req.headersTimeoutMs ?? this.#opts.headersTimeoutMs ?? 120_000 })
          : await this.#viaUndici(req, headers);
    } catch (err) {
      const typed = errorFromTransport({ method: req.method, url: req.url }, err, req.signal);
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

  async #viaUndici(req: TransportRequest, headers: Record<string, string>): Promise<RawAnswer> {
    const res = await request(req.url, {
      method: req.method as Dispatcher.HttpMethod,
      headers,
      // undici's types take a stream, not an iterable (proxied chunk PUTs only).
      body: isStreamed(req.body) ? Readable.from(req.body, { objectMode: false }) : (req.body ?? null),
      dispatcher: this.dispatcher,
      signal: req.signal,
      ...(req.headersTimeoutMs !== undefined ? { headersTimeout: req.headersTimeoutMs } : {}),
    });
    return { statusCode: res.statusCode, headers: res.headers, text: await res.body.text() };
  }

  async close(): Promise<void> {
    this.#streamed?.close();
    await this.dispatcher.close();
  }
}

interface RawAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
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
