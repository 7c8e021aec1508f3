import { Agent, EnvHttpProxyAgent, request, type Dispatcher, type FormData } from 'undici';
import type { Readable } from 'node:stream';
import { redactHeaders } from '../auth/redact.js';
import { errorFromTransport } from './classify.js';

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
  body?: string | Buffer | Readable | FormData | null | undefined;
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
    this.dispatcher = proxied
      ? new EnvHttpProxyAgent({
          ...common,
          requestTls: tls,
          httpProxy: env['http_proxy'] ?? env['HTTP_PROXY'],
          httpsProxy: env['https_proxy'] ?? env['HTTPS_PROXY'],
          noProxy: env['no_proxy'] ?? env['NO_PROXY'],
        })
      : new Agent(common);
  }

  async send(req: TransportRequest): Promise<TransportResponse> {
    const headers: Record<string, string> = { 'user-agent': this.#opts.userAgent ?? USER_AGENT, ...req.headers };
    const trace = this.#opts.trace;
    const started = Date.now();
    trace?.(`> ${req.method} ${req.url}\n${formatHeaders(redactHeaders(headers))}`);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(req.url, {
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: req.body ?? null,
        dispatcher: this.dispatcher,
        signal: req.signal,
        ...(req.headersTimeoutMs !== undefined ? { headersTimeout: req.headersTimeoutMs } : {}),
      });
    } catch (err) {
      const typed = errorFromTransport({ method: req.method, url: req.url }, err, req.signal);
      trace?.(`! ${req.method} ${req.url} failed after ${Date.now() - started} ms: ${typed.message}`);
      throw typed;
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw errorFromTransport({ method: req.method, url: req.url }, err, req.signal);
    }
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

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function formatHeaders(headers: Record<string, unknown>): string {
  return Object.entries(headers)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `  ${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join('\n');
}
