import { importAction } from './import.js';

export const bootResourcesStopImportCommand = importAction('stop-import', 'stop importing images', async (ctx) => ctx.out.textResult(await ctx.maas().bootResources.stopImport(ctx.signal)));
