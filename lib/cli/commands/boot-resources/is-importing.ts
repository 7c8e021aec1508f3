import { importAction } from './import.js';

export const bootResourcesIsImportingCommand = importAction('is-importing', 'true while MAAS imports images', async (ctx) => ctx.out.result(await ctx.maas().bootResources.isImporting(ctx.signal)));
