import { open, rename, truncate } from 'node:fs/promises';
import { exists, sizeOnDisk, unlinkQuietly } from './file-bytes.js';
import { sha256File } from '../upload/hash.js';
import { mediaType } from './form-data.js';
import type { ReceivedBody } from './request-body.js';
import { apiError, notFound, serverError, textResponse, type SimResponse } from './responses.js';
import { requireWriter, type HandlerRequest, type SimContext } from './sim-context.js';
import { RTYPE_UPLOADED, type FileRow } from './store.js';

/** The region that serves every request of this simulator; other regions only sync (docs/maas-upload-protocol.md#append-only-writes). */
const RECEIVING_REGION = '0';

/** `get_object_or_404(Model, id=…)` with Django's integer coercion (docs/maas-upload-protocol.md#checks-in-order rows 1–2). */
export function parseId(raw: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw serverError(`Field 'id' expected a number but got '${raw}'.`);
  return Number(raw.trim());
}

/** piston's `rc.ALL_OK` (docs/maas-upload-protocol.md#checks-in-order row 10). */
function ok(appliedAt: number): SimResponse {
  return { ...textResponse(200, 'OK', 'text/plain'), inResource: true, applied: true, appliedAt };
}

async function writeChunk(path: string, flags: 'a' | 'r+', body: ReceivedBody, position: number | null): Promise<void> {
  const fh = await open(path, flags);
  try {
    await body.writeTo(fh, position);
  } finally {
    await fh.close();
  }
}

/**
 * Era '3.4' (MAAS ≤3.4): bytes go into a Postgres large object inside the request transaction, so a failed
 * request leaves nothing behind (docs/maas-upload-protocol.md#checks-in-order, #append-only-writes, #integrity-errors).
 */
async function applyEra34(sim: SimContext, file: FileRow, body: ReceivedBody): Promise<SimResponse> {
  const lf = sim.store.data.largeFiles[file.filenameOnDisk];
  if (!lf) throw serverError('LargeFile matching query does not exist.');
  if (lf.received === lf.totalSize) throw apiError(400, 'Cannot upload to a complete file.');
  if (lf.received + body.length > lf.totalSize) throw apiError(400, 'Too much data received.');
  const path = sim.store.bytesPath(file.filenameOnDisk);
  const before = lf.received;
  const fh = await open(path, (await exists(path)) ? 'r+' : 'w+');
  try {
    await fh.truncate(before);
    await body.writeTo(fh, before);
  } finally {
    await fh.close();
  }
  const after = before + body.length;
  if (after === lf.totalSize && (await sha256File(path)) !== lf.sha256) {
    await truncate(path, before); // the transaction rolls the large object back
    throw apiError(400, 'Saved content does not match given SHA256 value.');
  }
  lf.received = after;
  sim.store.save();
  return ok(before);
}

/**
 * Era '3.7' (MAAS 3.5–3.7): `LocalBootResourceFile.store()` — allocate `<name>.incomplete` at full size when
 * the counter is 0, write at offset = counter through an mmap (refusing writes past the end), and
 * when the last byte is in, hash the *final* file if it already exists (dedup) else the partial
 * one, then rename (docs/maas-upload-protocol.md#same-content-twice, #deriving-the-offset, #integrity-errors).
 */
async function applyEra37(sim: SimContext, file: FileRow, body: ReceivedBody): Promise<SimResponse> {
  const counter = file.sync[RECEIVING_REGION] ?? 0;
  if (counter === file.size) throw apiError(400, 'Cannot upload to a complete file.');
  const finalPath = sim.store.bytesPath(file.filenameOnDisk);
  const partial = sim.store.partialPath(file.filenameOnDisk);
  if (counter === 0) {
    const fh = await open(partial, 'w');
    await fh.truncate(file.size);
    await fh.close();
  } else if (!(await exists(partial))) {
    throw serverError(`[Errno 2] No such file or directory: '${file.filenameOnDisk}.incomplete'`);
  }
  // mmap.write raises ValueError past the mapped length; nothing is written (docs/maas-upload-protocol.md#integrity-errors).
  if (counter + body.length > file.size) throw apiError(400, 'Too much data received.');
  await writeChunk(partial, 'r+', body, counter);
  const after = counter + body.length;
  if (after === file.size) {
    const hashed = (await exists(finalPath)) ? finalPath : partial;
    if ((await sha256File(hashed)) !== file.sha256) {
      // The counter rolls back with the transaction; the bytes stay in `.incomplete`.
      throw apiError(400, 'Saved content does not match given SHA256 value.');
    }
    if (await exists(partial)) await rename(partial, finalPath);
  }
  file.sync[RECEIVING_REGION] = after;
  sim.store.save();
  if (after === file.size) sim.scheduleRegionSync(file.id);
  return ok(counter);
}

/**
 * Era '3.8' (MAAS 3.8 and later): `SyncLocalBootResourceFile.append_chunk` — open the file in append mode; if the
 * current on-disk size plus the chunk exceeds the declared size, delete the file; when the file
 * reaches its size, verify the hash (keeping the file on mismatch). The counter is separate and
 * only advances on success, so disk and counter can diverge (docs/maas-upload-protocol.md#same-content-twice, #deriving-the-offset, #integrity-errors).
 */
async function applyEra38(sim: SimContext, file: FileRow, body: ReceivedBody): Promise<SimResponse> {
  const counter = file.sync[RECEIVING_REGION] ?? 0;
  if (counter === file.size) throw apiError(400, 'Cannot upload to a complete file.');
  const path = sim.store.bytesPath(file.filenameOnDisk);
  const onDisk = await sizeOnDisk(path);
  if (onDisk + body.length > file.size) {
    await unlinkQuietly(path);
    throw apiError(400, 'Too much data received.');
  }
  await writeChunk(path, 'a', body, null);
  if (onDisk + body.length === file.size && (await sha256File(path)) !== file.sha256) {
    // The file stays on disk (no unlink); the counter rolls back.
    throw apiError(400, 'Saved content does not match given SHA256 value.');
  }
  const after = counter + body.length;
  file.sync[RECEIVING_REGION] = after;
  sim.store.save();
  if (after === file.size) sim.scheduleRegionSync(file.id);
  // 3.8 appends at the end of the file on disk, which may differ from the counter.
  return ok(onDisk);
}

/** `PUT boot-resources/{resource_id}/upload/{file_id}/`, checks in MAAS's order (docs/maas-upload-protocol.md#checks-in-order). */
export async function uploadChunk(sim: SimContext, req: HandlerRequest): Promise<SimResponse> {
  requireWriter(sim, req);
  const [rawResource = '', rawFile = ''] = req.params;
  const resource = sim.store.resource(parseId(rawResource));
  if (!resource) throw notFound('No BootResource matches the given query.');
  // No check that the file belongs to the resource (docs/maas-upload-protocol.md#checks-in-order row 2).
  const file = sim.store.file(parseId(rawFile));
  if (!file) throw notFound('No BootResourceFile matches the given query.');
  // Django has already consumed a multipart stream; reading request.body then raises (docs/maas-upload-protocol.md#request).
  if (mediaType(req.headers['content-type']) === 'multipart/form-data') {
    throw serverError("You cannot access body after reading from request's data stream");
  }
  const declared = Number.parseInt(req.headers['content-length'] ?? '0', 10) || 0;
  if (declared === 0) throw apiError(400, 'Missing data.');
  if (declared !== req.body.length) throw apiError(400, "Content-Length doesn't equal size of received data.");
  const uploadable = resource.rtype === RTYPE_UPLOADED || (sim.era.era === '3.4' && resource.rtype === 1);
  if (!uploadable) throw apiError(403, sim.era.wrongTypeMessage(resource.rtype));

  return sim.withFileLock(file.filenameOnDisk, () => {
    // Re-read the row: a concurrent request may have deleted it while we waited for the lock.
    const current = sim.store.file(file.id);
    if (!current) throw notFound('No BootResourceFile matches the given query.');
    if (sim.era.era === '3.4') return applyEra34(sim, current, req.body);
    if (sim.era.era === '3.7') return applyEra37(sim, current, req.body);
    return applyEra38(sim, current, req.body);
  });
}
