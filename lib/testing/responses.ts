import { pythonJsonDumps } from '../python/json-dumps.js';
import type { PyValue } from './py-format.js';

/** What a handler answers; the server adds `Date` and framing. */
export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
  /**
   * Built inside piston's resource (handler results, Http404, 405, the anonymous challenge), so it
   * carries `X-MAAS-API-Hash` and `Vary: Authorization`; errors that escape to Django's middleware
   * do not (docs/maas-api.md#response-framing).
   */
  inResource?: boolean;
  /** Upload PUTs: the chunk changed stored state (for the request log). */
  applied?: boolean;
  /** Upload PUTs that applied: the offset the chunk landed at (for the request log). */
  appliedAt?: number;
}

export const TEXT_UTF8 = 'text/plain; charset=utf-8';
export const JSON_UTF8 = 'application/json; charset=utf-8';

export function textResponse(status: number, body: string, contentType = TEXT_UTF8): SimResponse {
  return { status, headers: { 'Content-Type': contentType }, body };
}

/** piston's JSONEmitter: `indent=4`, `ensure_ascii=False` (docs/maas-api.md#response-framing). */
export function pistonJson(status: number, value: PyValue): SimResponse {
  return {
    status,
    headers: { 'Content-Type': JSON_UTF8 },
    body: pythonJsonDumps(value, { indent: 4, ensureAscii: false }),
    inResource: true,
  };
}

/** A response that aborts the handler (MAAS raises; Django's middleware renders). */
export class SimHttpError extends Error {
  constructor(readonly response: SimResponse) {
    super(typeof response.body === 'string' ? response.body : `HTTP ${response.status}`);
  }
}

/** MAASAPIBadRequest / MAASAPIForbidden / PermissionDenied / plain ValidationError (docs/maas-api.md#error-statuses-and-texts). */
export function apiError(status: number, message: string): SimHttpError {
  return new SimHttpError(textResponse(status, message));
}

/** `Http404` from get_object_or_404: `text/plain` without charset, inside the resource (docs/maas-api.md#error-statuses-and-texts). */
export function notFound(message: string): SimHttpError {
  return new SimHttpError({ ...textResponse(404, message, 'text/plain'), inResource: true });
}

/** Any other exception: 500 with Python's `str(exception)` (docs/maas-api.md#error-statuses-and-texts). */
export function serverError(message: string): SimHttpError {
  return new SimHttpError(textResponse(500, message));
}

/** MAASAPIValidationError: compact `json.dumps(form.errors)` (docs/maas-api.md#error-statuses-and-texts). */
export function validationError(errors: Record<string, string[]>): SimHttpError {
  return new SimHttpError({ status: 400, headers: { 'Content-Type': JSON_UTF8 }, body: pythonJsonDumps(errors) });
}
