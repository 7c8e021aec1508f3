import {
  MaasAbortError,
  MaasAuthError,
  MaasConflictError,
  MaasError,
  MaasNetworkError,
  MaasNotFoundError,
  MaasPermissionError,
  MaasServerError,
  MaasTimeoutError,
  MaasValidationError,
  type MaasErrorOptions,
} from '../errors/index.js';

interface RequestInfo {
  method: string;
  url: string;
}

interface ResponseInfo extends RequestInfo {
  /** The response's `Retry-After`, already parsed. */
  retryAfterMs?: number | undefined;
}

/** Turn a non-2xx MAAS response into the typed error for its meaning (docs/maas-api.md#authentication-errors, #error-statuses-and-texts). */
export function errorFromResponse(
  req: ResponseInfo,
  status: number,
  body: string,
  contentType: string | undefined,
): MaasError {
  const base = { method: req.method, url: req.url, status, body, retryAfterMs: req.retryAfterMs };
  const text = body.trim();
  const summary = text.length > 0 && !text.startsWith('<') ? text.split('\n')[0]!.slice(0, 300) : `HTTP ${status}`;
  if (status === 401) {
    const expired = text.includes('Expired timestamp');
    return new MaasAuthError(`MAAS rejected the credentials: ${summary}`, {
      ...base,
      code: expired ? 'EXPIRED_TIMESTAMP' : 'UNAUTHORIZED',
      hint: expired
        ? 'This machine\'s clock differs from the MAAS server\'s by more than 300 s: fix the clock (NTP) and retry.'
        : 'Check the API key (the apiKey option, or the MAAS_API_KEY variable).',
      fix: expired ? undefined : { option: 'apiKey' },
    });
  }
  if (status === 403) {
    return new MaasPermissionError(`MAAS refused the operation: ${summary}`, {
      ...base,
      hint: 'Use the API key of a MAAS administrator (uploading boot resources needs admin rights).',
    });
  }
  if (status === 404) {
    return new MaasNotFoundError(`Not found: ${summary}`, {
      ...base,
      ...(text.startsWith('Unknown API endpoint')
        ? { hint: 'Check the MAAS URL (the url option): it should end in /MAAS/ (e.g. http://HOST:5240/MAAS/).', fix: { option: 'url' } }
        : {}),
    });
  }
  if (status === 413) {
    return new MaasValidationError('The request body is larger than the server accepts (HTTP 413 from the proxy in front of MAAS).', {
      ...base,
      code: 'BODY_TOO_LARGE',
      hint: 'Use a smaller chunkSize (the MAAS snap\'s nginx accepts at most 10 MiB per request).',
      fix: { option: 'chunkSize', value: 8 * 1024 * 1024 },
    });
  }
  if (status === 409) {
    return new MaasConflictError(`MAAS reported a conflict: ${summary}`, base);
  }
  if (status >= 500) return serverError(req.method, base, text, summary);
  return validationError(base, text, summary, contentType);
}

type ErrorBase = MaasErrorOptions & { status: number };

function serverError(method: string, base: ErrorBase, text: string, summary: string): MaasError {
  if (base.status === 500 && method === 'DELETE' && DOES_NOT_EXIST.test(text)) {
    // MAAS's BootResourceHandler.delete looks the id up with `objects.get`, so an unknown id is
    // Django's DoesNotExist as a 500 (docs/maas-api.md#boot-resources): not found, and final.
    return new MaasNotFoundError(`Not found: ${summary}`, { ...base, code: 'NOT_FOUND' });
  }
  // An empty or HTML body has nothing to add to the status: say it once.
  const said = summary === `HTTP ${base.status}` ? '.' : `: ${summary}`;
  return new MaasServerError(`MAAS server error (HTTP ${base.status})${said}`, {
    ...base,
    hint: 'The MAAS region may be overloaded or restarting; retry later (an upload called again resumes where it stopped).',
    fix: { rerun: true },
  });
}

/** A 400 (or another 4xx): MAAS's per-field messages when the body is JSON (docs/maas-api.md#error-statuses-and-texts). */
function validationError(base: ErrorBase, text: string, summary: string, contentType: string | undefined): MaasError {
  let fields: Record<string, string[]> | undefined;
  if (contentType?.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) fields = parsed as Record<string, string[]>;
    } catch {
      /* not JSON after all: keep the text */
    }
  }
  const message = fields
    ? Object.entries(fields)
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : String(v)}`)
        .join('; ')
    : summary;
  return new MaasValidationError(`MAAS rejected the request: ${message}`, { ...base, fields });
}

/** Django's `Model.DoesNotExist` text, e.g. `BootResource matching query does not exist.` */
const DOES_NOT_EXIST = /^\w+ matching query does not exist\.$/;
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
/** Node's text when the server hung up before the TLS handshake finished, e.g. an https:// URL on a plain-HTTP port. */
const DURING_TLS_HANDSHAKE = /before secure TLS connection was established/;

/** Whether a transport failure's text says the server hung up during the TLS handshake (an https:// URL on a plain-HTTP port, most often). */
export const closedDuringTlsHandshake = (message: string): boolean => DURING_TLS_HANDSHAKE.test(message);
const TLS_CODES = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS|ERR_SSL|HOSTNAME_MISMATCH|ERR_TLS_CERT)/;

/**
 * Whether a failure to connect was the proxy's (the address the error names is the proxy's), so
 * the message does not send the user to check a MAAS URL that was never dialled.
 */
function proxyRefused(err: unknown, proxy: string | undefined): string | undefined {
  if (!proxy) return undefined;
  let p: URL;
  try {
    p = new URL(proxy);
  } catch {
    return undefined;
  }
  const port = Number(p.port || (p.protocol === 'https:' ? 443 : 80));
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const { port: errPort, address } = e as { port?: unknown; address?: unknown };
    if (errPort === port && (address === p.hostname || address === p.hostname.replace(/^\[|\]$/g, '') || !/^[\d.:[\]]+$/.test(p.hostname))) return p.host;
  }
  return undefined;
}

/** Turn a transport failure (no response) into a typed error; `proxy`: the proxy the request went through. */
export function errorFromTransport(req: RequestInfo, err: unknown, signal?: AbortSignal, proxy?: string): MaasError {
  if (err instanceof MaasError) return err;
  if (signal?.aborted) {
    return new MaasAbortError('Cancelled.', { ...req, code: 'ABORTED', cause: signal.reason });
  }
  const code = (err as { code?: string } | null)?.code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  const host = safeHost(req.url);
  if (TIMEOUT_CODES.has(code)) {
    return new MaasTimeoutError(`Timed out talking to ${host} (${code}).`, {
      ...req,
      code,
      cause: err,
      hint: 'The link or the server is stalled; retry, or raise the timeout (headersTimeoutMs) on very slow links.',
      fix: { option: 'headersTimeoutMs' },
    });
  }
  if (TLS_CODES.test(code) || /certificate/i.test(message)) {
    return new MaasNetworkError(`TLS certificate verification failed for ${host}: ${message}`, {
      ...req,
      code: code || 'TLS',
      cause: err,
      hint: 'Pass the MAAS CA certificate in the ca option (or MAAS_API_CACERT), or set insecure to skip the check.',
      fix: { option: 'ca' },
    });
  }
  const viaProxy = proxyRefused(err, proxy);
  if (viaProxy) {
    return new MaasNetworkError(`Cannot reach the proxy ${viaProxy} on the way to ${host}: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`, {
      ...req,
      code: code || 'NETWORK',
      cause: err,
      hint: `Check that the proxy in HTTP_PROXY/HTTPS_PROXY (${viaProxy}) is running, or add ${safeHost(req.url).replace(/:\d+$/, '')} to NO_PROXY to reach MAAS directly.`,
    });
  }
  const hint =
    code === 'ECONNREFUSED'
      ? `Nothing listens at ${host}: check the MAAS URL and that the region controller is running.`
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? `Cannot resolve ${host}: check the MAAS URL.`
        : closedDuringTlsHandshake(message)
          ? `${host} closed the connection during the TLS handshake: if MAAS serves plain HTTP there (as on port 5240), use http:// in the MAAS URL; otherwise retry.`
          : 'Check the network path to MAAS; retry (an upload called again resumes where it stopped).';
  return new MaasNetworkError(`Cannot reach ${host}: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`, {
    ...req,
    code: code || 'NETWORK',
    cause: err,
    hint,
    // A hang-up during the handshake is the URL's fault only if MAAS never answered this client
    // (lib/http/api-client.ts decides that); mid-upload it is a proxy or region restarting.
    fix: code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? { option: 'url' } : { rerun: true },
  });
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
