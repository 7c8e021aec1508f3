/**
 * Which build each site runs under a name: per site, the uploaded resources,
 * the sha256 and size of their newest file, whether MAAS calls it complete, how many racks or
 * regions can deploy it, and how many machines run it — and the drift between sites.
 */
import type { MaasError } from '../errors/index.js';
import type { Architecture, BootResource, BootResourceSummary } from '../resources/types.js';
import type { ReadyTarget } from '../resources/boot-ready.js';
import { forEachSite, type Site } from './sites.js';
import { newestSet } from '../resources/set-order.js';
import { imageNameKey } from '../resources/image-name.js';

export interface SiteImage {
  site: string;
  name: string;
  architecture: string;
  resourceId: number;
  /** The newest set's file (MAAS keeps one set per upload): its sha256 and size. */
  sha256: string | null;
  size: number | null;
  /** The newest set's label/version (`uploaded` and the upload date, e.g. `20261207`). */
  uploaded: string | null;
  complete: boolean;
  /** Racks (≤ 3.4) or regions (3.5+) that can deploy it, of those MAAS lists. */
  ready: { ready: number; total: number };
  /** Machines Deployed or Deploying with this image (`osystem/distro_series`). */
  machines: number;
}

export interface ImageDriftReport {
  images: SiteImage[];
  /** Sites that could not be read, with why. */
  failures: { site: string; error: MaasError }[];
  /** One sentence per drift found; empty when the sites agree. */
  drift: string[];
}

export interface CompareSiteImagesOptions {
  /** Only this name (e.g. `esxi/8.0`); `custom/foo` and `foo` are the same image. */
  name?: string | undefined;
  parallel?: number | undefined;
  signal?: AbortSignal | undefined;
}

export async function compareSiteImages(sites: readonly Site[], opts: CompareSiteImagesOptions = {}): Promise<ImageDriftReport> {
  const outcomes = await forEachSite(sites, opts.parallel ?? sites.length, (site) => siteImages(site, opts));
  const images = outcomes.flatMap((o) => (o.ok ? (o.value ?? []) : []));
  const failures = outcomes.filter((o) => !o.ok).map((o) => ({ site: o.site, error: o.error }));
  return { images, failures, drift: findDrift(images, outcomes.filter((o) => o.ok).map((o) => o.site)) };
}

async function siteImages(site: Site, opts: CompareSiteImagesOptions): Promise<SiteImage[]> {
  const listed = (await site.client.bootResources.list('uploaded', opts.signal)).filter((r) => opts.name === undefined || imageNameKey(r.name) === imageNameKey(opts.name));
  const machines = listed.length > 0 ? await site.client.machines.list({}, opts.signal) : [];
  const rows: SiteImage[] = [];
  for (const summary of listed) {
    const resource = await site.client.bootResources.read(summary.id, opts.signal);
    const deployed = machines.filter((m) => (m.status_name === 'Deployed' || m.status_name === 'Deploying') && runs(m, summary.name)).length;
    rows.push({ site: site.name, ...newestFile(summary, resource), ready: await readiness(site, summary, opts.signal), machines: deployed });
  }
  return rows;
}

/** A machine deployed from `esxi/8.0` shows osystem `esxi`, distro_series `8.0`; a bare name shows `custom`. */
function runs(m: { osystem?: string | undefined; distro_series?: string | undefined }, name: string): boolean {
  return `${m.osystem}/${m.distro_series}` === name || (m.osystem === 'custom' && m.distro_series === name);
}

function newestFile(summary: BootResourceSummary, resource: BootResource): Omit<SiteImage, 'site' | 'ready' | 'machines'> {
  const [key, set] = newestSet(resource.sets) ?? [];
  const file = set ? Object.values(set.files)[0] : undefined;
  return {
    name: summary.name,
    architecture: summary.architecture,
    resourceId: summary.id,
    sha256: file?.sha256 ?? null,
    size: file?.size ?? null,
    uploaded: key ?? null,
    complete: !!set?.complete && !!file?.complete,
  };
}

/** One look (no waiting) at where MAAS can deploy the image from. */
async function readiness(site: Site, summary: BootResourceSummary, signal?: AbortSignal): Promise<SiteImage['ready']> {
  const targets = new Map<string, ReadyTarget>();
  await site.client.bootResources
    .waitReady({ name: summary.name, architecture: summary.architecture as Architecture, timeoutMs: 0, signal, onProgress: (t) => targets.set(`${t.kind}:${t.system_id}`, t) })
    .done()
    .catch(() => undefined); // not ready everywhere yet: the targets say where
  const all = [...targets.values()];
  return { ready: all.filter((t) => t.state === 'ready').length, total: all.length };
}

/** The same name and architecture with different sha256, missing from a site, or incomplete. */
function findDrift(images: readonly SiteImage[], sites: readonly string[]): string[] {
  const drift: string[] = [];
  const groups = new Map<string, SiteImage[]>();
  for (const i of images) {
    const group = `${imageNameKey(i.name)} ${i.architecture}`;
    groups.set(group, [...(groups.get(group) ?? []), i]);
  }
  for (const rows of groups.values()) {
    const key = groupLabel(rows);
    const hashes = new Set(rows.map((r) => r.sha256));
    if (hashes.size > 1) drift.push(`${key} differs between sites: ${rows.map((r) => `${r.site} ${r.sha256?.slice(0, 12) ?? 'no file'}`).join(', ')}.`);
    const missing = sites.filter((s) => !rows.some((r) => r.site === s));
    if (missing.length > 0) drift.push(`${key} is missing on ${missing.join(', ')}.`);
    for (const r of rows.filter((x) => !x.complete)) drift.push(`${key} on ${r.site} is an incomplete upload.`);
  }
  return drift;
}

/** The name as the first site stores it, then where another site stores it otherwise. */
function groupLabel(rows: readonly SiteImage[]): string {
  const first = rows[0]!;
  const others = rows.filter((r) => r.name !== first.name).map((r) => `${r.name} on ${r.site}`);
  const label = others.length > 0 ? `${first.name} (${[...new Set(others)].join(', ')})` : first.name;
  return `${label} ${first.architecture}`;
}
