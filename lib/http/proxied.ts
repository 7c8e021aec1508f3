import type { Dispatcher } from 'undici';
import { Readable } from 'node:stream';
import type { WireAnswer, WireRequest } from './direct-http.js';

export interface ProxiedOptions {
  tls: { ca?: string; rejectUnauthorized?: boolean };
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
  env: NodeJS.ProcessEnv;
}

/** The requests of a client configured with HTTP(S)_PROXY: undici's EnvHttpProxyAgent. */
export interface ProxiedPath {
  send(req: WireRequest): Promise<WireAnswer>;
  close(): Promise<void>;
}

/** The proxies the environment names, lower case first as undici reads them. */
function proxyUrls(env: NodeJS.ProcessEnv): { http: string | undefined; https: string | undefined } {
  return { http: withScheme(env['http_proxy'] ?? env['HTTP_PROXY']), https: withScheme(env['https_proxy'] ?? env['HTTPS_PROXY']) };
}

/**
 * `host:port` is an http:// proxy, as curl reads a proxy without a scheme
 * (https://curl.se/docs/manpage.html#-x); undici would refuse it as an invalid URL.
 */
function withScheme(proxy: string | undefined): string | undefined {
  return proxy && !/^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? `http://${proxy}` : proxy;
}

/** Whether the environment names a proxy: then every request of the client goes through undici. */
export function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((k) => env[k]);
}

/** The proxy a request to `url` goes through by the environment, if any. */
export function proxyFor(url: string, env: NodeJS.ProcessEnv): string | undefined {
  const proxies = proxyUrls(env);
  return (url.startsWith('https:') ? proxies.https : proxies.http) || undefined;
}

/**
 * undici is loaded here only, when a proxy is configured: loading it costs ~190 ms of CPU and
 * ~20 MiB of RSS that a direct connection does not need (docs/dependencies.md#undici).
 * EnvHttpProxyAgent keeps HTTP(S)_PROXY / NO_PROXY semantics, and the TLS options are passed to
 * both `connect` and `requestTls`, since tunnelled requests only read the latter.
 */
export async function openProxied(o: ProxiedOptions): Promise<ProxiedPath> {
  const { EnvHttpProxyAgent, request } = await import('undici');
  const env = o.env;
  const proxies = proxyUrls(env);
  const dispatcher = new EnvHttpProxyAgent({
    keepAliveTimeout: o.keepAliveTimeoutMs,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: o.headersTimeoutMs,
    bodyTimeout: o.bodyTimeoutMs,
    connections: 1,
    pipelining: 1,
    connect: { ...o.tls, timeout: o.connectTimeoutMs },
    requestTls: o.tls,
    httpProxy: proxies.http,
    httpsProxy: proxies.https,
    noProxy: env['no_proxy'] ?? env['NO_PROXY'],
  });
  return {
    async send(req) {
      const body = req.body;
      const res = await request(req.url, {
        method: req.method as Dispatcher.HttpMethod,
        headers: req.headers,
        body: body === undefined || body === null || typeof body === 'string' || Buffer.isBuffer(body) || body instanceof Readable ? (body ?? null) : Readable.from(ownCopies(body), { highWaterMark: 1 }),
        dispatcher,
        signal: req.signal,
        headersTimeout: req.idleTimeoutMs,
      });
      return { statusCode: res.statusCode, headers: res.headers, text: await res.body.text() };
    },
    close: () => dispatcher.close(),
  };
}

/**
 * Each piece of a streamed body in memory of its own: undici reads the stream ahead of the socket,
 * and the upload reads every piece into the same buffer (lib/upload/chunk-source.ts). A stream
 * holding one piece ahead (highWaterMark 1) bounds the copies to a few slices.
 */
async function* ownCopies(body: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const piece of body) yield Buffer.from(piece);
}
