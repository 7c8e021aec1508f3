/**
 * Finding and killing what a build leaves behind. Packer's plugins, shell-local scripts and
 * qemu share Packer's process group (docs/packer.md), but a script that ignores SIGINT
 * keeps running after Packer has "cleanly cancelled" (verified: `trap '' INT; sleep 30` outlives
 * Packer 1.6.6), and a daemonising helper (qemu-nbd --fork) leaves the group. So a process
 * belongs to the build when any of these hold: it is in Packer's session, its environment has our
 * marker variable, its cwd is inside the build directory, or its command line names it.
 * Linux only (/proc); elsewhere nothing is found.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { execa } from 'execa';

/** Set in Packer's environment; every descendant inherits it. */
export const BUILD_MARKER_ENV = 'MAAS_ESXI_BUILD_DIR';

interface BuildProcessMatch {
  /** Packer's pid: with `detached: true` it leads its own session and process group. */
  sessionId?: number;
  /** The build directory (marker value, cwd prefix, cmdline substring). */
  buildDir: string;
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
  state: string;
  command: string;
}

async function findBuildProcesses(match: BuildProcessMatch): Promise<ProcessInfo[]> {
  const names = await readdir('/proc').catch(() => [] as string[]);
  const marker = `${BUILD_MARKER_ENV}=${match.buildDir}\0`;
  const found: ProcessInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid || pid === 1) continue;
    const info = await readStat(pid);
    if (!info || info.state === 'Z' || info.state === 'X') continue;
    if (match.sessionId !== undefined && (info.session === match.sessionId || info.pgrp === match.sessionId)) {
      found.push(info);
      continue;
    }
    const environ = await readFile(`/proc/${pid}/environ`, 'latin1').catch(() => '');
    if (environ.includes(marker)) {
      found.push(info);
      continue;
    }
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cwd === match.buildDir || cwd.startsWith(match.buildDir + '/')) {
      found.push(info);
      continue;
    }
    if (info.command.includes(match.buildDir)) found.push(info);
  }
  return found;
}

/** SIGKILL every process of the build and wait (bounded) until they are gone. Returns what was killed. */
export async function killBuildProcesses(match: BuildProcessMatch, waitMs = 5000): Promise<ProcessInfo[]> {
  const killed: ProcessInfo[] = [];
  if (match.sessionId !== undefined) signalGroup(match.sessionId, 'SIGKILL');
  const deadline = Date.now() + waitMs;
  for (;;) {
    const procs = await findBuildProcesses(match);
    if (procs.length === 0 || Date.now() > deadline) break;
    for (const p of procs) {
      try {
        process.kill(p.pid, 'SIGKILL');
        if (!killed.some((k) => k.pid === p.pid)) killed.push(p);
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return killed;
}

/** Signal a whole process group; false when it no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Mount points at or below `dir` (e.g. packer-maas FUSE mounts left by a killed post-processor, docs/packer.md). */
async function mountsUnder(dir: string): Promise<{ mountPoint: string; fsType: string }[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const out: { mountPoint: string; fsType: string }[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    const mountPoint = unescapeMountPath(fields[4] ?? '');
    if (!mountPoint || sep < 0) continue;
    if (mountPoint === dir || mountPoint.startsWith(dir + '/')) out.push({ mountPoint, fsType: fields[sep + 1] ?? '' });
  }
  // Deepest first, so nested mounts come off before their parents.
  return out.sort((a, b) => b.mountPoint.length - a.mountPoint.length);
}

/** Lazily unmount everything below `dir`. Returns mount points that could not be unmounted. */
export async function unmountUnder(dir: string): Promise<string[]> {
  const failed: string[] = [];
  for (const m of await mountsUnder(dir)) {
    const attempts: [string, string[]][] = m.fsType.startsWith('fuse')
      ? [
          ['fusermount3', ['-u', '-z', m.mountPoint]],
          ['fusermount', ['-u', '-z', m.mountPoint]],
          ['umount', ['-l', m.mountPoint]],
        ]
      : [['umount', ['-l', m.mountPoint]]];
    let ok = false;
    for (const [cmd, args] of attempts) {
      const res = await execa(cmd, args, { reject: false, timeout: 10_000, stdin: 'ignore' });
      if (res.exitCode === 0) {
        ok = true;
        break;
      }
    }
    if (!ok) failed.push(m.mountPoint);
  }
  return failed;
}

async function readStat(pid: number): Promise<ProcessInfo | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'latin1').catch(() => '');
  // comm may contain spaces and parentheses: fields resume after the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = stat.slice(close + 2).split(' ');
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'latin1').catch(() => '');
  return {
    pid,
    state: rest[0] ?? '',
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    session: Number(rest[3]),
    command: cmdline.replaceAll('\0', ' ').trim() || stat.slice(stat.indexOf('(') + 1, close),
  };
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
