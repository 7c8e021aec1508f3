import { createHmac } from 'node:crypto';
import type { EraFacts } from './eras.js';
import { pyRepr } from './py-format.js';
import { textResponse, type SimResponse } from './responses.js';
import { splitKey } from './sim-users.js';
import type { SimUser } from './types.js';

/** The six parameters whose presence makes a request an OAuth attempt (docs/maas-api.md#authentication-errors). */
const REQUIRED = [
  'oauth_consumer_key',
  'oauth_token',
  'oauth_signature',
  'oauth_signature_method',
  'oauth_timestamp',
  'oauth_nonce',
] as const;

/** piston's `OAuthServer.timestamp_threshold` (docs/maas-api.md#the-300-s-window step 4). */
const TIMESTAMP_THRESHOLD = 300;

interface OAuthInput {
  era: EraFacts;
  users: readonly SimUser[];
  /** Nonces in use per (consumer, token); the caller releases a nonce when the request fails. */
  nonces: Set<string>;
  nowSeconds: number;
  /** piston's `timestamp_threshold` (default 300). */
  thresholdSeconds?: number;
  method: string;
  /** Absolute URL as the client addressed it (for HMAC-SHA1 base strings). */
  url: URL;
  authorization: string | undefined;
  /** Form-encoded POST body parameters, merged like piston does. */
  formParams?: URLSearchParams;
}

type AuthResult =
  /** No OAuth attempt at all: piston falls through to the anonymous challenge (docs/maas-api.md#authentication-errors). */
  | { kind: 'none' }
  | { kind: 'ok'; user: SimUser; nonceKey: string }
  | { kind: 'fail'; response: SimResponse };

class OAuthFailure extends Error {}

/** piston's `send_oauth_error`: 401 + WWW-Authenticate, Django's default content type (docs/maas-api.md#authentication-errors). */
function unauthorized(message: string): AuthResult {
  const r = textResponse(401, message, 'text/html; charset=utf-8');
  r.headers['WWW-Authenticate'] = 'OAuth realm="OAuth"';
  return { kind: 'fail', response: r };
}

/** MAAS wraps piston's messages as `Authorization Error: %r` (docs/maas-api.md#authentication-errors). */
function oauthError(message: string): AuthResult {
  return unauthorized(`Authorization Error: ${pyRepr(message)}`);
}

/** Python's `urllib.parse.unquote`: invalid escapes stay as they are. */
function unquote(s: string): string {
  return s.replace(/(%[0-9A-Fa-f]{2})+/g, (seq) => {
    try {
      return decodeURIComponent(seq);
    } catch {
      return Buffer.from(seq.split('%').slice(1).map((h) => parseInt(h, 16))).toString('utf8');
    }
  });
}

/** RFC 3986 escaping as python-oauth's `escape` (`quote(s, safe='~')`). */
function escape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** piston's `_split_header` (docs/maas-api.md#the-300-s-window: split on `,`, skip parts with `realm`, strip quotes, unquote). */
function splitHeader(params: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of params.split(',')) {
    if (part.includes('realm')) continue;
    const trimmed = part.trim();
    const eq = trimmed.indexOf('=');
    if (eq < 0) throw new OAuthFailure('Unable to parse OAuth parameters from Authorization header.');
    out.set(trimmed.slice(0, eq), unquote(trimmed.slice(eq + 1).replace(/^"+|"+$/g, '')));
  }
  return out;
}

/** Python's `int(str)` acceptance (whitespace, sign, underscores between digits). */
function pyInt(s: string): number | undefined {
  return /^\s*[+-]?\d+(_\d+)*\s*$/.test(s) ? Number(s.trim().replace(/_/g, '')) : undefined;
}

function hmacBaseString(method: string, url: URL, params: Map<string, string>, extra: URLSearchParams[]): string {
  const pairs: [string, string][] = [];
  for (const [k, v] of params) if (k !== 'oauth_signature') pairs.push([k, v]);
  for (const sp of extra) for (const [k, v] of sp) if (!params.has(k)) pairs.push([k, v]);
  const norm = pairs
    .map(([k, v]) => [escape(k), escape(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const base = `${url.protocol}//${url.host}${url.pathname}`;
  return `${escape(method.toUpperCase())}&${escape(base)}&${escape(norm)}`;
}

/**
 * Authenticate one request as MAASAPIAuthentication + piston's OAuthServer do (docs/maas-api.md#the-300-s-window),
 * in the same order, with the same messages (docs/maas-api.md#authentication-errors). On success the nonce is reserved in
 * `input.nonces`; the caller must delete `nonceKey` again if the request ends in an error,
 * because MAAS rolls the nonce row back with the failed request (docs/maas-api.md#the-300-s-window step 5).
 */
export function checkOAuth(input: OAuthInput): AuthResult {
  const header = input.authorization;
  let params: Map<string, string> | undefined;
  let parseError: OAuthFailure | undefined;
  const extra: URLSearchParams[] = [input.url.searchParams];
  if (input.formParams) extra.push(input.formParams);

  if (header !== undefined && header.startsWith('OAuth ')) {
    try {
      params = splitHeader(header.slice(6));
    } catch (e) {
      parseError = e as OAuthFailure;
    }
    // ≤3.7: piston's is_valid_request tests presence by *substring* on the raw header (so
    // `oauth_signature` is "present" inside `oauth_signature_method`); 3.8's check_validity
    // parses the header first (docs/maas-api.md#authentication-errors).
    const present =
      input.era.strictTimestamp && params
        ? REQUIRED.every((p) => params!.has(p))
        : REQUIRED.every((p) => header.includes(p));
    if (!present) return { kind: 'none' };
  } else {
    const merged = new Map<string, string>();
    for (const sp of extra) for (const [k, v] of sp) if (k.startsWith('oauth_')) merged.set(k, v);
    if (!REQUIRED.every((p) => merged.has(p))) return { kind: 'none' };
    params = merged;
  }

  // 3.8 check_validity: the timestamp must be an integer (docs/maas-api.md#authentication-errors).
  if (input.era.strictTimestamp && params && pyInt(params.get('oauth_timestamp') ?? '') === undefined) {
    return {
      kind: 'fail',
      response: textResponse(
        400,
        "'Bad Request: the following problems were found among the auth params: oauth_timestamp has an unexpected type'",
      ),
    };
  }
  if (parseError || !params) return oauthError(parseError?.message ?? 'Missing OAuth parameters.');
  const found = params;
  const param = (name: string): string => {
    const v = found.get(name);
    // python-oauth's get_parameter (reachable on ≤3.7 through the substring presence test).
    if (v === undefined) throw new OAuthFailure(`Parameter not found: ${name}`);
    return v;
  };
  try {
    return verify(input, found, param, extra);
  } catch (e) {
    if (e instanceof OAuthFailure) return oauthError(e.message);
    throw e;
  }
}

/** piston's OAuthServer.verify_request, in its order (docs/maas-api.md#the-300-s-window). */
function verify(
  input: OAuthInput,
  params: Map<string, string>,
  param: (name: string) => string,
  extra: URLSearchParams[],
): AuthResult {
  const version = params.get('oauth_version');
  if (version !== undefined && version !== '1.0') return oauthError(`OAuth version ${version} not supported.`);

  const consumerKey = param('oauth_consumer_key');
  const tokenKey = param('oauth_token');
  const keyOf = (u: SimUser) => splitKey(u.apiKey);
  if (!input.users.some((u) => keyOf(u).consumerKey === consumerKey)) {
    return unauthorized('Authorization Error: Invalid API key.');
  }
  // piston looks the token up by key only; it is not tied to the consumer (docs/maas-api.md#the-300-s-window, #authentication).
  const user = input.users.find((u) => keyOf(u).tokenKey === tokenKey);
  if (!user) return oauthError(`Invalid access token: ${tokenKey}`);

  const tsText = param('oauth_timestamp');
  const ts = pyInt(tsText);
  if (ts === undefined) {
    // ≤3.7: piston's int() raises ValueError → 500 (docs/maas-upload-protocol.md#differences-between-eras, marked unverified there).
    return { kind: 'fail', response: textResponse(500, `invalid literal for int() with base 10: ${pyRepr(tsText)}`) };
  }
  // Only stale timestamps fail; future ones are accepted (docs/maas-api.md#the-300-s-window step 4).
  const threshold = input.thresholdSeconds ?? TIMESTAMP_THRESHOLD;
  if (input.nowSeconds - ts > threshold) {
    return oauthError(
      `Expired timestamp: given ${ts} and now ${input.nowSeconds} has a greater difference than threshold ${threshold}`,
    );
  }

  const nonce = param('oauth_nonce');
  const nonceKey = `${consumerKey}\u0000${tokenKey}\u0000${nonce}`;
  if (input.nonces.has(nonceKey)) return oauthError(`Nonce already used: ${nonce}`);

  const method = param('oauth_signature_method');
  if (method !== 'PLAINTEXT' && method !== 'HMAC-SHA1') {
    return oauthError(`Signature method ${method} not supported try one of the following: PLAINTEXT, HMAC-SHA1`);
  }
  // The consumer secret is always empty (docs/maas-api.md#signing-each-request), so the key is `&<token_secret>`.
  const secret = keyOf(user).tokenSecret;
  const key = `&${escape(secret)}`;
  const given = param('oauth_signature');
  if (method === 'PLAINTEXT') {
    // piston's message quotes the expected base string, which for PLAINTEXT is the key itself.
    if (given !== key) return oauthError(`Invalid signature. Expected signature base string: ${key}`);
  } else {
    const base = hmacBaseString(input.method, input.url, params, extra);
    const expected = createHmac('sha1', key).update(base).digest('base64');
    if (given !== expected) return oauthError(`Invalid signature. Expected signature base string: ${base}`);
  }

  input.nonces.add(nonceKey);
  return { kind: 'ok', user, nonceKey };
}
