import { defineCommand, type RunContext } from '../../command.js';
import { UsageError } from '../../grammar.js';

export interface BootResourceIdOptions {
  id: number;
}

export function parseBootResourceId(raw: unknown): BootResourceIdOptions {
  const id = Number(raw);
  if (!Number.isInteger(id) || id <= 0) throw new UsageError(`'${String(raw)}' is not a boot resource id.`, 'List them with: maas-esxi PROFILE boot-resources read');
  return { id };
}

/** `PROFILE boot-resource read ID` (src/maasserver/api/boot_resources.py BootResourceHandler.read). */
export const bootResourceReadCommand = defineCommand<BootResourceIdOptions>({
  command: 'read <id>',
  summary: "one boot resource with its sets and files, MAAS's JSON unchanged",
  examples: [['maas-esxi admin boot-resource read 7', 'boot resource 7']],
  builder: (y) => y.positional('id', { type: 'string', describe: 'the boot resource id' }),
  parse: (argv) => parseBootResourceId(argv['id']),
  async run(o, ctx: RunContext) {
    ctx.out.result(await ctx.maas().bootResources.read(o.id, ctx.signal));
  },
});
