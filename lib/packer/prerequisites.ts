/**
 * Host prerequisites for an ESXi image build (`maas-esxi doctor`, and `build` before it starts).
 * Every failed check names its fix. Sources: reference/packer.md §1.4 (FUSE vs nbd), §1.5
 * (packer-maas README), §3.1 (Packer versions and plugins), §3.4.5 (KVM), and the MAAS doc
 * (seed-how-to-manage-vmware-images.md: 4 cores, 8 GB RAM).
 */
import { constants, existsSync } from 'node:fs';
import { access, mkdir, open, stat, statfs } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { execa } from 'execa';
import { MaasAbortError, MaasError, PrerequisiteError } from '../errors/index.js';
import { findExecutable } from './find-executable.js';
import { inspectIso } from './iso-inspect.js';
import { detectPacker, compareVersions, PACKER_INSTALL_FIX, type PackerInstallation } from './packer-version.js';
import { BROKEN_QEMU_PLUGIN, installedQemuPluginVersions } from './qemu-plugin.js';
import { defaultTemplateDir } from './template-dir.js';
import { readTemplateInfo, type TemplateInfo } from './template-info.js';
import { STANDARD_VARIABLES } from './template-vars.js';

export interface PrerequisiteCheck {
  id: string;
  title: string;
  ok: boolean;
  severity: 'error' | 'warning';
  detail: string;
  fix?: string;
}

export interface PrerequisiteOptions {
  iso?: string;
  /** Default: our shipped template. */
  templateDir?: string;
  /** Where the image will be written. Default: the current directory. */
  outputDir?: string;
  /** Where the build directory (raw disk!) is created. Default: the OS temp dir. */
  workDir?: string;
  /** Raw disk size; default: read from the template, else 32 GiB (ESXi ≥ 8 needs 32 GB, §1.2). */
  diskSizeMiB?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface PrerequisiteReport {
  /** No failed check of severity `error`. */
  ok: boolean;
  checks: PrerequisiteCheck[];
  packer?: { path: string; version: string; needsPlugins: boolean };
  iso?: { volumeId: string; esxiVersion?: string; build?: string };
  template?: TemplateInfo;
}

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
const DEFAULT_DISK_MIB = 32 * 1024;
/** The MAAS doc asks for 8 GB RAM and 4 cores on the build host. */
const MIN_HOST_MEMORY_MIB = 8 * 1024;
const MIN_HOST_CPUS = 4;
const TMPFS_MAGIC = 0x01021994;

export async function checkPrerequisites(opts: PrerequisiteOptions = {}): Promise<PrerequisiteReport> {
  const env = opts.env ?? process.env;
  const signal = opts.signal;
  const checks: PrerequisiteCheck[] = [];
  const report: PrerequisiteReport = { ok: true, checks };
  const step = async (fn: () => Promise<void>): Promise<void> => {
    throwIfAborted(signal);
    await fn();
  };

  // Packer and, for ≥ 1.10, the qemu plugin.
  let packer: PackerInstallation | undefined;
  await step(async () => {
    try {
      packer = await detectPacker({ env, ...(signal ? { signal } : {}) });
      report.packer = { path: packer.path, version: packer.version, needsPlugins: packer.needsPlugins };
      const old = compareVersions(packer.version, '1.6.6') < 0;
      checks.push({
        id: 'packer',
        title: 'Packer',
        ok: !old,
        severity: 'warning',
        detail: `Packer ${packer.version} at ${packer.path}; ${packer.needsPlugins ? 'plugins are installed separately (≥ 1.10)' : 'qemu builder built in'}${old ? '; versions before 1.6.6 are untested (1.6.3–1.6.5 break IDE disks)' : ''}`,
        ...(old ? { fix: PACKER_INSTALL_FIX } : {}),
      });
    } catch (err) {
      if (isAbort(err, signal)) throw abortError(signal);
      checks.push({ id: 'packer', title: 'Packer', ok: false, severity: 'error', detail: messageOf(err), fix: PACKER_INSTALL_FIX });
    }
  });
  if (packer?.needsPlugins) {
    const p = packer;
    await step(async () => {
      const fix =
        'Install it while online: `packer plugins install github.com/hashicorp/qemu` (or `packer init <template dir>`); both download from GitHub (set PACKER_GITHUB_API_TOKEN if rate-limited). On an offline host copy ~/.config/packer/plugins from a machine that has it.';
      const versions = await installedQemuPluginVersions(p.path, env, signal).catch((err: unknown) => {
        if (isAbort(err, signal)) throw abortError(signal);
        return [] as string[];
      });
      const newest = versions[versions.length - 1];
      if (!newest) {
        checks.push({ id: 'qemu-plugin', title: 'Packer qemu plugin', ok: false, severity: 'error', detail: `Packer ${p.version} has no built-in qemu builder and no qemu plugin is installed`, fix });
      } else if (newest === BROKEN_QEMU_PLUGIN) {
        checks.push({
          id: 'qemu-plugin',
          title: 'Packer qemu plugin',
          ok: false,
          severity: 'error',
          detail: `qemu plugin ${newest} stops the VM right after the boot command when communicator = "none", so the ESXi installer never finishes (hashicorp/packer-plugin-qemu#197)`,
          fix: 'Install 1.1.3 or later: `packer plugins install github.com/hashicorp/qemu`, and remove 1.1.2 with `packer plugins remove github.com/hashicorp/qemu v1.1.2`.',
        });
      } else {
        checks.push({ id: 'qemu-plugin', title: 'Packer qemu plugin', ok: true, severity: 'error', detail: `installed: ${versions.join(', ')}` });
      }
    });
  }

  // qemu binaries.
  await step(async () => void checks.push(await binaryCheck('qemu-system', 'qemu-system-x86_64', env, 'sudo apt-get install --no-install-recommends qemu-system-x86')));
  await step(async () => void checks.push(await binaryCheck('qemu-img', 'qemu-img', env, 'sudo apt-get install qemu-utils')));

  // KVM: the template's accelerator = "kvm" needs /dev/kvm read-write (§1.2, PR #230).
  await step(async () => void checks.push(await kvmCheck()));

  // Template (ours by default) — it decides whether FUSE/nbd matter and the disk size.
  let template: TemplateInfo | undefined;
  const templateDir = opts.templateDir ?? defaultTemplateDir();
  await step(async () => {
    try {
      template = await readTemplateInfo(templateDir);
      report.template = template;
      const names = template.variables.map((v) => v.name);
      const isoVar = names.includes(STANDARD_VARIABLES.iso);
      checks.push({
        id: 'template',
        title: 'Packer template',
        ok: isoVar,
        severity: 'warning',
        detail: `${template.format === 'hcl2' ? 'HCL2' : 'JSON'} template in ${template.dir}; variables: ${names.join(', ') || '(none)'}`,
        ...(isoVar ? {} : { fix: `The template does not declare "${STANDARD_VARIABLES.iso}", so --iso cannot be passed to it; pass the ISO with --var NAME=PATH.` }),
      });
    } catch (err) {
      checks.push({ id: 'template', title: 'Packer template', ok: false, severity: 'error', detail: messageOf(err), fix: 'Pass --template DIR with a Packer template directory (e.g. a packer-maas vmware-esxi checkout).' });
    }
  });
  if (template?.needsPython) await step(async () => void checks.push(await binaryCheck('python3', 'python3', env, 'sudo apt-get install python3')));
  if (template?.needsMtools) {
    await step(async () => {
      const missing: string[] = [];
      for (const tool of ['mformat', 'mcopy']) if (!(await findExecutable(tool, env))) missing.push(tool);
      checks.push(
        missing.length === 0
          ? { id: 'mtools', title: 'mtools', ok: true, severity: 'error', detail: 'mformat and mcopy found (kickstart stick, files on the image\'s FAT partition)' }
          : { id: 'mtools', title: 'mtools', ok: false, severity: 'error', detail: `${missing.join(', ')} not found on PATH; the template writes FAT images with mtools`, fix: 'sudo apt-get install mtools' },
      );
    });
  }
  if (template?.needsFuse) await step(async () => void checks.push(await fuseCheck(env)));
  if (template?.needsNbd) await step(async () => void checks.push(await nbdCheck()));

  // The ISO.
  if (opts.iso !== undefined) {
    const isoPath = resolve(opts.iso);
    await step(async () => {
      try {
        const info = await inspectIso(isoPath);
        report.iso = { volumeId: info.volumeId, ...(info.esxiVersion ? { esxiVersion: info.esxiVersion } : {}), ...(info.build ? { build: info.build } : {}) };
        checks.push({
          id: 'iso',
          title: 'ESXi installer ISO',
          ok: info.isEsxi,
          severity: 'error',
          detail: info.isEsxi
            ? `${isoPath}: volume id ${info.volumeId}${info.esxiVersion ? `, ESXi ${info.esxiVersion}` : ''}${info.build ? ` build ${info.build}` : ''}`
            : `${isoPath}: volume id "${info.volumeId}" and its files (${info.rootEntries.slice(0, 8).join(', ') || 'none'}) do not look like an ESXi installer`,
          ...(info.isEsxi ? {} : { fix: 'Pass the VMware-VMvisor-Installer-*.x86_64.iso downloaded from Broadcom (a customised vendor ISO is fine).' }),
        });
      } catch (err) {
        checks.push({ id: 'iso', title: 'ESXi installer ISO', ok: false, severity: 'error', detail: messageOf(err), fix: (err as MaasError).hint ?? 'Pass --iso with a readable ESXi installer ISO.' });
      }
    });
  }

  // Disk space for the raw disk plus the compressed image.
  await step(async () => void checks.push(await diskCheck(opts, template)));

  // Host size (warnings).
  const vmMemory = Math.max(MIN_HOST_MEMORY_MIB, template?.memoryMiB ?? 0);
  const memMiB = Math.floor(totalmem() / MiB);
  checks.push({
    id: 'memory',
    title: 'Host memory',
    ok: memMiB >= vmMemory,
    severity: 'warning',
    detail: `${(memMiB / 1024).toFixed(1)} GiB; the build VM uses ${template?.memoryMiB ? `${template.memoryMiB} MiB` : '8 GiB'} and MAAS recommends 8 GB (16 GB better)`,
    ...(memMiB >= vmMemory ? {} : { fix: 'Build on a host with at least 8 GB of RAM (ESXi 8 refuses to install with less).' }),
  });
  const cpuCount = cpus().length;
  checks.push({
    id: 'cpus',
    title: 'Host CPUs',
    ok: cpuCount >= MIN_HOST_CPUS,
    severity: 'warning',
    detail: `${cpuCount} CPU(s); MAAS recommends 4 cores`,
    ...(cpuCount >= MIN_HOST_CPUS ? {} : { fix: 'Use a host with 4 or more cores; the installer is slower with fewer.' }),
  });

  report.ok = checks.every((c) => c.ok || c.severity !== 'error');
  return report;
}

/** Throw PrerequisiteError (code PREREQUISITES) when a check of severity `error` failed. */
export function assertPrerequisites(report: PrerequisiteReport): void {
  const failed = report.checks.filter((c) => !c.ok && c.severity === 'error');
  if (failed.length === 0) return;
  throw new PrerequisiteError(`${failed.length} build prerequisite(s) not met: ${failed.map((c) => c.title).join(', ')}`, {
    code: 'PREREQUISITES',
    body: failed.map((c) => `${c.title}: ${c.detail}`).join('\n'),
    hint: failed.map((c) => c.fix).filter(Boolean).join(' '),
  });
}

async function binaryCheck(id: string, name: string, env: NodeJS.ProcessEnv, fix: string): Promise<PrerequisiteCheck> {
  const path = await findExecutable(name, env);
  if (!path) return { id, title: name, ok: false, severity: 'error', detail: `${name} not found on PATH`, fix };
  const res = await execa(path, ['--version'], { reject: false, timeout: 15_000, stdin: 'ignore', env, extendEnv: false });
  const version = /(?:version\s+|^Python\s+)(\S+)/m.exec(String(res.stdout ?? ''))?.[1];
  return { id, title: name, ok: true, severity: 'error', detail: `${path}${version ? ` (${version})` : ''}` };
}

async function kvmCheck(): Promise<PrerequisiteCheck> {
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
}

async function fuseCheck(env: NodeJS.ProcessEnv): Promise<PrerequisiteCheck> {
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
  if (!fusermount) return { ...base, ok: false, detail: 'fusermount is not installed', fix: 'sudo apt-get install fuse3 (plus the template\'s tools: nbdkit, libnbd-bin, fusefat, fuse2fs, mtools).' };
  return { ...base, ok: true, detail: `/dev/fuse usable, ${fusermount}` };
}

async function nbdCheck(): Promise<PrerequisiteCheck> {
  const loaded = await stat('/sys/module/nbd').then(
    () => true,
    () => false,
  );
  return loaded
    ? { id: 'nbd', title: 'nbd kernel module', ok: true, severity: 'warning', detail: 'nbd module loaded' }
    : { id: 'nbd', title: 'nbd kernel module', ok: false, severity: 'warning', detail: 'the template uses qemu-nbd with /dev/nbd* but the nbd module is not loaded', fix: 'sudo modprobe nbd' };
}

async function diskCheck(opts: PrerequisiteOptions, template: TemplateInfo | undefined): Promise<PrerequisiteCheck> {
  const rawMiB = opts.diskSizeMiB ?? template?.diskSizeMiB ?? DEFAULT_DISK_MIB;
  const raw = rawMiB * MiB;
  // An installed ESXi compresses well (mostly zeros); a quarter of the raw size is a safe ceiling.
  const compressed = Math.ceil(raw / 4);
  const workDir = resolve(opts.workDir ?? tmpdir());
  const outputDir = resolve(opts.outputDir ?? process.cwd());
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

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

function isAbort(err: unknown, signal: AbortSignal | undefined): boolean {
  return !!signal?.aborted || (err as { isCanceled?: boolean })?.isCanceled === true;
}

function abortError(signal: AbortSignal | undefined): MaasAbortError {
  return new MaasAbortError('prerequisite check cancelled', { code: 'CANCELLED', cause: signal?.reason });
}
