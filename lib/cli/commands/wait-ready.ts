import { defineCommand } from '../command.js';
import { declareData, parseData } from '../flag-sets.js';
import { UsageError } from '../grammar.js';
import type { WaitReadyTarget } from '../wait-ready-run.js';
import { declareWaitFlags, DEFAULT_WAIT_READY_MS, parseWaitFlags } from '../ops-flags.js';

export type WaitReadyOptions = WaitReadyTarget;

/**
 * `PROFILE wait-ready name=esxi/8.0 [architecture=amd64/generic] [--timeout 30m]`: wait until
 * MAAS can deploy the image from every connected rack (≤3.4) or every region (3.5+).
 */
export const waitReadyCommand = defineCommand<WaitReadyOptions>({
  command: 'wait-ready [data..]',
  summary: 'wait until MAAS can deploy an image everywhere: every connected rack (≤3.4) or region (3.5+) holds it',
  fields: [
    { name: 'name', meaning: 'the boot resource, e.g. esxi/8.0' },
    { name: 'architecture', meaning: 'its architecture', default: 'amd64/generic' },
  ],
  examples: [
    ['maas-esxi admin wait-ready name=esxi/8.0', 'every connected rack or region holds esxi/8.0 (amd64/generic)'],
    ['maas-esxi admin wait-ready name=esxi/8.0 --timeout 1h --json', 'JSON lines per rack/region on stderr, the result on stdout'],
    ['maas-esxi site1,site2 wait-ready name=esxi/8.0', 'several MAAS sites, with a summary table'],
  ],
  notes: ['Exit 5 on timeout, naming every rack or region that is not ready; disconnected racks are named and skipped.'],
  builder: (y) => declareWaitFlags(declareData(y), '30m'),
  parse(argv) {
    const pairs = parseData(argv);
    const field = (k: string) => {
      const p = pairs.findLast((x) => x.key === k);
      return p && !p.fromFile ? p.value : undefined;
    };
    const unknown = pairs.filter((p) => p.key !== 'name' && p.key !== 'architecture');
    if (unknown.length) throw new UsageError(`wait-ready takes name= and architecture=, not ${unknown.map((p) => p.key).join(', ')}.`);
    const name = field('name');
    if (!name) throw new UsageError('wait-ready needs name=… (the boot resource, e.g. name=esxi/8.0).');
    return { name, architecture: field('architecture') ?? 'amd64/generic', ...parseWaitFlags(argv, DEFAULT_WAIT_READY_MS) };
  },
  async run(o, ctx) {
    // Loaded when the command runs, not for --help or a completion Tab (bench/startup.mjs).
    const [{ connectSites, reportSites, siteNames, siteRow }, { forEachSite }, { runWaitReady }] = await Promise.all([import('../multi-site.js'), import('../../client/sites.js'), import('../wait-ready-run.js')]);
    const names = siteNames(ctx);
    if (!names) {
      const result = await runWaitReady(ctx, ctx.maas(), o);
      ctx.out.result(result);
      return;
    }
    const { sites, close } = connectSites(ctx, names);
    try {
      const outcomes = await forEachSite(sites, sites.length, (site) => runWaitReady(ctx, site.client, o, site.name));
      reportSites(ctx, outcomes.map((x) => siteRow(x, (r) => ({ action: 'wait-ready', bytes: 0, ready: r.ready.map((t) => t.hostname), skipped: r.skipped.map((t) => t.hostname) }), 'wait-ready')));
    } finally {
      await close();
    }
  },
});
