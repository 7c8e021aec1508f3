import { OAuthSigner } from '../auth/oauth.js';
import { parseApiKey } from '../auth/api-key.js';
import { scrubSecrets } from '../auth/redact.js';
import { backoffDelay, DEFAULT_BACKOFF, parseRetryAfter, sleep, type BackoffPolicy } from './backoff.js';
import { closedDuringTlsHandshake, errorFromResponse } from './classify.js';
import { isTransient, MaasAuthError, MaasError, MaasNetworkError, retryAfterOf } from '../errors/index.js';
import { multipartBody } from './multipart.js';
import { HttpTransport, type TransportOptions, type TransportResponse } from './transport.js';

export type QueryValue = string | number | boolean | readonly (string | number)[] | undefined;

export interface ApiRequest {
  query?: Record<string, QueryValue> | undefined;
  /** Sent as multipart/form-data, as the maas CLI does (docs/maas-cli.md#query-or-body). */
  form?: Record<string, string | number | boolean | undefined> | undefined;
  body?: Buffer | AsyncIterable<Uint8Array> | undefined;
  headers?: Record<string, string> | undefined;
  signal?: AbortSignal | undefined;
  headersTimeoutMs?: number | undefined;
  /**
   * Whether the request may be repeated after an ambiguous failure. GETs are; POST/PUT/DELETE
   * are not unless the caller says so (docs/architecture.md#where-each-concern-lives: never retry non-idempotent calls blindly).
   */
  idempotent?: boolean | undefined;
  /**
   * Retries of an idempotent call, overriding the client's `backoff.retries`. An upload passes 0:
   * its own decision (lib/upload/retry-decision.ts) counts every failure against one budget, and
   * a retry loop here around it would multiply the two.
   */
  retries?: number | undefined;
  /** Sign the request (default true when the client has credentials). */
  anonymous?: boolean | undefined;
}

export interface RetryNotice {
  method: string;
  url: string;
  attempt: number;
  delayMs: number;
  error: MaasError;
}

export interface ApiClientOptions extends TransportOptions {
  /** Normalised API URL, e.g. http://maas:5240/MAAS/api/2.0/ */
  apiUrl: string;
  /** `consumer:token:secret`, or null for anonymous access. */
  apiKey: string | null;
  backoff?: BackoffPolicy | undefined;
  onRetry?: ((notice: RetryNotice) => void) | undefined;
}

/** Signed requests against the MAAS API 2.0, typed errors, and retries for idempotent calls. */
export class MaasApiClient {
  readonly apiUrl: string;
  readonly origin: string;
  readonly transport: HttpTransport;
  readonly signer: OAuthSigner | null;
  readonly backoff: BackoffPolicy;
  onRetry: ((notice: RetryNotice) => void) | undefined;
  readonly #secrets: string[];
  /** Whether MAAS has answered this client at least once (any status). */
  #answered = false;

  constructor(opts: ApiClientOptions) {
    this.apiUrl = opts.apiUrl.endsWith('/') ? opts.apiUrl : `${opts.apiUrl}/`;
    this.origin = new URL(this.apiUrl).origin;
    this.transport = new HttpTransport(opts);
    const credentials = opts.apiKey ? parseApiKey(opts.apiKey) : null;
    this.signer = credentials ? new OAuthSigner(credentials) : null;
    this.#secrets = credentials ? [opts.apiKey as string, credentials.tokenKey, credentials.tokenSecret, credentials.consumerKey] : [];
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.onRetry = opts.onRetry;
  }

  /** Absolute URL for a path relative to the API URL, or for an absolute `/MAAS/…` path. */
  url(path: string, query?: Record<string, QueryValue>): string {
    const u = path.startsWith('/') ? new URL(path, this.origin) : new URL(path, this.apiUrl);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) u.searchParams.append(k, String(item));
    }
    return u.toString();
  }

  async request(method: string, path: string, req: ApiRequest = {}): Promise<TransportResponse> {
    const url = this.url(path, req.query);
    const idempotent = req.idempotent ?? method === 'GET';
    let attempt = 0;
    let clockFixed = false;
    for (;;) {
      try {
        const res = await this.#once(method, url, req);
        this.#answered = true;
        return res;
      } catch (err) {
        if (!(err instanceof MaasError)) throw err;
        if (err.status !== undefined) this.#answered = true;
        // Refused, or hung up on during the TLS handshake (an https:// URL on MAAS's plain-HTTP
        // port), before MAAS ever answered: the URL is wrong, and waiting will not change it.
        // Once MAAS has answered, either is a region restarting: keep retrying.
        if (err.code === 'ECONNREFUSED' && !this.#answered) throw err;
        if (closedDuringTlsHandshake(err.message) && !this.#answered) throw urlAtFault(err);
        // MAAS rejects stale timestamps before the handler runs (docs/maas-api.md#the-300-s-window), so a retry
        // with the server's clock is safe even for non-idempotent calls.
        if (!clockFixed && err instanceof MaasAuthError && err.code === 'EXPIRED_TIMESTAMP' && this.#adoptServerClock()) {
          clockFixed = true;
          // A stream body was consumed by the refused attempt: repeating the request would send
          // an empty body under its Content-Length (MAAS: "Missing data."). The caller re-reads
          // the server's state and sends a fresh body, now signed with the server's clock.
          if (isStream(req.body)) throw err;
          continue;
        }
        if (!idempotent || !isTransient(err) || attempt >= (req.retries ?? this.backoff.retries) || req.signal?.aborted) throw err;
        const delayMs = backoffDelay(this.backoff, attempt, retryAfterOf(err));
        this.onRetry?.({ method, url, attempt: attempt + 1, delayMs, error: err });
        await sleep(delayMs, req.signal);
        attempt += 1;
      }
    }
  }

  async json<T>(method: string, path: string, req: ApiRequest = {}): Promise<T> {
    const res = await this.request(method, path, { ...req, headers: { accept: 'application/json', ...req.headers } });
    try {
      return JSON.parse(res.text) as T;
    } catch (cause) {
      throw new MaasError(`MAAS answered ${method} ${path} with something that is not JSON.`, {
        method,
        url: this.url(path),
        status: res.status,
        body: res.text.slice(0, 500),
        cause,
        hint: 'Check that the URL points at the MAAS API (…/MAAS/api/2.0/), not at a proxy or web page.',
      });
    }
  }

  async #once(method: string, url: string, req: ApiRequest): Promise<TransportResponse> {
    const headers: Record<string, string> = { ...req.headers };
    let body: Buffer | AsyncIterable<Uint8Array> | undefined = req.body;
    if (req.form) {
      // Encoded here rather than by an HTTP library's FormData, so that a direct connection loads
      // no undici (docs/dependencies.md#undici); the form-data package would load mime-db
      // (~15 MiB RSS) for six text fields.
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.form)) if (v !== undefined) fields[k] = String(v);
      const form = multipartBody(fields);
      body = form.body;
      headers['content-type'] = form.contentType;
    }
    if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
    // A fresh nonce and timestamp for every attempt (docs/maas-api.md#the-300-s-window).
    if (this.signer && !req.anonymous) headers['authorization'] = this.signer.authorization(method, url);
    const res = await this.transport.send({ method, url, headers, body, signal: req.signal, headersTimeoutMs: req.headersTimeoutMs });
    if (res.status >= 200 && res.status < 300) return res;
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    throw errorFromResponse({ method, url, retryAfterMs }, res.status, this.#scrub(res.text), res.contentType);
  }

  /**
   * MAAS echoes credentials in some error bodies ("Invalid access token: <token key>", and the
   * expected signature — the token secret — on a bad signature, docs/maas-api.md#authentication-errors): keep them out
   * of errors, logs and output.
   */
  #scrub(text: string): string {
    const redacted = text.replace(/(Expected signature base string: )[^'"\n]*/g, '$1[REDACTED]');
    return this.#secrets.length ? scrubSecrets(redacted, this.#secrets) : redacted;
  }

  #adoptServerClock(): boolean {
    const skew = this.transport.clockSkewMs;
    if (!this.signer || skew === undefined) return false;
    this.signer.clockOffsetSeconds = Math.round(skew / 1000);
    return true;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}

function isStream(body: ApiRequest['body']): boolean {
  return body !== undefined && !Buffer.isBuffer(body);
}

/** The same failure, with the MAAS URL as what to fix (a TLS hang-up before MAAS ever answered: https:// on its plain-HTTP port). */
function urlAtFault(err: MaasError): MaasNetworkError {
  return new MaasNetworkError(err.message, { method: err.method, url: err.url, code: err.code, hint: err.hint, cause: err.cause, fix: { option: 'url' } });
}
