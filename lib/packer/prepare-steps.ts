/**
 * Steps of a build's preparation that need no state of the running build: the template's
 * variables, where the console log lands, and the environment Packer runs in (docs/packer.md).
 */
import { isAbsolute, join, resolve } from 'node:path';
import { PackerError } from '../errors/index.js';
import type { BuildPlan } from './build-plan.js';
import type { BuildDir } from './build-dir.js';
import { majorMinor } from './kickstart.js';
import { BUILD_MARKER_ENV } from './leftovers.js';
import type { TemplateInfo } from './template-info.js';
import { resolveTemplateVars, STANDARD_VARIABLES } from './template-vars.js';
import type { BuildOptions } from './build-options.js';

/** Our template's variable for the serial console file (`-serial file:…`). */
const SERIAL_LOG_VARIABLE = 'serial_log';

/**
 * The `-var` values: the options, and the template's esxi_version (and our kickstart's) as
 * major.minor — from the option, else what the plan read from the ISO's volume id / BOOT.CFG.
 */
export function templateVarsFor(plan: BuildPlan, opts: BuildOptions, log: (line: string) => void): Record<string, string> {
  const template = plan.template!;
  const declared = new Set(template.variables.map((v) => v.name));
  let esxiVersion = opts.esxiVersion === undefined ? undefined : (majorMinor(opts.esxiVersion) ?? opts.esxiVersion);
  if (esxiVersion === undefined && declared.has(STANDARD_VARIABLES.esxiVersion) && opts.vars?.[STANDARD_VARIABLES.esxiVersion] === undefined) {
    const detected = plan.iso?.esxiVersion;
    esxiVersion = detected === undefined ? undefined : majorMinor(detected);
    log(esxiVersion ? `ESXi ${detected} detected on the ISO: ${STANDARD_VARIABLES.esxiVersion}=${esxiVersion}` : "could not read the ESXi version from the ISO; the template's default applies");
  }
  const { vars, notes } = resolveTemplateVars(template, {
    iso: opts.iso,
    ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}),
    ...(esxiVersion !== undefined ? { esxiVersion } : {}),
    ...(opts.vars ? { vars: opts.vars } : {}),
  });
  for (const note of notes) log(note);
  return vars;
}

/**
 * Console: the option; else our template's serial_log variable, pointed into the build dir
 * (set in `vars`); else a literal -serial file: path; else the usual names.
 */
export function consoleFiles(opts: BuildOptions, template: TemplateInfo, vars: Record<string, string>, dir: BuildDir): string[] {
  if (template.variables.some((v) => v.name === SERIAL_LOG_VARIABLE) && vars[SERIAL_LOG_VARIABLE] === undefined) {
    vars[SERIAL_LOG_VARIABLE] = opts.consoleLog ? resolve(dir.cwd, opts.consoleLog) : join(dir.cwd, 'serial.log');
  }
  return [opts.consoleLog, vars[SERIAL_LOG_VARIABLE], template.consoleLog, 'serial.log', 'console.log']
    .filter((p): p is string => !!p)
    .map((p) => (isAbsolute(p) ? p : join(dir.cwd, p)));
}

/**
 * Packer's environment. Its debug log: the user's if they enabled it (then on stderr or in their
 * PACKER_LOG_PATH); otherwise ours, in the build dir, so a failure can quote qemu's own stderr
 * instead of "Please run with PACKER_LOG=1", and templates with `-serial stdio` still get a
 * console (docs/packer.md).
 */
export function packerEnvironment(env: NodeJS.ProcessEnv, dir: BuildDir, vars: Record<string, string>, iso: string): { env: NodeJS.ProcessEnv; debugLog: string | undefined } {
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    CHECKPOINT_DISABLE: env['CHECKPOINT_DISABLE'] ?? '1', // no call home; offline hosts (docs/packer.md)
    TMPDIR: dir.tmp, // Packer's shell scripts and packer-maas FUSE mounts land in the build dir (docs/packer.md)
    PACKER_TMP_DIR: dir.tmp,
    [BUILD_MARKER_ENV]: dir.root,
    ...(vars[STANDARD_VARIABLES.iso] !== undefined ? { VMWARE_ESXI_ISO_PATH: resolve(iso) } : {}),
  };
  const userLog = !!env['PACKER_LOG'] && env['PACKER_LOG'] !== '0';
  const debugLog = userLog ? undefined : join(dir.root, 'packer.log');
  if (debugLog) {
    childEnv['PACKER_LOG'] = '1';
    childEnv['PACKER_LOG_PATH'] = debugLog;
  }
  return { env: childEnv, debugLog };
}

/** A plan made for another ISO, template or directory must not drive this build. */
export function assertPlanFits(plan: BuildPlan, opts: BuildOptions): void {
  const differs: string[] = [];
  if (plan.isoPath !== resolve(opts.iso)) differs.push(`ISO ${plan.isoPath ?? '(none)'}`);
  if (plan.template && opts.templateDir !== undefined && plan.template.dir !== resolve(opts.templateDir)) differs.push(`template ${plan.template.dir}`);
  if (opts.outputDir !== undefined && plan.outputDir !== resolve(opts.outputDir)) differs.push(`output ${plan.outputDir}`);
  if (opts.prepare && opts.plan && plan.preparations.length === 0 && plan.needs?.files.some((n) => !n.exists && n.fatImage)) differs.push('made without prepare');
  if (differs.length > 0) {
    throw new PackerError(`the build plan was made for other inputs: ${differs.join(', ')}`, {
      code: 'PLAN_MISMATCH',
      hint: 'Pass planBuild the same iso, templateDir, outputDir and prepare as startPackerBuild.',
    });
  }
}
