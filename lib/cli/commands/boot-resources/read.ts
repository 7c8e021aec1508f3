import { rememberArchitectures } from '../../architecture-cache.js';
import { defineCommand } from '../../command.js';
import { declareData, parseData } from '../../flag-sets.js';
import { UsageError } from '../../grammar.js';

type ReadType = 'all' | 'synced' | 'uploaded';
interface BootResourcesReadOptions {
  type: ReadType | undefined;
}

const TYPES: readonly ReadType[] = ['all', 'synced', 'uploaded'];

/** `PROFILE boot-resources read [type=…]` (src/maasserver/api/boot_resources.py BootResourcesHandler.read). */
export const bootResourcesReadCommand = defineCommand<BootResourcesReadOptions>({
  command: 'read [data..]',
  summary: "list boot resources, MAAS's JSON unchanged",
  fields: [{ name: 'type', meaning: 'which resources', default: 'all', values: TYPES }],
  examples: [
    ['maas-esxi admin boot-resources read', 'every boot resource'],
    ['maas-esxi admin boot-resources read type=uploaded', 'only uploaded images (yours)'],
  ],
  builder: (y) => declareData(y),
  parse(argv) {
    const pairs = parseData(argv);
    const extra = pairs.find((p) => p.key !== 'type');
    if (extra) throw new UsageError(`boot-resources read takes only type=…, not '${extra.key}'.`, 'Use type=all, type=synced or type=uploaded.');
    const type = pairs.find((p) => p.key === 'type');
    if (type?.fromFile) throw new UsageError('type@= reads a file; write type=VALUE.');
    if (type && !(TYPES as readonly string[]).includes(type.value)) throw new UsageError(`type=${type.value} is not a boot resource type.`, 'Use type=all, type=synced or type=uploaded.');
    return { type: type?.value as ReadType | undefined };
  },
  async run(o, ctx) {
    const resources = await ctx.maas().bootResources.list(o.type, ctx.signal);
    // For completion of architecture=; a cache that cannot be written costs only suggestions.
    if (ctx.profile !== undefined) await rememberArchitectures(ctx.stateDir, ctx.profile, resources).catch(() => undefined);
    ctx.out.result(resources);
  },
});
