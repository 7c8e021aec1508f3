import type { ImageDriftReport, SiteImage } from '../../client/image-drift.js';
import type { MaasError } from '../../errors/index.js';
import { defineCommand, type RunContext } from '../command.js';
import { EXIT, exitCodeFor, SitesFailedError, worstExitCode } from '../exit-codes.js';
import { declareData, parseData } from '../flag-sets.js';
import { formatBytes } from '../format.js';
import { UsageError } from '../grammar.js';

interface ImagesOptions {
  name: string | undefined;
}

/** `site1,site2 images [name=…]`: which build each site runs, and the drift between them (docs/image-inspection.md). */
export const imagesCommand = defineCommand<ImagesOptions>({
  command: 'images [data..]',
  summary: 'uploaded images per site (sha256, size, complete, ready, machines) and the drift between sites',
  fields: [{ name: 'name', meaning: 'only this image, e.g. esxi/8.0', default: 'every uploaded image' }],
  examples: [
    ['maas-esxi site1,site2,site3 images name=esxi/8.0', 'one table; exit 8 when the sites disagree'],
    ['maas-esxi --json admin images', 'one site, as JSON'],
  ],
  builder: (y) => declareData(y, 'name=IMAGE'),
  parse(argv) {
    const pairs = parseData(argv);
    let name: string | undefined;
    for (const p of pairs) {
      if (p.key !== 'name' || p.fromFile) throw new UsageError(`images takes only name=IMAGE, not '${p.key}'.`, 'Write e.g. maas-esxi site1,site2 images name=esxi/8.0.');
      name = p.value;
    }
    return { name };
  },
  async run(o, ctx) {
    // Loaded when the command runs, not for --help or a completion Tab (bench/startup.mjs).
    const [{ connectSites, siteNames }, { compareSiteImages }, { siteErrorJson }] = await Promise.all([import('../multi-site.js'), import('../../client/image-drift.js'), import('../../client/sites.js')]);
    const { sites, close } = connectSites(ctx, siteNames(ctx) ?? [ctx.profile!]);
    try {
      report(ctx, await compareSiteImages(sites, { name: o.name, signal: ctx.signal }), siteErrorJson);
    } finally {
      await close();
    }
  },
});

function report(ctx: RunContext, r: ImageDriftReport, siteErrorJson: (e: MaasError) => unknown): void {
  if (ctx.flags.json) ctx.out.result({ images: r.images, failures: r.failures.map((f) => ({ site: f.site, error: siteErrorJson(f.error) })), drift: r.drift });
  else ctx.out.text(table(r.images));
  for (const f of r.failures) ctx.out.warn(`${f.site}: ${f.error.message}`);
  if (r.drift.length > 0) throw new SitesFailedError(`Drift: ${r.drift.join(' ')}`, EXIT.DRIFT);
  if (r.failures.length > 0) throw new SitesFailedError(`${r.failures.length} site(s) could not be read: ${r.failures.map((f) => f.site).join(', ')}.`, worstExitCode(r.failures.map((f) => exitCodeFor(f.error))));
  ctx.out.info(r.images.length === 0 ? 'No uploaded images.' : 'Consistent: every site holds the same complete images.');
}

function table(images: readonly SiteImage[]): string {
  const rows = images.map((i) => [i.site, i.name, i.architecture, i.sha256?.slice(0, 12) ?? '-', i.size === null ? '-' : formatBytes(i.size), i.uploaded ?? '-', i.complete ? 'yes' : 'no', `${i.ready.ready}/${i.ready.total}`, String(i.machines)]);
  const cells = [['SITE', 'NAME', 'ARCHITECTURE', 'SHA256', 'SIZE', 'UPLOADED', 'COMPLETE', 'READY', 'MACHINES'], ...rows];
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  return cells.map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]!))).join('  ')).join('\n');
}
