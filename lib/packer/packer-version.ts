/**
 * Which Packer is installed, and what that implies (docs/packer.md):
 * - < 1.7: qemu built in, no `packer init`, `packer {}` may not hold `required_plugins` (Debian 1.6.6);
 * - 1.7–1.9: `required_plugins` understood, qemu still bundled;
 * - ≥ 1.10: no HashiCorp plugins in the binary — the qemu plugin must be installed.
 */
import { execa } from 'execa';
import { PackerError } from '../errors/index.js';
import { findExecutable } from './find-executable.js';
import { parseMachineReadableLine } from './machine-readable.js';

export interface PackerInstallation {
  path: string;
  version: string;
  /** ≥ 1.10: the qemu builder is a separately installed plugin. */
  needsPlugins: boolean;
  /** ≥ 1.7: `packer {}` blocks may hold `required_plugins`, `packer init` exists. */
  supportsRequiredPlugins: boolean;
}

/** `PACKER_PATH` (a file or a name on PATH) wins over `packer` on PATH. */
async function findPacker(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const override = env['PACKER_PATH'];
  if (override) return findExecutable(override, env);
  return findExecutable('packer', env);
}

/** Parse `packer -machine-readable version` (docs/packer.md), falling back to the `Packer v1.6.6` ui line. */
export function parsePackerVersionOutput(stdout: string): string | undefined {
  let fromUi: string | undefined;
  for (const line of stdout.split('\n')) {
    const ev = parseMachineReadableLine(line);
    if (ev?.type === 'version' && ev.key === 'version' && ev.value) return ev.value.replace(/^v/, '');
    if (ev?.type === 'ui') fromUi ??= /Packer v(\d+\.\d+\.\d+\S*)/.exec(ev.text)?.[1];
    if (!ev) fromUi ??= /Packer v(\d+\.\d+\.\d+\S*)/.exec(line)?.[1];
  }
  return fromUi;
}

/** Compare dotted versions numerically (`1.10.0` > `1.6.6`); pre-release suffixes are ignored. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).slice(0, 3).map((x) => parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).slice(0, 3).map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function describePackerVersion(path: string, version: string): PackerInstallation {
  return {
    path,
    version,
    needsPlugins: compareVersions(version, '1.10.0') >= 0,
    supportsRequiredPlugins: compareVersions(version, '1.7.0') >= 0,
  };
}

/** Find Packer and ask it for its version. Throws PackerError (code PACKER_NOT_FOUND / PACKER_VERSION). */
export async function detectPacker(opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<PackerInstallation> {
  const env = opts.env ?? process.env;
  const path = await findPacker(env);
  if (!path) {
    throw new PackerError(env['PACKER_PATH'] ? `PACKER_PATH=${env['PACKER_PATH']} is not an executable file` : 'packer was not found on PATH', {
      code: 'PACKER_NOT_FOUND',
      hint: PACKER_INSTALL_FIX,
    });
  }
  const res = await execa(path, ['-machine-readable', 'version'], {
    env: { ...env, CHECKPOINT_DISABLE: env['CHECKPOINT_DISABLE'] ?? '1' },
    extendEnv: false,
    reject: false,
    timeout: 30_000,
    stdin: 'ignore',
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  const version = parsePackerVersionOutput(String(res.stdout ?? ''));
  if (!version) {
    throw new PackerError(`could not read the version of ${path}`, {
      code: 'PACKER_VERSION',
      body: `${String(res.stdout ?? '')}\n${String(res.stderr ?? '')}`.trim(),
      hint: `Check that ${path} runs: \`${path} version\`.`,
    });
  }
  return describePackerVersion(path, version);
}

export const PACKER_INSTALL_FIX =
  'Install Packer: `sudo apt-get install packer` (Debian/Ubuntu archive, 1.6.6 — works as is) or HashiCorp\'s build from https://developer.hashicorp.com/packer/install (≥ 1.10 then needs the qemu plugin); or point PACKER_PATH at the binary.';
