/**
 * The build prerequisites as a list of small named checks over what `planBuild` found once
 * (Packer, the template and what it needs, the ISO). `maas-esxi doctor` shows them all; `build`
 * and `startPackerBuild` refuse to start while a check of severity `error` fails. Every failed
 * check names its fix. Host sizes follow MAAS's "How to manage VMware images" (https://discourse.maas.io/t/-/3243: 4 cores, 8 GB RAM);
 * Packer versions and plugins, FUSE and the template's own needs are in docs/packer.md.
 */
import { constants, existsSync } from 'node:fs';
import { access, mkdir, open, stat, statfs } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { findExecutable } from './find-executable.js';
import type { IsoInfo } from './iso-inspect.js';
import { compareVersions, PACKER_INSTALL_FIX, type PackerInstallation } from './packer-version.js';
import { BROKEN_QEMU_PLUGIN, installedQemuPluginVersions } from './qemu-plugin.js';
import type { TemplateInfo } from './template-info.js';
import { describeMissing, makeCommand, type TemplateNeeds } from './template-needs.js';
import { STANDARD_VARIABLES } from './template-vars.js';
import { unmetVersionTerms } from './version-constraint.js';

export interface PrerequisiteCheck {
  id: string;
  title: string;
  ok: boolean;
  severity: 'error' | 'warning';
  detail: string;
  fix?: string;
}

/** What planBuild found, once; each check reads it and never probes again (except its own tool). */
export interface PlanFacts {
  env: NodeJS.ProcessEnv;
  signal: AbortSignal | undefined;
  packer?: PackerInstallation;
  packerError?: unknown;
  templateDir: string;
  template?: TemplateInfo;
  templateError?: unknown;
  needs?: TemplateNeeds;
  isoPath?: string;
  iso?: IsoInfo;
  isoError?: unknown;
  /** Template variables the build will pass (`--var`), e.g. an `accelerator` override. */
  vars: Record<string, string>;
  /** Make what the template needs and maas-esxi can make (usb.img). */
  prepare: boolean;
  outputDir: string;
  workDir: string;
  diskSizeMiB?: number;
}

type Check = (facts: PlanFacts) => Promise<PrerequisiteCheck | undefined> | PrerequisiteCheck | undefined;

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
const DEFAULT_DISK_MIB = 32 * 1024;
/** MAAS's VMware doc asks for 8 GB RAM and 4 cores on the build host. */
const MIN_HOST_MEMORY_MIB = 8 * 1024;
const MIN_HOST_CPUS = 4;
const TMPFS_MAGIC = 0x01021994;
const QEMU_PLUGIN_FIX =
  'Install it while online: `packer plugins install github.com/hashicorp/qemu` (or `packer init <template dir>`); both download from GitHub (set PACKER_GITHUB_API_TOKEN if rate-limited). On an offline host copy ~/.config/packer/plugins from a machine that has it.';

const packer: Check = ({ packer: p, packerError }) => {
  if (!p) return { id: 'packer', title: 'Packer', ok: false, severity: 'error', detail: messageOf(packerError), fix: PACKER_INSTALL_FIX };
  const old = compareVersions(p.version, '1.6.6') < 0;
  return {
    id: 'packer',
    title: 'Packer',
    ok: !old,
    severity: 'warning',
    detail: `Packer ${p.version} at ${p.path}; ${p.needsPlugins ? 'plugins are installed separately (≥ 1.10)' : 'qemu builder built in'}${old ? '; versions before 1.6.6 are untested (1.6.3–1.6.5 break IDE disks)' : ''}`,
    ...(old ? { fix: PACKER_INSTALL_FIX } : {}),
  };
};

/** Packer ≥ 1.10 bundles no qemu builder; plugin 1.1.2 never waits for the installer (packer-plugin-qemu#197). */
const qemuPlugin: Check = async ({ packer: p, env, signal }) => {
  if (!p?.needsPlugins) return undefined;
  const base = { id: 'qemu-plugin', title: 'Packer qemu plugin', severity: 'error' as const };
  const versions = await installedQemuPluginVersions(p.path, env, signal).catch(() => [] as string[]);
  const newest = versions[versions.length - 1];
  if (!newest) return { ...base, ok: false, detail: `Packer ${p.version} has no built-in qemu builder and no qemu plugin is installed`, fix: QEMU_PLUGIN_FIX };
  if (newest === BROKEN_QEMU_PLUGIN) {
    return {
      ...base,
      ok: false,
      detail: `qemu plugin ${newest} stops the VM right after the boot command when communicator = "none", so the ESXi installer never finishes (hashicorp/packer-plugin-qemu#197)`,
      fix: 'Install 1.1.3 or later: `packer plugins install github.com/hashicorp/qemu`, and remove 1.1.2 with `packer plugins remove github.com/hashicorp/qemu v1.1.2`.',
    };
  }
  return { ...base, ok: true, detail: `installed: ${versions.join(', ')}` };
};

/**
 * The template's `required_version`. For Packer < 1.10 the build directory drops `packer {}`
 * blocks (1.6.6 cannot parse `required_plugins`), so Packer never sees the constraint: checked
 * here instead of silently bypassed. Plugin-only files are left out whole on < 1.10 (they exist
 * for Packer ≥ 1.10, see build-dir.ts), so their constraint does not apply there.
 */
const requiredVersion: Check = ({ packer: p, template }) => {
  if (!p || !template) return undefined;
  const applicable = template.requiredVersions.filter((r) => p.needsPlugins || !r.pluginOnly);
  if (applicable.length === 0) return undefined;
  const base = { id: 'packer-version', title: 'Packer version the template requires', severity: 'error' as const };
  const unmet: string[] = [];
  for (const r of applicable) {
    try {
      if (unmetVersionTerms(p.version, r.constraint).length > 0) unmet.push(`required_version = "${r.constraint}" in ${r.file}`);
    } catch (err) {
      return { ...base, severity: 'warning', ok: false, detail: `${messageOf(err)} (${r.file}); Packer will judge it`, fix: 'Check the required_version syntax (e.g. ">= 1.7.0").' };
    }
  }
  if (unmet.length === 0) return { ...base, ok: true, detail: `Packer ${p.version} meets ${applicable.map((r) => `"${r.constraint}"`).join(', ')}` };
  return {
    ...base,
    ok: false,
    detail: `Packer ${p.version} does not meet ${unmet.join('; ')}`,
    fix: `Install a Packer that does (https://developer.hashicorp.com/packer/install) and point PACKER_PATH at it; Packer ≥ 1.10 also needs the qemu plugin (\`packer init ${template.dir}\`).`,
  };
};

const qemuSystem: Check = (f) => (usesQemu(f) ? binaryCheck('qemu-system', 'qemu-system-x86_64', f.env, 'sudo apt-get install --no-install-recommends qemu-system-x86') : undefined);
const qemuImg: Check = (f) => (usesQemu(f) ? binaryCheck('qemu-img', 'qemu-img', f.env, 'sudo apt-get install qemu-utils') : undefined);

/** `accelerator = "kvm"` (packer-maas, ours) or `-enable-kvm`/`-cpu host` need /dev/kvm read-write. */
const kvm: Check = async (f) => {
  if (!needsKvm(f)) return undefined;
  const base = { id: 'kvm', title: '/dev/kvm', severity: 'error' as const };
  try {
    const fh = await open('/dev/kvm', 'r+');
    await fh.close();
    return { ...base, ok: true, detail: '/dev/kvm is usable (read-write)' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return {
        ...base,
        ok: false,
        detail: 'no /dev/kvm: hardware virtualisation is off, the kvm module is not loaded, or this is a VM without nested virtualisation',
        fix: 'Enable VT-x/AMD-V in the firmware (or nested virtualisation for a VM), then `sudo modprobe kvm_intel` or `sudo modprobe kvm_amd`.',
      };
    }
    return { ...base, ok: false, detail: `/dev/kvm exists but cannot be opened read-write (${code ?? messageOf(err)})`, fix: 'Add yourself to the kvm group: `sudo usermod -aG kvm $USER`, then log in again.' };
  }
};

const template: Check = ({ template: t, templateError }) => {
  if (!t) return { id: 'template', title: 'Packer template', ok: false, severity: 'error', detail: messageOf(templateError), fix: 'Pass --template DIR with a Packer template directory (e.g. a packer-maas vmware-esxi checkout).' };
  const names = t.variables.map((v) => v.name);
  const isoVar = names.includes(STANDARD_VARIABLES.iso);
  return {
    id: 'template',
    title: 'Packer template',
    ok: isoVar,
    severity: 'warning',
    detail: `${t.format === 'hcl2' ? 'HCL2' : 'JSON'} template in ${t.dir}; variables: ${names.join(', ') || '(none)'}`,
    ...(isoVar ? {} : { fix: `The template does not declare "${STANDARD_VARIABLES.iso}", so --iso cannot be passed to it; pass the ISO with --var NAME=PATH.` }),
  };
};

/**
 * Files the template reads that are not there (packer-maas: usb.img and scripts.tar.xz, made by
 * its Makefile; ../scripts/fuse-nbd, there only inside a checkout). One check, one fix naming
 * the exact command.
 */
const templateFiles: Check = ({ template: t, needs, prepare }) => {
  if (!t || !needs || needs.files.length === 0) return undefined;
  const base = { id: 'template-files', title: 'Files the template needs', severity: 'error' as const };
  const missing = needs.files.filter((n) => !n.exists);
  const prepared = missing.filter((n) => prepare && n.fatImage);
  const toMake = missing.filter((n) => n.makeRule && !prepared.includes(n));
  const lost = missing.filter((n) => !n.makeRule && !prepared.includes(n));
  const present = needs.files.filter((n) => n.exists).map((n) => n.path);
  const madeHere = prepared.map((n) => `${n.path} (maas-esxi makes it from ${n.fatImage!.files.join(', ')} with mtools)`);
  if (toMake.length === 0 && lost.length === 0) {
    return { ...base, ok: true, detail: [present.length ? `present: ${present.join(', ')}` : '', ...madeHere].filter(Boolean).join('; ') };
  }
  const describe = (n: (typeof missing)[number]): string =>
    `${describeMissing(t, n)} (referenced by ${n.referencedBy}${n.makeRule ? `; made by the Makefile${n.makeRule.needsNetwork ? ', downloading' : ''}` : ''})`;
  const fixes: string[] = [];
  if (toMake.length > 0) {
    const tools = [...new Set(toMake.flatMap((n) => n.makeRule!.tools))];
    const online = toMake.filter((n) => n.makeRule!.needsNetwork).map((n) => n.path);
    fixes.push(
      `Run \`${makeCommand(t, toMake.map((n) => n.path))}\`${tools.length ? ` (its recipes run ${tools.join(', ')}` : ''}${online.length ? `${tools.length ? '; ' : ' ('}${online.join(', ')} needs network access for pip` : ''}${tools.length || online.length ? ')' : ''}.`,
    );
    const preparable = toMake.filter((n) => n.fatImage).map((n) => n.path);
    if (preparable.length > 0) fixes.push(`Or let maas-esxi make ${preparable.join(', ')} itself (no root, no network): add --prepare (SDK: prepare: true).`);
  }
  if (lost.length > 0) fixes.push(`Restore ${lost.map((n) => describeMissing(t, n)).join(', ')}: use the template from a complete checkout (packer-maas templates source ../scripts/ from the repository root).`);
  return { ...base, ok: false, detail: `missing: ${[...toMake, ...lost].map(describe).join('; ')}`, fix: fixes.join(' ') };
};

/** Programs the template's post-processing scripts run (packer-maas fuse-nbd: qemu-nbd, nbdkit, nbdfuse, fusefat…). */
const templateTools: Check = async ({ needs, env }) => {
  if (!needs || needs.tools.length === 0) return undefined;
  const base = { id: 'template-tools', title: 'Programs the template runs', severity: 'error' as const };
  const missing: typeof needs.tools = [];
  for (const tool of needs.tools) if (!(await findExecutable(tool.name, env))) missing.push(tool);
  if (missing.length === 0) return { ...base, ok: true, detail: `found: ${needs.tools.map((x) => x.name).join(', ')}` };
  const packages = [...new Set(missing.map((x) => x.debianPackage))];
  return {
    ...base,
    ok: false,
    detail: `not on PATH: ${missing.map((x) => `${x.name} (run by ${x.usedBy})`).join(', ')}`,
    fix: `sudo apt-get install ${packages.join(' ')}`,
  };
};

const python: Check = (f) => (f.template?.needsPython ? binaryCheck('python3', 'python3', f.env, 'sudo apt-get install python3') : undefined);

/** mformat/mcopy: our kickstart stick and curtin hook install, packer-maas's usb.img (and --prepare). */
const mtools: Check = async ({ template: t, needs, prepare, env }) => {
  const forPrepare = prepare && !!needs?.files.some((n) => !n.exists && n.fatImage);
  if (!t?.needsMtools && !forPrepare) return undefined;
  const missing: string[] = [];
  for (const tool of ['mformat', 'mcopy']) if (!(await findExecutable(tool, env))) missing.push(tool);
  return missing.length === 0
    ? { id: 'mtools', title: 'mtools', ok: true, severity: 'error', detail: "mformat and mcopy found (FAT images: kickstart stick, the image's boot partition)" }
    : { id: 'mtools', title: 'mtools', ok: false, severity: 'error', detail: `${missing.join(', ')} not found on PATH; the template writes FAT images with mtools`, fix: 'sudo apt-get install mtools' };
};

const fuse: Check = async ({ template: t, needs, env }) => {
  if (!t?.needsFuse) return undefined;
  const base = { id: 'fuse', title: '/dev/fuse', severity: 'warning' as const };
  const fusermount = (await findExecutable('fusermount3', env)) ?? (await findExecutable('fusermount', env));
  try {
    await access('/dev/fuse', constants.R_OK | constants.W_OK);
  } catch (err) {
    return {
      ...base,
      ok: false,
      detail: `the template mounts the disk through FUSE (packer-maas fuse-nbd) but /dev/fuse is not usable (${(err as NodeJS.ErrnoException).code ?? messageOf(err)})`,
      fix: 'Load FUSE (`sudo modprobe fuse`); in an LXD container pass /dev/fuse through. The post-processor will fail without it.',
    };
  }
  // When the template's scripts run fusermount, `template-tools` already names it (as an error).
  if (!fusermount && !needs?.tools.some((x) => x.name === 'fusermount')) return { ...base, ok: false, detail: 'fusermount is not installed', fix: "sudo apt-get install fuse3 (plus the template's tools: nbdkit, libnbd-bin, fusefat, fuse2fs, mtools)." };
  return { ...base, ok: true, detail: `/dev/fuse usable${fusermount ? `, ${fusermount}` : ''}` };
};

const nbd: Check = async ({ template: t }) => {
  if (!t?.needsNbd) return undefined;
  const loaded = await stat('/sys/module/nbd').then(
    () => true,
    () => false,
  );
  return loaded
    ? { id: 'nbd', title: 'nbd kernel module', ok: true, severity: 'warning', detail: 'nbd module loaded' }
    : { id: 'nbd', title: 'nbd kernel module', ok: false, severity: 'warning', detail: 'the template uses qemu-nbd with /dev/nbd* but the nbd module is not loaded', fix: 'sudo modprobe nbd' };
};

const iso: Check = ({ isoPath, iso: info, isoError }) => {
  if (isoPath === undefined) return undefined;
  const base = { id: 'iso', title: 'ESXi installer ISO', severity: 'error' as const };
  if (!info) return { ...base, ok: false, detail: messageOf(isoError), fix: (isoError as { hint?: string } | undefined)?.hint ?? 'Pass --iso with a readable ESXi installer ISO.' };
  if (!info.isEsxi) {
    return {
      ...base,
      ok: false,
      detail: `${isoPath}: volume id "${info.volumeId}" and its files (${info.rootEntries.slice(0, 8).join(', ') || 'none'}) do not look like an ESXi installer`,
      fix: 'Pass the VMware-VMvisor-Installer-*.x86_64.iso downloaded from Broadcom (a customised vendor ISO is fine).',
    };
  }
  return { ...base, ok: true, detail: `${isoPath}: volume id ${info.volumeId}${info.esxiVersion ? `, ESXi ${info.esxiVersion}` : ''}${info.build ? ` build ${info.build}` : ''}` };
};

/** Free space for the raw disk plus the compressed image (only qemu templates make a raw disk). */
const disk: Check = async (f) => {
  if (f.diskSizeMiB === undefined && !usesQemu(f)) return undefined;
  const raw = (f.diskSizeMiB ?? f.template?.diskSizeMiB ?? DEFAULT_DISK_MIB) * MiB;
  // An installed ESXi compresses well (mostly zeros); a quarter of the raw size is a safe ceiling.
  const compressed = Math.ceil(raw / 4);
  const { workDir, outputDir } = f;
  const base = { id: 'disk', title: 'Free disk space', severity: 'error' as const };
  try {
    await mkdir(workDir, { recursive: true });
    const [work, out, workSt, outSt] = await Promise.all([statfs(workDir), statfs(existingAncestor(outputDir)), stat(workDir), stat(existingAncestor(outputDir))]);
    const workFree = work.bavail * work.bsize;
    const outFree = out.bavail * out.bsize;
    const sameFs = workSt.dev === outSt.dev;
    const needWork = raw + compressed;
    const problems: string[] = [];
    if (workFree < needWork) problems.push(`${workDir} has ${fmt(workFree)} free, the raw disk (${fmt(raw)}) plus the compressed image (up to ${fmt(compressed)}) need ${fmt(needWork)}`);
    if (!sameFs && outFree < compressed) problems.push(`${outputDir} has ${fmt(outFree)} free, the image needs up to ${fmt(compressed)}`);
    const tmpfs = work.type === TMPFS_MAGIC ? `; ${workDir} is a tmpfs (RAM)` : '';
    if (problems.length > 0) {
      return { ...base, ok: false, detail: problems.join('; ') + tmpfs, fix: 'Free some space, or build elsewhere: --output DIR for the image and TMPDIR (or workDir) for the build directory.' };
    }
    return { ...base, ok: true, detail: `${fmt(workFree)} free in ${workDir}${sameFs ? '' : `, ${fmt(outFree)} in ${outputDir}`}; need ${fmt(needWork)} (raw ${fmt(raw)} + image)${tmpfs}` };
  } catch (err) {
    return { ...base, ok: false, detail: `cannot measure free space: ${messageOf(err)}`, fix: 'Check that the output and temp directories exist and are accessible.' };
  }
};

const memory: Check = ({ template: t }) => {
  const memMiB = Math.floor(totalmem() / MiB);
  return advice(
    'memory',
    'Host memory',
    memMiB >= Math.max(MIN_HOST_MEMORY_MIB, t?.memoryMiB ?? 0),
    `${(memMiB / 1024).toFixed(1)} GiB; the build VM uses ${t?.memoryMiB ? `${t.memoryMiB} MiB` : '8 GiB'} and MAAS recommends 8 GB (16 GB better)`,
    'Build on a host with at least 8 GB of RAM (ESXi 8 refuses to install with less).',
  );
};

const hostCpus: Check = () => {
  const count = cpus().length;
  return advice('cpus', 'Host CPUs', count >= MIN_HOST_CPUS, `${count} CPU(s); MAAS recommends 4 cores`, 'Use a host with 4 or more cores; the installer is slower with fewer.');
};

/** A warning-level check: the fix is shown only when it failed. */
function advice(id: string, title: string, ok: boolean, detail: string, fix: string): PrerequisiteCheck {
  return { id, title, ok, severity: 'warning', detail, ...(ok ? {} : { fix }) };
}

/** In the order `doctor` shows them. */
export const PREREQUISITE_CHECKS: readonly Check[] = [
  packer,
  qemuPlugin,
  requiredVersion,
  qemuSystem,
  qemuImg,
  kvm,
  template,
  templateFiles,
  templateTools,
  python,
  mtools,
  fuse,
  nbd,
  iso,
  disk,
  memory,
  hostCpus,
];

/** A template we could not read is assumed to be an ESXi build, i.e. qemu. */
function usesQemu(f: PlanFacts): boolean {
  return f.template?.usesQemu ?? true;
}

function needsKvm(f: PlanFacts): boolean {
  const t = f.template;
  if (!t) return true;
  if (!t.usesQemu) return false;
  const accel = t.accelerator;
  const value = (accel?.variable ? f.vars[accel.variable] : undefined) ?? accel?.value;
  return value === 'kvm' || t.qemuArgsNeedKvm;
}

async function binaryCheck(id: string, name: string, env: NodeJS.ProcessEnv, fix: string): Promise<PrerequisiteCheck> {
  const path = await findExecutable(name, env);
  if (!path) return { id, title: name, ok: false, severity: 'error', detail: `${name} not found on PATH`, fix };
  const res = await execa(path, ['--version'], { reject: false, timeout: 15_000, stdin: 'ignore', env, extendEnv: false });
  const version = /(?:version\s+|^Python\s+)(\S+)/m.exec(String(res.stdout ?? ''))?.[1];
  return { id, title: name, ok: true, severity: 'error', detail: `${path}${version ? ` (${version})` : ''}` };
}

function existingAncestor(dir: string): string {
  // statfs needs an existing path; the output directory may be created later.
  let d = dir;
  while (!existsSync(d)) {
    const up = resolve(d, '..');
    if (up === d) break;
    d = up;
  }
  return d;
}

function fmt(bytes: number): string {
  return bytes >= GiB ? `${(bytes / GiB).toFixed(1)} GiB` : `${Math.ceil(bytes / MiB)} MiB`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
