/**
 * Is the qemu plugin installed for Packer ≥ 1.10 (which bundles no HashiCorp plugins,
 * docs/packer.md)? Installed plugins are files named
 * `…/github.com/hashicorp/qemu/packer-plugin-qemu_v1.1.3_x5.0_linux_amd64`.
 */
import { readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { compareVersions } from './packer-version.js';

const PLUGIN_FILE = /packer-plugin-qemu_v(\d+\.\d+\.\d+[^_\s]*)_x\d/;

/** Versions found in `packer plugins installed` output (one path per line). */
export function parseInstalledQemuPlugins(output: string): string[] {
  const versions = new Set<string>();
  for (const line of output.split('\n')) {
    const m = PLUGIN_FILE.exec(line);
    if (m?.[1]) versions.add(m[1]);
  }
  return [...versions].sort(compareVersions);
}

export async function installedQemuPluginVersions(packerPath: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string[]> {
  const res = await execa(packerPath, ['plugins', 'installed'], {
    env: { ...env, CHECKPOINT_DISABLE: env['CHECKPOINT_DISABLE'] ?? '1' },
    extendEnv: false,
    reject: false,
    timeout: 30_000,
    stdin: 'ignore',
    ...(signal ? { cancelSignal: signal } : {}),
  });
  if (res.exitCode === 0) return parseInstalledQemuPlugins(String(res.stdout ?? ''));
  // Older 1.7.x builds lack `plugins installed`: look in the plugin directories instead.
  return parseInstalledQemuPlugins((await listPluginFiles(env)).join('\n'));
}

async function listPluginFiles(env: NodeJS.ProcessEnv): Promise<string[]> {
  const home = env['HOME'] ?? homedir();
  const roots = [
    ...(env['PACKER_PLUGIN_PATH'] ?? '').split(delimiter).filter(Boolean),
    ...(env['PACKER_CONFIG_DIR'] ? [join(env['PACKER_CONFIG_DIR'], 'plugins'), join(env['PACKER_CONFIG_DIR'], '.packer.d', 'plugins')] : []),
    join(home, '.config', 'packer', 'plugins'),
    join(home, '.packer.d', 'plugins'),
  ];
  const out: string[] = [];
  for (const root of roots) await walk(root, 5, out);
  return out;
}

async function walk(dir: string, depth: number, out: string[]): Promise<void> {
  if (depth < 0) return;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, depth - 1, out);
    else out.push(p);
  }
}

/** 1.1.2 stops waiting for a `communicator = "none"` guest to power off (packer-plugin-qemu#197, docs/packer.md). */
export const BROKEN_QEMU_PLUGIN = '1.1.2';
