/**
 * Pre-build step of our template: the kickstart USB stick. The template attaches
 * `var.kickstart_image` as USB storage and boots the installer with `ks=usb://ks.cfg`
 * (docs/packer.md); `scripts/build_kickstart_usb.py` renders KS.CFG for the ESXi
 * version and writes the FAT image with mtools, no root. The root password comes from
 * MAAS_ESXI_ROOT_PASSWORD in the environment (never a command-line argument, never logged).
 *
 * Runs only when the template copy has that script and declares `kickstart_image`, so other
 * templates (a packer-maas checkout builds usb.img with its Makefile) are untouched.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { PackerError } from '../errors/index.js';
import type { TemplateInfo } from './template-info.js';

const KICKSTART_SCRIPT = join('scripts', 'build_kickstart_usb.py');
export const KICKSTART_VARIABLE = 'kickstart_image';
export const ROOT_PASSWORD_ENV = 'MAAS_ESXI_ROOT_PASSWORD';

export function templateBuildsKickstart(template: TemplateInfo, cwd: string): boolean {
  return template.variables.some((v) => v.name === KICKSTART_VARIABLE) && existsSync(join(cwd, KICKSTART_SCRIPT));
}

interface KickstartOptions {
  cwd: string;
  /** Major.minor, e.g. `8.0` (what the script and the template's validation accept). */
  esxiVersion: string;
  env: NodeJS.ProcessEnv;
  /** A kickstart snippet file merged into ours (absolute path). */
  kickstartExtra?: string;
  signal?: AbortSignal;
}

/** Builds `<cwd>/usb.img`; returns its absolute path and the script's output lines. */
export async function buildKickstartImage(opts: KickstartOptions): Promise<{ image: string; output: string[] }> {
  const image = join(opts.cwd, 'usb.img');
  const args = [KICKSTART_SCRIPT, '--esxi-version', opts.esxiVersion, '--output', image, ...(opts.kickstartExtra ? ['--kickstart-extra', opts.kickstartExtra] : [])];
  const res = await execa('python3', args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 120_000,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  const output = `${String(res.stdout ?? '')}\n${String(res.stderr ?? '')}\n${res.exitCode === undefined && !res.signal ? String(res.originalMessage ?? '') : ''}`
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (res.isCanceled) throw new PackerError('kickstart image cancelled', { code: 'CANCELLED' });
  if (res.exitCode !== 0) {
    const text = output.join('\n');
    const missingTool = (res.exitCode === undefined && !res.signal) || /No such file or directory|command not found|ENOENT/.test(text);
    throw new PackerError(`could not build the kickstart image: ${output.find((l) => /ERROR/.test(l)) ?? output[output.length - 1] ?? `python3 exited with ${res.exitCode ?? res.signal}`}`, {
      code: 'KICKSTART_FAILED',
      body: text,
      hint: /password/i.test(text)
        ? `Set ${ROOT_PASSWORD_ENV} to a root password that meets ESXi's rules (length and character classes).`
        : missingTool
          ? 'Install python3 and mtools: `sudo apt-get install python3 mtools`.'
          : 'See the script output above.',
    });
  }
  return { image, output };
}

/** `8.0U3` → `8.0`, `6.7.0` → `6.7`. */
export function majorMinor(version: string): string | undefined {
  return /^(\d+\.\d+)/.exec(version)?.[1];
}
