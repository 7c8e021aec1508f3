/**
 * A GUID partition table for a disk image (UEFI 2.10 section 5.3): protective MBR,
 * primary header and entries at LBA 1–33, backup entries and header in the last 33 sectors —
 * what `sgdisk -o -n …` writes, without spawning it (docs/image-inspection.md#partition-tables).
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const SECTOR = 512;
const ENTRIES = 128;
const ENTRY_BYTES = 128;
/** Sectors the entry array takes (128 × 128 bytes). */
const ENTRY_SECTORS = (ENTRIES * ENTRY_BYTES) / SECTOR;

export interface GptPartition {
  number: number;
  first: number;
  last: number;
  /** Type GUID as text, e.g. `C12A7328-F81F-11D2-BA4B-00A0C93EC93B`. */
  type: string;
  name: string;
}

/** The first usable sector after the primary table; the sectors the backup takes at the end. */
const GPT_FIRST_USABLE = 2 + ENTRY_SECTORS;
export const GPT_BACKUP_SECTORS = 1 + ENTRY_SECTORS;

/**
 * The table for a disk of `sectors` sectors: `primary` (protective MBR, header, entries) goes at
 * offset 0, `backup` (entries, then the backup header in the last sector) at the disk's end.
 */
export function gptFor(sectors: number, partitions: readonly GptPartition[]): { primary: Buffer; backup: Buffer } {
  const last = sectors - 1;
  const entries = Buffer.alloc(ENTRIES * ENTRY_BYTES);
  for (const p of partitions) {
    const e = entries.subarray((p.number - 1) * ENTRY_BYTES, p.number * ENTRY_BYTES);
    guidBytes(p.type).copy(e, 0);
    randomBytes(16).copy(e, 16);
    e.writeBigUInt64LE(BigInt(p.first), 32);
    e.writeBigUInt64LE(BigInt(p.last), 40);
    e.write(p.name.slice(0, 36), 56, 'utf16le');
  }
  const diskGuid = randomBytes(16);
  const header = (self: number, other: number, entriesLba: number): Buffer => {
    const h = Buffer.alloc(SECTOR);
    h.write('EFI PART', 0, 'latin1');
    h.writeUInt32LE(0x00010000, 8);
    h.writeUInt32LE(92, 12);
    h.writeBigUInt64LE(BigInt(self), 24);
    h.writeBigUInt64LE(BigInt(other), 32);
    h.writeBigUInt64LE(BigInt(GPT_FIRST_USABLE), 40);
    h.writeBigUInt64LE(BigInt(last - GPT_BACKUP_SECTORS), 48);
    diskGuid.copy(h, 56);
    h.writeBigUInt64LE(BigInt(entriesLba), 72);
    h.writeUInt32LE(ENTRIES, 80);
    h.writeUInt32LE(ENTRY_BYTES, 84);
    h.writeUInt32LE(crc32(entries), 88);
    h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
    return h;
  };
  return {
    primary: Buffer.concat([protectiveMbr(sectors), header(1, last, 2), entries]),
    backup: Buffer.concat([entries, header(last, 1, last - ENTRY_SECTORS)]),
  };
}

/** One 0xEE partition over the whole disk, so MBR-only tools leave it alone (UEFI 2.10 5.2.3). */
function protectiveMbr(sectors: number): Buffer {
  const mbr = Buffer.alloc(SECTOR);
  mbr.set([0x00, 0x00, 0x02, 0x00, 0xee, 0xff, 0xff, 0xff], 446);
  mbr.writeUInt32LE(1, 454);
  mbr.writeUInt32LE(Math.min(sectors - 1, 0xffffffff), 458);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  return mbr;
}

/** A GUID's bytes on disk: the first three fields little-endian (UEFI 2.10 appendix A). */
function guidBytes(text: string): Buffer {
  const [a, b, c, d, e] = text.split('-') as [string, string, string, string, string];
  const le = (hex: string): Buffer => Buffer.from(hex, 'hex').reverse();
  return Buffer.concat([le(a), le(b), le(c), Buffer.from(d + e, 'hex')]);
}
