import { defineCommand } from '../command.js';
import { BUILD_ENV_NOTE, declareBuildFlags, parseBuildFlags, type BuildFlags } from '../flag-sets.js';

type BuildCommandOptions = BuildFlags;

/** `build --iso ISO`: the Packer build alone (no MAAS needed). */
export const buildCommand = defineCommand<BuildCommandOptions>({
  command: 'build',
  summary: 'build vmware-esxi.dd.gz from an ESXi ISO with Packer',
  examples: [
    ['maas-esxi build --iso VMware-VMvisor-Installer-8.0U3.iso', 'build ./vmware-esxi.dd.gz'],
    ["MAAS_ESXI_ROOT_PASSWORD='Maas-Esxi%42x' maas-esxi build --iso esxi.iso --kickstart-extra site.ks", 'own root password, site settings merged into the kickstart'],
    ['maas-esxi build --iso esxi.iso --json 2>events.jsonl', 'the result as JSON; progress events as JSON lines on stderr'],
  ],
  notes: [BUILD_ENV_NOTE],
  builder: declareBuildFlags,
  async parse(argv, ctx) {
    const flags = parseBuildFlags(argv, ctx.io.cwd);
    const { checkKickstartInputs } = await import('../build-run.js');
    await checkKickstartInputs(flags, ctx.io.env);
    return flags;
  },
  async run(o, ctx) {
    const { buildOptionsOf, builtLine, describeBuild, runBuild } = await import('../build-run.js');
    const result = await runBuild(ctx, buildOptionsOf(ctx, o));
    ctx.out.info(builtLine(result));
    ctx.out.result(describeBuild(result));
  },
});
