import { resolve } from 'node:path';
import type { MaasClient } from '../../client/maas-client.js';
import { defaultTitle } from '../../resources/esxi-title.js';
import type { BootResourceFiletype } from '../../resources/types.js';
import { assertFiletype } from '../../upload/checks.js';
import { sniffImageType, suggestFiletype } from '../../upload/sniff.js';
import type { UploadOptions, UploadResult } from '../../upload/types.js';
import type { BootResourceUpload } from '../../upload/uploader.js';
import type { CliContext, GlobalFlags } from '../context.js';
import { formatBytes, formatDuration } from '../format.js';
import { pairsToRecord, UsageError, type DataPair } from '../grammar.js';
import { createProgressView } from '../progress-view.js';

/** Fields `create` understands; the maas CLI forwards the same ones (docs/maas-cli.md#boot-resources-create, docs/maas-upload-protocol.md#sending-chunks). */
const FIELDS = ['name', 'title', 'architecture', 'filetype', 'content', 'base_image', 'sha256'] as const;

export interface UploadFlags {
  chunkSize?: number | undefined;
  dryRun?: boolean | undefined;
  resume?: boolean | undefined;
  retries?: number | undefined;
  regions?: number | undefined;
}

/** Turn `name=… content@=FILE …` into upload options, with the fixes spelled out. */
export async function uploadOptionsFromPairs(pairs: readonly DataPair[], cwd: string): Promise<UploadOptions & { filetypeGuessed: boolean }> {
  const data = pairsToRecord(pairs);
  for (const key of Object.keys(data)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new UsageError(`Unknown field '${key}'.`, `create accepts ${FIELDS.map((f) => (f === 'content' ? 'content@=FILE' : `${f}=…`)).join(' ')}.`);
    }
  }
  const value = (key: string): string | undefined => {
    const p = data[key];
    if (!p) return undefined;
    if (p.fromFile) throw new UsageError(`${key}@= reads a file, but ${key} takes a value.`, `Write ${key}=VALUE.`);
    return p.value;
  };
  const content = data['content'];
  if (!content) throw new UsageError('Missing content.', 'Name the image with content@=FILE, e.g. content@=vmware-esxi.dd.gz.');
  if (!content.fromFile) throw new UsageError('content must name a file with @=.', `Write content@=${content.value || 'FILE'}.`);
  if (content.path === '') throw new UsageError('content@= names no file.', 'Write content@=FILE, e.g. content@=vmware-esxi.dd.gz.');
  const name = value('name');
  const architecture = value('architecture');
  if (!name) throw new UsageError('Missing name.', 'Add name=esxi/<release>, e.g. name=esxi/8.0.');
  if (!architecture) throw new UsageError('Missing architecture.', 'Add architecture=amd64/generic.');
  const path = resolve(cwd, content.path);
  let filetype = value('filetype');
  let filetypeGuessed = false;
  if (filetype === undefined) {
    // MAAS would silently default to tgz, which deploys nothing for a disk image (docs/maas-upload-protocol.md#request-encoding).
    try {
      filetype = suggestFiletype(await sniffImageType(path));
      filetypeGuessed = true;
    } catch {
      filetype = 'ddgz';
    }
  }
  assertFiletype(filetype);
  return {
    name,
    architecture,
    title: value('title') ?? defaultTitle(name),
    filetype: filetype as BootResourceFiletype,
    base_image: value('base_image'),
    sha256: value('sha256'),
    path,
    filetypeGuessed,
  };
}

/** `create` / `boot-resources create` / `uploads resume`: run an upload with progress. */
export async function runUpload(ctx: CliContext, flags: GlobalFlags, client: MaasClient, opts: UploadOptions, uflags: UploadFlags): Promise<void> {
  const { out } = ctx;
  const options: UploadOptions = {
    ...opts,
    chunkSize: uflags.chunkSize ?? opts.chunkSize,
    resume: uflags.resume ?? true,
    retries: uflags.retries,
    regions: uflags.regions,
    signal: ctx.signal,
    stateDir: ctx.stateDir,
  };
  if (uflags.dryRun) {
    const plan = await client.bootResources.planUpload(options);
    out.info(
      plan.action === 'already-present'
        ? `An identical image is already in MAAS (boot resource ${plan.resourceId}); nothing would be sent.`
        : `Would ${plan.action === 'resume' ? `resume boot resource ${plan.resourceId} at ${formatBytes(plan.resumeFrom)}` : 'create a boot resource'} and send ${plan.chunks} chunk(s) of ${formatBytes(plan.chunkSize)}.`,
    );
    out.result(plan);
    return;
  }
  const upload = client.bootResources.upload(options);
  const result = await followUpload(ctx, upload);
  summarise(ctx, result);
  out.result(flags.json ? { resource: result.resource, upload: uploadStats(result) } : result.resource);
}

/** Show an upload's phases, progress, retries and warnings on stderr. */
async function followUpload(ctx: CliContext, upload: BootResourceUpload): Promise<UploadResult> {
  const view = createProgressView(ctx.out);
  upload.on('phase', (phase, detail) => {
    if (phase === 'hash') view.log(detail === 'cached' ? 'Using the cached sha256 of the image.' : detail === 'given' ? 'Using the sha256 computed by the build.' : 'Hashing the image (sha256)…');
    else if (phase === 'create') view.log('Creating the boot resource…');
    else if (phase === 'upload' && detail) view.log(`Resuming ${detail}.`);
    else if (phase === 'verify') view.log('Waiting for MAAS to verify the image…');
    else if (phase === 'sync') view.log('Waiting for the other region controllers to copy the image…');
  });
  upload.on('progress', (p) => {
    if (p.phase === 'hash' || p.phase === 'upload') {
      view.update({ label: p.phase === 'hash' ? 'hashing' : 'uploading', done: p.bytesSent, total: p.total, rate: p.rate, eta: p.eta });
    }
  });
  upload.on('retry', (r) => view.log(`Attempt failed at byte ${r.offset}: ${r.error.message} Retrying in ${formatDuration(r.delayMs / 1000)} (attempt ${r.attempt}).`));
  upload.on('warning', (m) => {
    view.stop();
    ctx.out.warn(m);
  });
  try {
    return await upload.done();
  } finally {
    view.stop();
  }
}

function summarise(ctx: CliContext, r: UploadResult): void {
  const id = r.resource.id;
  if (r.action === 'already-present' && r.bytesSent === 0) {
    ctx.out.info(`An identical image is already in MAAS (boot resource ${id}, ${r.resource.name}); nothing uploaded.`);
    return;
  }
  const seconds = r.elapsedMs / 1000;
  const rate = seconds > 0 ? `${formatBytes(r.bytesSent / seconds)}/s` : '';
  const resumed = r.resumedFrom > 0 ? `, resumed from ${formatBytes(r.resumedFrom)}` : '';
  const retried = r.retries > 0 ? `, ${r.retries} retr${r.retries === 1 ? 'y' : 'ies'} (${formatBytes(r.bytesResent)} re-sent)` : '';
  ctx.out.info(`Uploaded ${r.resource.name} (${formatBytes(r.size)}) as boot resource ${id} in ${formatDuration(seconds)}, ${rate}${resumed}${retried}.`);
}

function uploadStats(r: UploadResult): Record<string, unknown> {
  return {
    action: r.action,
    sha256: r.sha256,
    size: r.size,
    resumedFrom: r.resumedFrom,
    bytesSent: r.bytesSent,
    bytesResent: r.bytesResent,
    retries: r.retries,
    recreated: r.recreated,
    elapsedMs: r.elapsedMs,
  };
}
