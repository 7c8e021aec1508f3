/**
 * A small disk image shaped like an installed ESXi 7.0+ with maas-esxi's hooks, for tests and
 * demos that upload through the CLI (whose hook check refuses an `esxi/…` image MAAS could not
 * finish deploying, docs/image-inspection.md#hooks). The layout is ESXi's, shrunk
 * (docs/image-inspection.md#esxi-layouts): partition 1 FAT with `curtin/curtin-hooks` (and, when
 * asked, a provenance record), the bootbank (5) with `boot.cfg`, then altbootbank (6), ESX-OSData (7) and
 * the datastore (8). Everything after the bootbank is filler: inspect never reads it.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fat12Volume } from './fat12.js';
import { GPT_BACKUP_SECTORS, gptFor, SECTOR, type GptPartition } from './gpt.js';

export interface SampleEsxiImageOptions {
  /** The disk's size, rounded up to whole sectors and to at least {@link SAMPLE_ESXI_MIN_BYTES}. */
  diskBytes: number;
  /** The bootbank's `boot.cfg` `build=`; default `8.0.3-0.0.24022510` (ESXi 8.0 Update 3). */
  build?: string;
  /** False: no `curtin/` on partition 1, an image `create` refuses under an `esxi/…` name. */
  hooks?: boolean;
  /** True: also a provenance record next to the hooks, marked as a sample's (no ISO, no Packer); default false. */
  provenance?: boolean;
  /**
   * Default: random bytes right after the bootbank, half the disk's size (as much as fits), so the
   * ddgz is about half `diskBytes`; false: zeros, for a file of a few KiB whatever `diskBytes`.
   */
  randomFill?: boolean;
}

const TYPES = {
  efi: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  basicData: 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7',
  vmfsL: '4EB2EA39-7855-4790-A79E-FAE495E21F8F',
  vmfs: 'AA31E02A-400F-11DB-9590-000C2911D1B8',
};
/** Sectors: partitions 1, 5, 6 and 7 of 32 sectors each, in ESXi's disk order; 8 takes the rest. */
const PART = 32;
const P1 = 64;
const P5 = P1 + PART;
const P8 = P5 + 3 * PART;
const SAMPLE_ESXI_MIN_BYTES = 256 * SECTOR;
/** Up to the bootbank's end: where inspect stops reading. */
const HEAD_BYTES = (P5 + PART) * SECTOR;

/** What `maas-esxi build` writes (packer/vmware-esxi/scripts/install_curtin_hook.py), in miniature. */
const HOOK = [
  '#!/usr/bin/env python3',
  '# A sample image from maas-esxi/testing: a stand-in for packer/vmware-esxi/hooks/curtin_hooks.py.',
  'import sys',
  'sys.stdout.write("maas-esxi curtin-hooks: sample image, nothing to configure\\n")',
  '',
].join('\n');

const PROVENANCE = {
  format: 1,
  maasEsxiVersion: 'sample',
  template: { name: 'maas-esxi/testing sample image', version: null },
  iso: { name: 'none (sample image)', size: 0, sha256: '0'.repeat(64) },
  esxi: { version: null, build: null },
  kickstartExtraSha256: null,
  packerVersion: null,
  rootPassword: 'unknown',
  builtAt: '2026-01-01T00:00:00Z',
};

/**
 * What makes a disk of `diskBytes` (as rounded) ESXi-shaped: `head` goes at offset 0 (protective
 * MBR, GPT, partitions 1 and 5) and `tail` at the disk's end (the backup GPT). Whatever lies
 * between is filler inspect never reads, so a benchmark can write gigabytes of it without holding them.
 */
export function sampleEsxiDiskEnds(opts: SampleEsxiImageOptions): { head: Buffer; tail: Buffer; diskBytes: number } {
  const sectors = Math.max(SAMPLE_ESXI_MIN_BYTES, Math.ceil(opts.diskBytes / SECTOR) * SECTOR) / SECTOR;
  const part = (number: number, first: number, last: number, type: string): GptPartition => ({ number, first, last, type, name: '' });
  const gpt = gptFor(sectors, [
    part(1, P1, P1 + PART - 1, TYPES.efi),
    part(5, P5, P5 + PART - 1, TYPES.basicData),
    part(6, P5 + PART, P5 + 2 * PART - 1, TYPES.basicData),
    part(7, P5 + 2 * PART, P8 - 1, TYPES.vmfsL),
    part(8, P8, sectors - GPT_BACKUP_SECTORS - 1, TYPES.vmfs),
  ]);
  const head = Buffer.alloc(HEAD_BYTES);
  gpt.primary.copy(head, 0);
  const hooks = opts.hooks === false ? [] : [{ path: 'curtin/curtin-hooks', content: Buffer.from(HOOK) }];
  if (opts.hooks !== false && opts.provenance) hooks.push({ path: 'curtin/maas-esxi-provenance.json', content: Buffer.from(`${JSON.stringify(PROVENANCE, null, 2)}\n`) });
  fat12Volume({ label: 'ESXI', sectors: PART, hiddenSectors: P1, files: hooks }).copy(head, P1 * SECTOR);
  const bootCfg = Buffer.from(`bootstate=0\ntitle=Loading VMware ESXi\nkernel=b.b00\nbuild=${opts.build ?? '8.0.3-0.0.24022510'}\nupdated=1\n`);
  fat12Volume({ label: 'BOOTBANK1', sectors: PART, hiddenSectors: P5, files: [{ path: 'boot.cfg', content: bootCfg }] }).copy(head, P5 * SECTOR);
  return { head, tail: gpt.backup, diskBytes: sectors * SECTOR };
}

/** The raw disk: ESXi's head, then (unless `randomFill: false`) random bytes for half the disk's size, zeros after. */
export function sampleEsxiDisk(opts: SampleEsxiImageOptions): Buffer {
  const { head, tail, diskBytes } = sampleEsxiDiskEnds(opts);
  const disk = Buffer.alloc(diskBytes);
  head.copy(disk, 0);
  tail.copy(disk, diskBytes - tail.length);
  if (opts.randomFill !== false) randomBytes(Math.min(Math.floor(diskBytes / 2), diskBytes - tail.length - head.length)).copy(disk, head.length);
  return disk;
}

/** The disk gzip-compressed: a `ddgz` that inspects as ESXi with maas-esxi's hooks. */
export function sampleEsxiImage(opts: SampleEsxiImageOptions): Buffer {
  return gzipSync(sampleEsxiDisk(opts), { level: 1 });
}
