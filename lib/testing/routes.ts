import type { IncomingHttpHeaders } from 'node:http';
import { apiHash, describeBody } from './describe.js';
import { mediaType, parseRequestData, type RequestData } from './form-data.js';
import type { ActionDef, HandlerDef } from './handler-def.js';
import { HANDLERS } from './handler-table.js';
import { checkOAuth } from './oauth-check.js';
import type { ReceivedBody } from './request-body.js';
import { SimHttpError, textResponse, type SimResponse, TEXT_UTF8 } from './responses.js';
import type { HandlerRequest, SimContext } from './sim-context.js';

const API_ROOT = '/MAAS/api/';
const API_V2 = '/MAAS/api/2.0/';

interface IncomingCall {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: ReceivedBody;
}

interface DispatchResult {
  response: SimResponse;
  /** Nonce reserved by authentication; the server releases it if the request failed (docs/maas-api.md#the-300-s-window). */
  nonceKey?: string;
  /** Name of the handler that served the call, if any. */
  handler?: string;
}

/** Django's plain 404 page outside the API URL conf. */
function djangoNotFound(): SimResponse {
  return textResponse(
    404,
    '\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n',
    'text/html; charset=utf-8',
  );
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function withResourceHeaders(sim: SimContext, r: SimResponse): SimResponse {
  if (!r.inResource) return r;
  return { ...r, headers: { ...r.headers, 'X-MAAS-API-Hash': apiHash(sim.era), Vary: 'Authorization' } };
}

interface RouteMatch {
  handler: HandlerDef;
  params: string[];
  /** From an `.../op-<op>` route (docs/maas-api.md#urls-and-dispatch). */
  pathOp: string | undefined;
}

function matchRoute(rel: string): RouteMatch | undefined {
  for (const handler of HANDLERS) {
    const m = handler.route.exec(rel);
    if (m) return { handler, params: m.slice(1).map((p) => p ?? ''), pathOp: undefined };
    // Every route ending in `/` also has an `op-<op>` twin without the trailing slash (3.3.0+).
    const opRoute = new RegExp(`${handler.route.source.replace(/\$$/, '')}op-([^/]+)$`);
    const o = opRoute.exec(rel);
    if (o) return { handler, params: o.slice(1, -1).map((p) => p ?? ''), pathOp: o[o.length - 1] };
  }
  return undefined;
}

/**
 * Route one request as MAAS does: URL conf, then piston's resource (authentication → allowed
 * methods → request data → `op` dispatch → handler), with the error rendering of docs/maas-api.md#error-statuses-and-texts.
 */
export async function dispatch(sim: SimContext, nonces: Set<string>, call: IncomingCall): Promise<DispatchResult> {
  const path = safeDecode(call.url.pathname);
  if (path === `${API_ROOT}version/`) return { response: textResponse(200, '2.0', 'text/plain') };
  if (path.startsWith(`${API_ROOT}1.0/`)) {
    return { response: textResponse(410, 'The 1.0 API is no longer available. Please use API version 2.0.', 'text/plain') };
  }
  if (!path.startsWith(API_V2)) return { response: djangoNotFound() };
  const rel = path.slice(API_V2.length);
  if (rel === 'describe/') {
    const origin = `http://${call.headers.host ?? call.url.host}`;
    return { response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: describeBody(sim.era, origin) } };
  }
  const route = matchRoute(rel);
  // The catch-all: no redirect for a missing slash, anonymous too (docs/maas-api.md#urls-and-dispatch).
  if (!route) return { response: textResponse(404, `Unknown API endpoint: ${path}.`, TEXT_UTF8) };
  return { ...(await resource(sim, nonces, call, route, path)), handler: route.handler.name };
}

/** piston's `Resource.__call__` for a matched handler. */
async function resource(sim: SimContext, nonces: Set<string>, call: IncomingCall, route: RouteMatch, path: string): Promise<DispatchResult> {
  const { handler } = route;
  const method = call.method.toUpperCase();
  const type = mediaType(call.headers['content-type']);
  const isForm = type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data';
  // Django only parses form bodies for POST; PUT bodies stay raw unless piston decodes them.
  let data: RequestData | undefined =
    method === 'POST' && isForm ? parseRequestData(call.headers['content-type'], await call.body.toBuffer()) : undefined;
  const auth = handler.anonymous ? { nonceKey: undefined, user: undefined } : authenticate(sim, nonces, call, method, data);
  if ('response' in auth) return auth;
  const { nonceKey, user } = auth;

  const allowed = [...new Set(handler.actions.map((a) => a.method))];
  if (!allowed.includes(method as ActionDef['method'])) {
    const r: SimResponse = { status: 405, headers: { 'Content-Type': 'text/html; charset=utf-8', Allow: allowed.join(', ') }, body: '', inResource: true };
    return { response: withResourceHeaders(sim, r), nonceKey };
  }
  if ((method === 'POST' || method === 'PUT') && data === undefined) {
    // piston's translate_mime; for raw PUT chunks only the decodable types matter (docs/maas-upload-protocol.md#request).
    const decodes = isForm || type === 'application/json' || type === 'application/x-yaml' || type === 'text/yaml';
    data = decodes && type !== 'multipart/form-data' ? parseRequestData(call.headers['content-type'], await call.body.toBuffer()) : { kind: 'none' };
  }
  data ??= { kind: 'none' };
  if (data.kind === 'invalid') {
    return { response: withResourceHeaders(sim, { ...textResponse(400, 'Bad Request', 'text/plain'), inResource: true }), nonceKey };
  }
  const formOp = method === 'POST' && data.kind === 'form' ? data.fields.get('op') : undefined;
  const op = call.url.searchParams.get('op') || formOp || route.pathOp || null;
  const request: HandlerRequest = {
    method,
    path,
    query: call.url.searchParams,
    headers: call.headers,
    host: call.headers.host ?? call.url.host,
    user,
    data,
    body: call.body,
    params: route.params,
  };
  return { response: withResourceHeaders(sim, await runAction(sim, handler, op, request)), nonceKey };
}

/** OAuth first (docs/maas-api.md#authentication-errors): the user and the nonce it reserved, or the refusal. */
function authenticate(
  sim: SimContext,
  nonces: Set<string>,
  call: IncomingCall,
  method: string,
  data: RequestData | undefined,
): { nonceKey: string; user: HandlerRequest['user'] } | { response: SimResponse; nonceKey?: string } {
  const auth = checkOAuth({
    era: sim.era,
    users: sim.store.data.users,
    nonces,
    nowSeconds: Math.floor(sim.now() / 1000),
    thresholdSeconds: sim.signatureWindowS,
    method,
    url: call.url,
    authorization: call.headers.authorization,
    formParams: data?.kind === 'form' ? data.params : undefined,
  });
  if (auth.kind === 'none') {
    // The macaroon authenticator's challenge: rc.FORBIDDEN (docs/maas-api.md#authentication-errors).
    return { response: withResourceHeaders(sim, { ...textResponse(401, 'Forbidden', 'text/plain'), inResource: true }) };
  }
  if (auth.kind === 'fail') return { response: auth.response };
  if (auth.user.active === false) return { response: textResponse(403, 'User is not allowed access to this API.'), nonceKey: auth.nonceKey };
  return { nonceKey: auth.nonceKey, user: auth.user };
}

/** The `op` dispatch and the handler, with piston's error rendering. */
async function runAction(sim: SimContext, handler: HandlerDef, op: string | null, request: HandlerRequest): Promise<SimResponse> {
  const action = handler.actions.find((a) => a.method === request.method && a.op === op);
  try {
    if (!action) throw new SimHttpError(textResponse(400, `Unrecognised signature: method=${request.method} op=${op ?? 'None'}`));
    return await action.run(sim, request);
  } catch (e) {
    if (e instanceof SimHttpError) return e.response;
    return textResponse(500, e instanceof Error ? e.message : String(e));
  }
}
