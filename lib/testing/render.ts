import type { EraFacts } from './eras.js';
import { PyFloat } from '../python/json-dumps.js';
import type { PyValue } from './py-format.js';
import { RTYPE_UPLOADED, type FileRow, type ResourceRow, type SetRow, type SimStore } from './store.js';

export const API_PREFIX = '/MAAS/api/2.0/';

export interface RenderContext {
  store: SimStore;
  era: EraFacts;
  regions: number;
}

const TYPE_NAMES: Record<number, string> = { 0: 'Synced', 1: 'Generated', 2: 'Uploaded' };

interface FileProgress {
  complete: boolean;
  /** What MAAS renders as `progress` (int 0 or a float, per era). */
  progress: PyValue;
}

/**
 * File completeness and progress (docs/maas-upload-protocol.md#deriving-the-offset): 3.5+ `100*Σsync/(size*regions)` (0.0 without
 * sync rows); ≤3.4 the large object's inverse ratio `total/received` (int 0 when nothing arrived).
 */
export function fileProgress(ctx: RenderContext, file: FileRow): FileProgress {
  if (ctx.era.era === '3.4') {
    const lf = ctx.store.data.largeFiles[file.filenameOnDisk];
    const received = lf?.received ?? 0;
    const total = lf?.totalSize ?? file.size;
    return { complete: total === received, progress: received <= 0 ? 0 : new PyFloat(total / received) };
  }
  const rows = Object.values(file.sync);
  if (rows.length === 0) return { complete: false, progress: new PyFloat(0) };
  const denominator = file.size * ctx.regions;
  const value = denominator === 0 ? 0 : (100 * rows.reduce((a, b) => a + b, 0)) / denominator;
  return { complete: value === 100, progress: new PyFloat(value) };
}

/** Set completeness and progress (docs/maas-upload-protocol.md#deriving-the-offset): all its files over all regions. */
export function setProgress(ctx: RenderContext, set: SetRow): FileProgress {
  const files = ctx.store.filesOf(set.id);
  const total = files.reduce((n, f) => n + f.size, 0);
  if (ctx.era.era === '3.4') {
    const received = files.reduce((n, f) => n + (ctx.store.data.largeFiles[f.filenameOnDisk]?.received ?? 0), 0);
    return {
      complete: files.length > 0 && total === received,
      progress: received <= 0 ? 0 : new PyFloat((100 * received) / total),
    };
  }
  const synced = files.reduce((n, f) => n + Object.values(f.sync).reduce((a, b) => a + b, 0), 0);
  const denominator = total * ctx.regions;
  const value = files.length === 0 || denominator === 0 ? 0 : (100 * synced) / denominator;
  return { complete: value === 100, progress: new PyFloat(value) };
}

export function uploadUri(resourceId: number, fileId: number): string {
  return `${API_PREFIX}boot-resources/${resourceId}/upload/${fileId}/`;
}

function fileToDict(ctx: RenderContext, resource: ResourceRow, file: FileRow): Map<string, PyValue> {
  const d = new Map<string, PyValue>([
    ['filename', file.filename],
    ['filetype', file.filetype],
    ['sha256', file.sha256],
  ]);
  if (ctx.era.rendersDiskFields) d.set('filename_on_disk', file.filenameOnDisk);
  d.set('size', file.size);
  const p = fileProgress(ctx, file);
  d.set('complete', p.complete);
  if (!p.complete) {
    d.set('progress', p.progress);
    const uploadable = resource.rtype === RTYPE_UPLOADED || (ctx.era.era === '3.4' && resource.rtype === 1);
    if (uploadable) d.set('upload_uri', uploadUri(resource.id, file.id));
  }
  return d;
}

function setToDict(ctx: RenderContext, resource: ResourceRow, set: SetRow): Map<string, PyValue> {
  const files = ctx.store.filesOf(set.id);
  const p = setProgress(ctx, set);
  const d = new Map<string, PyValue>([
    ['version', set.version],
    ['label', set.label],
    ['size', files.reduce((n, f) => n + f.size, 0)],
    ['complete', p.complete],
  ]);
  if (!p.complete) d.set('progress', p.progress);
  d.set('files', new Map(files.map((f) => [f.filename, fileToDict(ctx, resource, f)])));
  return d;
}

/** `boot_resource_to_dict` (docs/maas-upload-protocol.md#the-answer), keys in MAAS's insertion order. */
export function resourceToDict(ctx: RenderContext, resource: ResourceRow, withSets: boolean): Map<string, PyValue> {
  const d = new Map<string, PyValue>([
    ['id', resource.id],
    ['type', TYPE_NAMES[resource.rtype] ?? String(resource.rtype)],
    ['name', resource.name],
    ['architecture', resource.architecture],
    ['resource_uri', `${API_PREFIX}boot-resources/${resource.id}/`],
    ['last_deployed', resource.lastDeployed],
  ]);
  for (const [k, v] of Object.entries(resource.extra)) d.set(k, v);
  if (ctx.era.rendersDiskFields && resource.baseImage) d.set('base_image', resource.baseImage);
  if (withSets) {
    // Sets newest first: `order_by("id").reverse()` (docs/maas-upload-protocol.md#the-answer).
    const sets = ctx.store.setsOf(resource.id).reverse();
    d.set('sets', new Map(sets.map((s) => [s.version, setToDict(ctx, resource, s)])));
  }
  return d;
}
