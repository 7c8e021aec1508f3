import type { MaasClient } from '../client/maas-client.js';
import type { UploadOptions, UploadPlan, UploadResult } from '../upload/types.js';
import type { BootResourceUpload } from '../upload/uploader.js';
import type { CliContext } from './context.js';
import type { RunContext } from './command.js';
import type { UploadFlags } from './flag-sets.js';
import { replacementNote } from '../upload/locate.js';
import { formatBytes, formatDuration } from './format.js';
import { showPhases } from './upload-phases.js';
import { SILENT_VIEW } from './progress-types.js';

/** The SDK options every upload command derives from its flags and the context (Ctrl-C, state). */
export function uploadRunOptions(ctx: CliContext, uflags: UploadFlags): Partial<UploadOptions> {
  return {
    ...(uflags.chunkSize !== undefined ? { chunkSize: uflags.chunkSize } : {}),
    resume: uflags.resume,
    retries: uflags.retries,
    regions: uflags.regions,
    limitRate: uflags.limitRate,
    sameImage: uflags.sameImage,
    signal: ctx.signal,
    forceSignal: ctx.forceSignal,
    stateDir: ctx.stateDir,
  };
}

/** Where a sha256 the upload did not compute came from: said once, so the user knows what was trusted. */
type KnownSha256 = 'field' | 'build' | 'saved';
const KNOWN_SHA256: Record<KnownSha256, string> = {
  field: 'Using the sha256 given in sha256= (the image is not hashed).',
  build: 'Using the sha256 the build computed (the image is not hashed again).',
  saved: 'Using the sha256 saved with the interrupted upload (the image is not hashed again).',
};

/** After a verified upload (e.g. `--wait-ready`); what it returns joins the --json result. */
type AfterUpload = (result: UploadResult) => Promise<Record<string, unknown>>;

/** `create` / `boot-resources create` / `build-and-upload`: run an upload (or plan it) with progress. */
export async function runUpload(ctx: RunContext, client: MaasClient, opts: UploadOptions, uflags: UploadFlags, then?: AfterUpload, known: KnownSha256 = 'field'): Promise<void> {
  const options: UploadOptions = { ...opts, ...uploadRunOptions(ctx, uflags) };
  if (uflags.dryRun) {
    const plan = await client.bootResources.planUpload(options);
    // The same line a real run warns with before it sends anything.
    if (plan.replaces !== undefined) ctx.out.warn(replacementNote(options, plan.replaces));
    // The plan is the command's result: stdout, whatever --quiet says.
    if (ctx.flags.json) ctx.out.result(plan);
    else ctx.out.text(describePlan(plan, options));
    return;
  }
  await reportUpload(ctx, () => client.bootResources.upload(options), known, then);
}

/**
 * Start an upload and follow it to its end (also `uploads resume`), then print its summary and
 * result. `start` runs only once the progress view is loaded, so that no phase the upload
 * reports at once (hashing) is emitted before anyone listens.
 */
export async function reportUpload(ctx: RunContext, start: () => BootResourceUpload, known: KnownSha256, then?: AfterUpload): Promise<void> {
  const result = await followUpload(ctx, start, known);
  summarise(ctx, result);
  const more = then ? await then(result) : {};
  ctx.out.result(ctx.flags.json ? { resource: result.resource, upload: uploadStats(result), ...more } : result.resource);
}

/** The dry run's text result: what would happen, then the figures README "Commands" promises. */
function describePlan(plan: UploadPlan, o: Pick<UploadOptions, 'name' | 'architecture' | 'keep_old'>): string {
  const verdict =
    plan.action === 'already-present'
      ? `An identical image is already in MAAS (boot resource ${plan.resourceId}); nothing would be sent.`
      : `Would ${plan.action === 'resume' ? `resume boot resource ${plan.resourceId}` : 'create a boot resource'} and send ${describeChunks(plan)}.`;
  const resume = plan.action === 'resume' ? `${formatBytes(plan.resumeFrom)} (byte ${plan.resumeFrom}, the bytes MAAS already holds)` : 'none (a new upload from byte 0)';
  return [
    verdict,
    `sha256: ${plan.sha256}`,
    `size:   ${formatBytes(plan.size)} (${plan.size} bytes)`,
    ...(plan.action === 'already-present' ? [] : [`chunks: ${describeChunks(plan)}`, `resume: ${resume}`]),
    // -q hides the warning a run prints: the plan says it too.
    ...(plan.replaces === undefined ? [] : [`replaces: ${replacementNote(o, plan.replaces)}`]),
  ].join('\n');
}

/** `1 chunk of 1.0 MiB`, `3 chunks of 8.0 MiB, the last 1.5 MiB`: what will really be sent. */
export function describeChunks(plan: Pick<UploadPlan, 'size' | 'chunkSize' | 'chunks' | 'resumeFrom'>): string {
  const remaining = Math.max(0, plan.size - plan.resumeFrom);
  if (plan.chunks <= 1) return `${plan.chunks} chunk${plan.chunks === 1 ? '' : 's'}${plan.chunks === 1 ? ` of ${formatBytes(remaining)}` : ''}`;
  const last = remaining - (plan.chunks - 1) * plan.chunkSize;
  return `${plan.chunks} chunks of ${formatBytes(plan.chunkSize)}${last > 0 && last !== plan.chunkSize ? `, the last ${formatBytes(last)}` : ''}`;
}

/** Show an upload's phases, progress, retries and warnings on stderr. */
async function followUpload(ctx: CliContext, start: () => BootResourceUpload, known: KnownSha256): Promise<UploadResult> {
  // --quiet shows no phase and no progress: load no view and listen to neither, so the upload
  // computes no progress samples at all (it skips them without a listener).
  const view = ctx.out.flags.quiet ? SILENT_VIEW : (await import('./progress-view.js')).createProgressView(ctx.out);
  const upload = start();
  if (view !== SILENT_VIEW) showPhases(upload, view, KNOWN_SHA256[known]);
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
    ctx.out.info(`An identical image is already in MAAS (boot resource ${id}, ${r.resource.name} ${r.resource.architecture}); nothing uploaded.`);
    return;
  }
  const seconds = r.elapsedMs / 1000;
  const rate = seconds > 0 ? `${formatBytes(r.bytesSent / seconds)}/s` : '';
  const resumed = r.resumedFrom > 0 ? `, resumed from ${formatBytes(r.resumedFrom)}` : '';
  const retried = r.retries > 0 ? `, ${r.retries} retr${r.retries === 1 ? 'y' : 'ies'} (${formatBytes(r.bytesResent)} re-sent)` : '';
  ctx.out.info(`Uploaded ${r.resource.name} (${formatBytes(r.size)}) as boot resource ${id} in ${formatDuration(seconds)}, ${rate}${resumed}${retried}.`);
}

export function uploadStats(r: UploadResult): Record<string, unknown> {
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
