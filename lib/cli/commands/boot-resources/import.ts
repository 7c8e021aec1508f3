import { defineCommand, type CommandSpec } from '../../command.js';
import { declareData, parseData } from '../../flag-sets.js';
import { UsageError } from '../../grammar.js';

/** The three argument-less import actions (src/maasserver/api/boot_resources.py BootResourcesHandler). */
export function importAction(name: 'import' | 'stop-import' | 'is-importing', summary: string, act: (ctx: Parameters<CommandSpec<void>['run']>[1]) => Promise<void>): CommandSpec<void> {
  return defineCommand<void>({
    command: `${name} [data..]`,
    summary,
    examples: [[`maas-esxi admin boot-resources ${name}`, summary]],
    builder: (y) => declareData(y),
    parse(argv) {
      if (parseData(argv).length > 0) throw new UsageError(`boot-resources ${name} takes no arguments.`);
    },
    run: (_o, ctx) => act(ctx),
  });
}

export const bootResourcesImportCommand = importAction('import', 'start importing the images selected in MAAS', async (ctx) => ctx.out.textResult(await ctx.maas().bootResources.import(ctx.signal)));
