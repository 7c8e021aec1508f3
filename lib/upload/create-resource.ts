import { isTransient, MaasNetworkError, MaasTimeoutError, UploadIntegrityError } from '../errors/index.js';
import { backoffDelay } from '../http/backoff.js';
import type { BootResource, BootResourceFile } from '../resources/types.js';
import { findOnServer, type Located } from './locate.js';
import { deriveServerOffset, findFileBySha256 } from './server-offset.js';
import type { UploadAction } from './types.js';
import { pause, saveState, type Session, type UploadContext } from './upload-context.js';

export function newSession(located: Located, resource: BootResource, file: BootResourceFile, action: UploadAction): Session {
  return {
    located,
    size: located.st.size,
    resource,
    file,
    action,
    state: undefined,
    offset: deriveServerOffset(file, located.era, located.regions.count),
    resumedFrom: 0,
    bytesSent: 0,
    bytesResent: 0,
    sentUpTo: 0,
    retries: 0,
    attempts: 0,
    recreated: false,
    repeatedFirstChunk: false,
  };
}

/**
 * POST the resource with sha256 and size but no content (docs/maas-upload-protocol.md#creating-the-resource)
 * and take the file whose sha256 matches; `into` is the session of a re-create.
 */
export async function createResource(ctx: UploadContext, located: Located, into?: Session): Promise<Session> {
  ctx.phase('create');
  const resource = await postOrFind(ctx, located);
  const found = findFileBySha256(resource, located.sha256);
  if (!found) {
    throw new UploadIntegrityError(`MAAS created resource ${resource.id} but it has no file with sha256 ${located.sha256}.`, {
      hint: 'This MAAS behaves unexpectedly; check its logs, then retry.',
    });
  }
  const s = into ?? newSession(located, resource, found.file, 'create');
  Object.assign(s, { resource, file: found.file, offset: deriveServerOffset(found.file, located.era, located.regions.count) });
  if (s.file.complete) s.action = 'already-present';
  else await saveState(ctx, s);
  return s;
}

/**
 * The create POST is not idempotent: a connection lost before MAAS answered (a region restart, a
 * proxy's reset) leaves it unknown whether MAAS created the resource. Look for it (name,
 * architecture, sha256: lib/upload/locate.ts findOnServer) before posting again, within the
 * upload's retry budget, so that neither a second resource nor a failed upload follows.
 */
async function postOrFind(ctx: UploadContext, located: Located): Promise<BootResource> {
  const o = ctx.opts;
  const fields = { name: o.name, architecture: o.architecture, sha256: located.sha256, size: located.st.size, title: o.title, filetype: located.filetype, base_image: o.base_image, keep_old: o.keep_old };
  for (let attempt = 1; ; attempt++) {
    try {
      return await ctx.deps.resources.create(fields, ctx.signal);
    } catch (err) {
      const unanswered = (err instanceof MaasNetworkError || err instanceof MaasTimeoutError) && isTransient(err);
      if (!unanswered || attempt > ctx.backoff.retries || ctx.signal.aborted) throw err;
      const delayMs = backoffDelay(ctx.backoff, attempt - 1, undefined);
      ctx.retry({ attempt, delayMs, offset: 0, error: err });
      await pause(ctx, delayMs);
      const created = await findOnServer(ctx.deps, { ...o, signal: ctx.signal }, located.sha256, located.st.size);
      if (!created) continue;
      // Said, so that the operator knows no duplicate or orphan was left behind.
      ctx.warning(`The answer to the create request was lost, but MAAS had created boot resource ${created.resource.id}; continuing with it.`);
      return created.resource;
    }
  }
}
