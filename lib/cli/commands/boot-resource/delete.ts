import { defineCommand } from '../../command.js';
import { parseBootResourceId, type BootResourceIdOptions } from './read.js';

/** `PROFILE boot-resource delete ID` (BootResourceHandler.delete). */
export const bootResourceDeleteCommand = defineCommand<BootResourceIdOptions>({
  command: 'delete <id>',
  summary: 'delete one boot resource',
  examples: [['maas-esxi admin boot-resource delete 7', 'delete boot resource 7']],
  builder: (y) => y.positional('id', { type: 'string', describe: 'the boot resource id' }),
  parse: (argv) => parseBootResourceId(argv['id']),
  async run(o, ctx) {
    await ctx.maas().bootResources.delete(o.id, ctx.signal);
    // MAAS answers 204 with no body; --json still owes the one document a script reads.
    if (ctx.flags.json) ctx.out.result({ id: o.id, deleted: true });
    else ctx.out.info(`Deleted boot resource ${o.id}.`);
  },
});
