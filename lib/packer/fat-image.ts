/**
 * `prepare`: write a template's FAT image (packer-maas's `usb.img` with `KS.CFG`) the way its
 * Makefile does, without parted and without root: a sparse file, an MBR with one FAT32 (LBA)
 * partition from 1 MiB to the end, `mformat` and `mcopy` at that offset (mtools' `image@@offset`
 * syntax). packer-maas `vmware-esxi/Makefile` target `usb.img` runs `dd`, `parted … mklabel msdos`,
 * `parted … mkpart primary fat32 1MiB 100%`, `mformat -i usb.img@@1M ::`, `mcopy -i usb.img@@1M
 * KS.CFG ::`; the installer finds the file as `ks=usb://ks.cfg` (FAT names are case-insensitive).
 */
import { open, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { execa } from 'execa';
import { PrerequisiteError } from '../errors/index.js';

const SECTOR = 512;
const PARTITION_START = 2048; // sectors: 1 MiB, as `mkpart primary fat32 1MiB 100%`
const FAT32_LBA = 0x0c;

interface FatImageOptions {
  /** Image to write (replaced if present). */
  image: string;
  sizeMiB: number;
  /** Absolute paths of the files to copy to the root of the FAT file system. */
  files: string[];
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export async function writeFatImage(opts: FatImageOptions): Promise<void> {
  const size = opts.sizeMiB * 1024 * 1024;
  const offset = `@@${PARTITION_START * SECTOR}`;
  const target = `${opts.image}${offset}`;
  try {
    await writeMbr(opts.image, size);
    await mtool(opts, 'mformat', ['-i', target, '-T', String(size / SECTOR - PARTITION_START), '-h', '64', '-s', '32', '-H', String(PARTITION_START), '::']);
    for (const file of opts.files) await mtool(opts, 'mcopy', ['-i', target, '-o', file, `::/${basename(file)}`]);
  } catch (err) {
    await rm(opts.image, { force: true }); // nothing half-made
    throw err;
  }
}

async function writeMbr(path: string, size: number): Promise<void> {
  const mbr = Buffer.alloc(SECTOR);
  const entry = 446;
  mbr[entry] = 0x00; // not active
  mbr.fill(0xfe, entry + 1, entry + 2);
  mbr.fill(0xff, entry + 2, entry + 4); // CHS: use LBA
  mbr[entry + 4] = FAT32_LBA;
  mbr.fill(0xfe, entry + 5, entry + 6);
  mbr.fill(0xff, entry + 6, entry + 8);
  mbr.writeUInt32LE(PARTITION_START, entry + 8);
  mbr.writeUInt32LE(size / SECTOR - PARTITION_START, entry + 12);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  const fh = await open(path, 'w', 0o644);
  try {
    await fh.truncate(size);
    await fh.write(mbr, 0, SECTOR, 0);
  } finally {
    await fh.close();
  }
}

async function mtool(opts: FatImageOptions, tool: string, args: string[]): Promise<void> {
  // MTOOLS_SKIP_CHECK: the image is not a real drive; mtools' geometry checks only get in the way.
  const res = await execa(tool, args, {
    env: { ...(opts.env ?? process.env), MTOOLS_SKIP_CHECK: '1' },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 60_000,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  if (res.isCanceled) throw new PrerequisiteError(`making ${basename(opts.image)} was cancelled`, { code: 'CANCELLED' });
  if (res.exitCode !== 0) {
    const missing = res.exitCode === undefined || (res as { code?: string }).code === 'ENOENT';
    throw new PrerequisiteError(`could not make ${basename(opts.image)}: ${tool} ${missing ? 'is not installed' : `failed: ${String(res.stderr || res.stdout).trim().split('\n').pop() ?? ''}`}`, {
      code: 'PREPARE_FAILED',
      body: String(res.stderr ?? ''),
      hint: missing ? 'Install mtools: `sudo apt-get install mtools`.' : `Make it with the template's Makefile instead: \`make ${basename(opts.image)}\` in the template directory.`,
    });
  }
}
