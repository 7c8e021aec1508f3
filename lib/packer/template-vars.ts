/**
 * Turn our build inputs into `-var name=value` arguments for a given template.
 *
 * Packer rejects a `-var` the template does not declare ("Undefined -var variable",
 * docs/packer.md), so only declared names are passed. Our template uses packer-maas's
 * names (`vmware_esxi_iso_path`, `timeout`, docs/packer.md), so ours and a packer-maas checkout are driven
 * the same way; anything else comes from `vars` (the CLI's `--var k=v`).
 */
import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { PackerError } from '../errors/index.js';
import type { TemplateInfo } from './template-info.js';

/** Our inputs → the template variable that receives them (when the template declares it). */
export const STANDARD_VARIABLES = {
  iso: 'vmware_esxi_iso_path',
  timeout: 'timeout',
  esxiVersion: 'esxi_version',
} as const;

interface TemplateVarInputs {
  iso?: string;
  timeout?: string;
  esxiVersion?: string;
  vars?: Record<string, string>;
  /** Directory that relative paths in inputs are relative to (the caller's cwd). */
  cwd?: string;
}

interface ResolvedTemplateVars {
  vars: Record<string, string>;
  /** Inputs the template has no variable for (told to the user as 'log' events). */
  notes: string[];
}

/** Throws PackerError UNDECLARED_VARIABLE / MISSING_VARIABLE before Packer runs. */
export function resolveTemplateVars(template: TemplateInfo, inputs: TemplateVarInputs): ResolvedTemplateVars {
  const cwd = inputs.cwd ?? process.cwd();
  const declared = new Set(template.variables.map((v) => v.name));
  const declaredList = [...declared].sort().join(', ') || '(none)';
  const out: Record<string, string> = {};
  const notes: string[] = [];

  const standard: [keyof typeof STANDARD_VARIABLES, string | undefined][] = [
    // Packer resolves relative paths against its own cwd, the build directory: pass absolute paths.
    ['iso', inputs.iso === undefined ? undefined : resolve(cwd, inputs.iso)],
    ['timeout', inputs.timeout],
    ['esxiVersion', inputs.esxiVersion],
  ];
  for (const [input, value] of standard) {
    if (value === undefined) continue;
    const name = STANDARD_VARIABLES[input];
    if (declared.has(name)) out[name] = value;
    else notes.push(`the template declares no variable "${name}", so ${input} is not passed to it (declared: ${declaredList})`);
  }

  for (const [name, value] of Object.entries(inputs.vars ?? {})) {
    if (!declared.has(name)) {
      throw new PackerError(`the template in ${template.dir} does not declare variable "${name}"`, {
        code: 'UNDECLARED_VARIABLE',
        body: `declared variables: ${declaredList}`,
        hint: `Packer rejects undeclared -var values. Use one of: ${declaredList}.`,
      });
    }
    out[name] = absolutisePath(value, cwd);
  }

  if (!template.hasAutoVarFiles) {
    const missing = template.variables.filter((v) => !v.hasDefault && out[v.name] === undefined).map((v) => v.name);
    if (missing.length > 0) {
      const how = missing.map((n) => (n === STANDARD_VARIABLES.iso ? `--iso PATH` : `--var ${n}=VALUE`)).join(', ');
      throw new PackerError(`the template needs a value for ${missing.map((n) => `"${n}"`).join(', ')}`, {
        code: 'MISSING_VARIABLE',
        hint: `Pass ${how}.`,
      });
    }
  }
  return { vars: out, notes };
}

/** `-var` arguments in a stable order. */
export function varArgs(vars: Record<string, string>): string[] {
  return Object.keys(vars)
    .sort()
    .flatMap((k) => ['-var', `${k}=${vars[k]}`]);
}

/**
 * Values written as explicit relative paths (`./x`, `../x`, `~/x`) are made absolute, because
 * Packer runs in the build directory. Other values pass unchanged: guessing that `esxi` is a
 * path because a file of that name exists would be worse.
 */
function absolutisePath(value: string, cwd: string): string {
  if (value.startsWith('~/')) return resolve(homedir(), value.slice(2));
  if ((value.startsWith('./') || value.startsWith('../')) && !isAbsolute(value)) return resolve(cwd, value);
  return value;
}
