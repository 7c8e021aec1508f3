/**
 * Does a file look like a VMware ESXi installer ISO, and which version?
 *
 * Reads only a few sectors with positioned reads (ISOs are GBs): the ISO 9660 primary volume
 * descriptor at byte 32768 (ECMA-119 §8.4: "CD001" at 1, volume id at 40, 32 bytes; root
 * directory record at 156), the root directory, and BOOT.CFG if present. ESXi ISOs have volume
 * ids like `ESXI-8.0U3-24022510-STANDARD` and a root with BOOT.CFG, B.B00, MBOOT.C32, EFI/;
 * BOOT.CFG has `title=Loading ESXi … installer` and `build=7.0.0-1.25.16324942`.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { PrerequisiteError } from '../errors/index.js';

const SECTOR = 2048;
const PVD_OFFSET = 16 * SECTOR;
/** Directories larger than this are not plausible for an installer root; don't read more. */
const MAX_DIR_BYTES = 256 * 1024;
const MAX_BOOT_CFG_BYTES = 64 * 1024;

export interface IsoInfo {
  volumeId: string;
  isEsxi: boolean;
  /** e.g. `8.0U3`, `7.0b`, `6.7.0`. */
  esxiVersion?: string;
  /** VMware build number, e.g. `24022510`. */
  build?: string;
  /** Root directory names (ISO 9660 names, `;1` removed, upper case as stored). */
  rootEntries: string[];
}

export async function inspectIso(path: string): Promise<IsoInfo> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PrerequisiteError(code === 'ENOENT' ? `ISO ${path} does not exist` : `cannot read ISO ${path}: ${code ?? String(err)}`, {
      code: code === 'ENOENT' ? 'ISO_NOT_FOUND' : 'ISO_UNREADABLE',
      hint: code === 'EACCES' ? `Make it readable: chmod a+r ${path}` : 'Pass --iso with the VMware-VMvisor-Installer-*.x86_64.iso downloaded from Broadcom.',
      cause: err,
    });
  }
  try {
    const pvd = await readAt(fh, PVD_OFFSET, SECTOR);
    if (pvd.length < SECTOR || pvd[0] !== 1 || pvd.toString('latin1', 1, 6) !== 'CD001') {
      throw new PrerequisiteError(`${path} is not an ISO 9660 image (no primary volume descriptor at byte 32768)`, {
        code: 'ISO_NOT_ISO9660',
        hint: 'Pass the ESXi installer ISO itself (VMware-VMvisor-Installer-*.x86_64.iso), not a zip/depot or a disk image.',
      });
    }
    const volumeId = pvd.toString('latin1', 40, 72).replace(/[\s\0]+$/, '');
    const blockSize = pvd.readUInt16LE(128) || SECTOR;
    const rootLba = pvd.readUInt32LE(156 + 2);
    const rootSize = pvd.readUInt32LE(156 + 10);
    const entries = await readDirectory(fh, rootLba * blockSize, Math.min(rootSize, MAX_DIR_BYTES));
    const names = entries.map((e) => e.name);

    let bootCfg = '';
    const bootEntry = entries.find((e) => e.name.toUpperCase() === 'BOOT.CFG' && !e.isDir);
    if (bootEntry) bootCfg = (await readAt(fh, bootEntry.lba * blockSize, Math.min(bootEntry.size, MAX_BOOT_CFG_BYTES))).toString('latin1');

    const upper = new Set(names.map((n) => n.toUpperCase()));
    const bootCfgSaysEsxi = /^title=.*\bESXi\b/im.test(bootCfg) || /^kernel=\S*b\.b00/im.test(bootCfg);
    const isEsxi = /^ESXI[-_]/i.test(volumeId) || (upper.has('BOOT.CFG') && (upper.has('B.B00') || bootCfgSaysEsxi));

    const info: IsoInfo = { volumeId, isEsxi, rootEntries: names };
    if (isEsxi) {
      const version = versionFromVolumeId(volumeId) ?? versionFromBootCfg(bootCfg);
      if (version) info.esxiVersion = version;
      const build = /^ESXI-[^-]+-(\d{6,})/i.exec(volumeId)?.[1] ?? /^build=\S*?(\d{6,})\s*$/m.exec(bootCfg)?.[1];
      if (build) info.build = build;
    }
    return info;
  } finally {
    await fh.close();
  }
}

/** `ESXI-8.0U3-24022510-STANDARD` → `8.0U3`; `ESXI-6.7.0-20190802001-STANDARD` → `6.7.0`. */
export function versionFromVolumeId(volumeId: string): string | undefined {
  return /^ESXI[-_](\d+\.\d+(?:\.\d+)*(?:U\d+)?[a-z]?)(?:[-_]|$)/i.exec(volumeId)?.[1]?.replace(/u(\d)/, 'U$1');
}

/** `title=Loading ESXi 7.0b installer` → `7.0b`; else `build=7.0.0-1.25.…` → `7.0.0`. */
export function versionFromBootCfg(bootCfg: string): string | undefined {
  return (
    /^title=.*\bESXi\s+(\d+\.\d+(?:\.\d+)?(?:\s*U\d+)?[a-z]?)\b/im.exec(bootCfg)?.[1]?.replace(/\s+/g, '') ??
    /^build=(\d+\.\d+\.\d+)/m.exec(bootCfg)?.[1]
  );
}

interface DirEntry {
  name: string;
  lba: number;
  size: number;
  isDir: boolean;
}

async function readDirectory(fh: FileHandle, offset: number, size: number): Promise<DirEntry[]> {
  const buf = await readAt(fh, offset, size);
  const out: DirEntry[] = [];
  let i = 0;
  while (i < buf.length) {
    const len = buf[i] ?? 0;
    if (len === 0) {
      // Records never cross a sector boundary; a zero length means "continue in the next sector".
      i = (Math.floor(i / SECTOR) + 1) * SECTOR;
      continue;
    }
    if (len < 34 || i + len > buf.length) break;
    const nameLen = buf[i + 32] ?? 0;
    const raw = buf.subarray(i + 33, i + 33 + nameLen);
    const isSelfOrParent = nameLen === 1 && (raw[0] === 0 || raw[0] === 1);
    if (!isSelfOrParent) {
      out.push({
        name: raw.toString('latin1').replace(/;\d+$/, '').replace(/\.$/, ''),
        lba: buf.readUInt32LE(i + 2),
        size: buf.readUInt32LE(i + 10),
        isDir: ((buf[i + 25] ?? 0) & 2) !== 0,
      });
    }
    i += len;
  }
  return out;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}
