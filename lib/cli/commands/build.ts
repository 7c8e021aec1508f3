import { buildOptionsOf, builtLine, describeBuild, runBuild } from '../build-run.js';
import { defineCommand } from '../command.js';
import { declareBuildFlags, parseBuildFlags, type BuildFlags } from '../flag-sets.js';

export type BuildCommandOptions = BuildFlags;

/** `build --iso ISO`: the Packer build alone (no MAAS needed). */
export const buildCommand = defineCommand<BuildCommandOptions>({
  command: 'build',
  summary: 'build vmware-esxi.dd.gz from an ESXi ISO with Packer',
  examples: [
    ['maas-esxi build --iso VMware-VMvisor-Installer-8.0U3.iso', 'build ./vmware-esxi.dd.gz'],
    ['maas-esxi build --iso esxi.iso --output /srv/images --timeout 2h', 'write elsewhere, allow a slow install'],
    ['maas-esxi build --iso esxi.iso --json 2>events.jsonl', 'the result as JSON; progress events as JSON lines on stderr'],
  ],
  builder: declareBuildFlags,
  parse: (argv, ctx) => parseBuildFlags(argv, ctx.io.cwd),
  async run(o, ctx) {
    const result = await runBuild(ctx, buildOptionsOf(ctx, o));
    ctx.out.info(builtLine(result));
    ctx.out.result(describeBuild(result));
  },
});
