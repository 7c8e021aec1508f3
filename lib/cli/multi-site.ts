import { siteErrorJson, uploadToSites, type Site, type SiteOutcome } from '../client/sites.js';
import type { UploadOptions, UploadResult } from '../upload/types.js';
import type { RunContext } from './command.js';
import { exitCodeFor, SitesFailedError, worstExitCode } from './exit-codes.js';
import type { UploadFlags } from './flag-sets.js';
import { formatBytes, formatDuration } from './format.js';
import { UsageError } from './grammar.js';
import type { createProgressView } from './progress-view.js';
import { showPhases } from './upload-phases.js';
import { uploadRunOptions, uploadStats } from './upload-run.js';
import { runWaitReady, type WaitReadyTarget } from './wait-ready-run.js';

/** `site1,site2,site3 COMMAND`: the profiles, or undefined for a single profile. */
export function siteNames(ctx: Pick<RunContext, 'profile'>): string[] | undefined {
  if (!ctx.profile?.includes(',')) return undefined;
  const names = ctx.profile.split(',').map((s) => s.trim());
  if (names.some((n) => n === '') || new Set(names).size !== names.length) {
    throw new UsageError(`'${ctx.profile}' is not a list of distinct profiles.`, 'Write them comma-separated without spaces, e.g. site1,site2,site3.');
  }
  return names;
}

/** A client per site; close them all with the returned function. */
export function connectSites(ctx: RunContext, names: readonly string[]): { sites: Site[]; close(): Promise<void> } {
  const sites = names.map((name) => ({
    name,
    client: ctx.connect(name, ctx.flags, (n) => ctx.out.info(`[${name}] ${n.method} failed (${n.error.message}); retrying in ${Math.round(n.delayMs / 100) / 10}s.`)).client,
  }));
  return { sites, close: async () => void (await Promise.all(sites.map((s) => s.client.close()))) };
}

/** One row of the per-site summary. */
interface SiteRow {
  site: string;
  action: string;
  bytes: number;
  elapsedMs: number;
  result: 'ok' | 'failed';
  exitCode: number;
  error?: Record<string, unknown> | undefined;
  [detail: string]: unknown;
}

export function siteRow<T>(o: SiteOutcome<T>, describe: (value: T) => { action: string; bytes: number; [k: string]: unknown }, failedAction: string): SiteRow {
  if (o.ok) return { site: o.site, ...describe(o.value as T), elapsedMs: o.elapsedMs, result: 'ok', exitCode: 0 };
  return { site: o.site, action: failedAction, bytes: 0, elapsedMs: o.elapsedMs, result: 'failed', exitCode: exitCodeFor(o.error), error: siteErrorJson(o.error) };
}

/** The summary: a table on stdout (or the JSON array), then the worst exit code. */
export function reportSites(ctx: RunContext, rows: readonly SiteRow[]): void {
  if (ctx.flags.json) ctx.out.result(rows);
  else {
    const cells = [['SITE', 'ACTION', 'BYTES', 'TIME', 'RESULT'], ...rows.map((r) => [r.site, r.action, formatBytes(r.bytes), formatDuration(r.elapsedMs / 1000), r.result === 'ok' ? 'ok' : `failed (exit ${r.exitCode}): ${String(r.error?.['message'] ?? '')}`])];
    const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
    ctx.out.text(cells.map((c) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')).join('\n'));
  }
  const failed = rows.filter((r) => r.result === 'failed');
  if (failed.length) {
    throw new SitesFailedError(`${failed.length} of ${rows.length} sites failed: ${failed.map((r) => r.site).join(', ')}.`, worstExitCode(failed.map((r) => r.exitCode)));
  }
}

/**
 * Follow one site's upload with the single-site lines, each prefixed with the site (JSON lines
 * with --json): the same words and precision whether one site or several.
 */
function followSite(ctx: RunContext, site: string, upload: ReturnType<Site['client']['bootResources']['upload']>, views: typeof createProgressView): void {
  // A retry is said through the site's view, which then repeats no progress from before it.
  let say = (line: string): void => ctx.out.info(`[${site}] ${line}`);
  if (ctx.flags.json) {
    upload.on('phase', (phase, detail) => ctx.out.event({ event: 'phase', site, phase, detail }));
    upload.on('progress', (p) => p.phase === 'upload' && ctx.out.event({ event: 'progress', site, bytesAcked: p.bytesAcked, total: p.total }));
  } else {
    const view = views(ctx.out, { prefix: `[${site}] ` });
    showPhases(upload, view, 'Using the sha256 worked out once for every site.');
    say = (line) => view.log(line);
    // However this site ends, its lines end with it (the others go on).
    const stop = (): void => view.stop();
    upload.done().then(stop, stop);
  }
  upload.on('retry', (r) => say(`attempt failed at byte ${r.offset}: ${r.error.message} Retrying (attempt ${r.attempt}).`));
  upload.on('warning', (m) => ctx.out.warn(`[${site}] ${m}`));
}

/** The summary names where the sha256 came from, as the single-site lines do (upload-run.ts). */
const SHA256_FROM = {
  hashed: 'hashed once',
  cache: 'from the hash cache; the image was not read again',
  field: 'given in sha256=; the image was not hashed',
  build: 'computed by the build; the image was not hashed again',
} as const;

/**
 * `site1,site2 create …` / `build-and-upload`: hash once, upload to each site (one at a time or
 * `--parallel N`), each resumable on its own, optionally wait until each can deploy it; then
 * the per-site table and the worst exit code.
 */
export async function runMultiSiteUpload(
  ctx: RunContext,
  names: readonly string[],
  opts: UploadOptions,
  uflags: UploadFlags,
  parallel: number,
  waitReady: Omit<WaitReadyTarget, 'name' | 'architecture'> | undefined,
  given: 'field' | 'build' = 'field',
): Promise<void> {
  if (uflags.dryRun) throw new UsageError('--dry-run plans one site at a time.', `Run it per profile, e.g. maas-esxi ${names[0]} create … --dry-run.`);
  const { sites, close } = connectSites(ctx, names);
  // Loaded here, not by the module: `create` loads this one for siteNames on every run, and a
  // single-site --quiet run loads no progress view at all (lib/cli/upload-run.ts).
  const { createProgressView } = await import('./progress-view.js');
  try {
    if (!opts.sha256) ctx.out.info(`Hashing ${opts.path} once for ${sites.length} sites…`);
    const result = await uploadToSites(sites, {
      ...opts,
      ...uploadRunOptions(ctx, uflags),
      parallel,
      onUpload: (site, up) => followSite(ctx, site, up, createProgressView),
      afterUpload: waitReady
        ? (site: Site) => runWaitReady(ctx, site.client, { ...waitReady, name: opts.name, architecture: opts.architecture }, site.name)
        : undefined,
    }).done();
    ctx.out.info(`sha256 ${result.sha256} (${SHA256_FROM[result.sha256From === 'given' ? given : result.sha256From]}).`);
    const rows = result.sites.map((o) =>
      siteRow(o, (v: { upload: UploadResult; after?: unknown }) => ({
        action: `${v.upload.action}${waitReady ? '+ready' : ''}`,
        bytes: v.upload.bytesSent,
        resource: v.upload.resource.id,
        upload: uploadStats(v.upload),
      }), 'upload'),
    );
    reportSites(ctx, rows);
  } finally {
    await close();
  }
}
