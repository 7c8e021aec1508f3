import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodeHttp } from '../http/node-http.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { textResponse, type SimResponse } from './responses.js';
import type { RequestRecord } from './types.js';

/** nginx's reason phrases where they differ from Node's. */
const NGINX_REASONS: Record<number, string> = {
  413: 'Request Entity Too Large',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/** nginx's own error page (docs/maas-upload-protocol.md#body-size-and-chunk-size): the body is nginx's, not MAAS's. */
export function nginxPage(status: number): string {
  const line = `${status} ${NGINX_REASONS[status] ?? nodeHttp.STATUS_CODES[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${line}</title></head>\r\n<body>\r\n<center><h1>${line}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}

export function isAbort(e: unknown): boolean {
  return e instanceof Error && (e.name === 'AbortError' || (e as NodeJS.ErrnoException).code === 'ABORT_ERR');
}

/** How answers leave the simulator: its clock for `Date`, the throttle, and the stop signal. */
export interface SendContext {
  now(): number;
  bytesPerSecond: number | null;
  signal: AbortSignal;
}

export async function sendResponse(res: ServerResponse, r: SimResponse, record: RequestRecord, ctx: SendContext): Promise<void> {
  if (res.destroyed || res.headersSent) return;
  const body = typeof r.body === 'string' ? Buffer.from(r.body, 'utf8') : r.body;
  const bps = ctx.bytesPerSecond;
  if (bps && body.length > 0) await sleep((body.length / bps) * 1000, undefined, { signal: ctx.signal });
  if (res.destroyed) return;
  res.sendDate = false;
  const headers: Record<string, string | number> = { ...r.headers, Date: new Date(ctx.now()).toUTCString() };
  if (r.status !== 204 && r.status !== 304) headers['Content-Length'] = body.length;
  res.writeHead(r.status, headers);
  record.status = r.status;
  res.end(r.status === 204 ? undefined : body);
}

/** nginx answers 413 and closes; we drain the body first so the client reads the answer, not a reset. */
export async function send413(req: IncomingMessage, res: ServerResponse, record: RequestRecord, ctx: SendContext): Promise<void> {
  let drained = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) drained += chunk.length;
  } catch {
    return;
  }
  record.bodyBytes = Math.max(record.bodyBytes, drained);
  const r = textResponse(413, nginxPage(413), 'text/html');
  r.headers.Connection = 'close';
  await sendResponse(res, r, record, ctx);
}
