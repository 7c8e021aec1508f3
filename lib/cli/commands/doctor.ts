import { resolve } from 'node:path';
import { PrerequisiteError } from '../../errors/index.js';
import { defineCommand } from '../command.js';

interface DoctorOptions {
  iso: string | undefined;
  templateDir: string | undefined;
  outputDir: string;
}

export const doctorCommand = defineCommand<DoctorOptions>({
  command: 'doctor',
  summary: 'check the build host: packer, qemu, /dev/kvm, disk space, the ISO',
  examples: [
    ['maas-esxi doctor', 'check packer, qemu, KVM and disk space'],
    ['maas-esxi doctor --iso VMware-VMvisor-Installer-8.0U3.iso', 'also check the installer ISO'],
  ],
  builder: (y) =>
    y
      .option('iso', { type: 'string', describe: 'also check this ESXi ISO' })
      .option('template', { type: 'string', describe: 'template directory to check' })
      .option('output', { type: 'string', describe: 'where the image would be written (default: current directory)' }),
  parse: (argv, ctx) => ({
    iso: typeof argv['iso'] === 'string' ? resolve(ctx.io.cwd, argv['iso']) : undefined,
    templateDir: typeof argv['template'] === 'string' ? resolve(ctx.io.cwd, argv['template']) : undefined,
    outputDir: typeof argv['output'] === 'string' ? resolve(ctx.io.cwd, argv['output']) : ctx.io.cwd,
  }),
  async run(o, ctx) {
    const { packer, renderChecks } = await import('../build-run.js');
    const report = await (await packer()).planBuild({ iso: o.iso, templateDir: o.templateDir, outputDir: o.outputDir, env: ctx.io.env, signal: ctx.signal });
    if (ctx.flags.json) ctx.out.result(report);
    else ctx.out.text(renderChecks(report.checks));
    if (!report.ok) {
      const first = report.checks.find((c) => !c.ok && c.severity === 'error')!;
      throw new PrerequisiteError(`Build prerequisites missing: ${first.title}.`, { code: 'PREREQUISITES', hint: first.fix });
    }
  },
});
