/**
 * GPT and MBR partition tables read from the first sectors of a disk image
 * (docs/image-inspection.md#partition-tables: UEFI 2.10 section 5.3 for GPT, the classic MBR at 446).
 */
import { crc32 } from 'node:zlib';
import type { ForwardReader } from './forward-reader.js';

export interface PartitionEntry {
  /** 1-based: the GPT slot + 1, or the MBR primary slot + 1 (ESXi's own numbering, partedUtil). */
  number: number;
  /** Byte offset and size in the disk image. */
  offset: number;
  size: number;
  /** GPT type GUID (upper case) or MBR type byte as `0x0c`. */
  type: string;
  /** What the type means, e.g. `EFI system`, `VMware VMFS`. */
  typeName: string;
  /** GPT partition name (empty on MBR). */
  name: string;
}

export interface PartitionTable {
  scheme: 'gpt' | 'mbr' | 'none';
  sectorSize: number;
  /** The whole disk's size when the table says it (GPT: backup header LBA + 1 sectors). */
  diskSize: number | null;
  partitions: PartitionEntry[];
  /** Checksums that do not match, and the like: the table is still reported. */
  warnings: string[];
}

const SECTOR = 512;
const GPT_SIGNATURE = 'EFI PART';

/** Known GPT types (UEFI spec; VMware's from partedUtil `showGuids`; Linux from systemd's Discoverable Partitions). */
const GPT_TYPES: Record<string, string> = {
  'C12A7328-F81F-11D2-BA4B-00A0C93EC93B': 'EFI system',
  'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7': 'basic data',
  'AA31E02A-400F-11DB-9590-000C2911D1B8': 'VMware VMFS',
  '9D275380-40AD-11DB-BF97-000C2911D1B8': 'VMware diagnostic',
  '9198EFFC-31C0-11DB-8F78-000C2911D1B8': 'VMware reserved',
  '4EB2EA39-7855-4790-A79E-FAE495E21F8F': 'VMware VMFS-L (ESX-OSData)',
  '0FC63DAF-8483-4772-8E79-3D69D8477DE4': 'Linux file system',
  '21686148-6449-6E6F-744E-656564454649': 'BIOS boot',
  '0657FD6D-A4AB-43C4-84E5-0933C84B4F4F': 'Linux swap',
};

const MBR_TYPES: Record<number, string> = {
  0x01: 'FAT12',
  0x04: 'FAT16',
  0x06: 'FAT16',
  0x07: 'NTFS/exFAT',
  0x0b: 'FAT32',
  0x0c: 'FAT32 (LBA)',
  0x0e: 'FAT16 (LBA)',
  0x82: 'Linux swap',
  0x83: 'Linux',
  0xee: 'GPT protective',
  0xef: 'EFI system',
  0xfb: 'VMware VMFS',
  0xfc: 'VMware diagnostic',
};

export async function readPartitionTable(reader: ForwardReader): Promise<PartitionTable> {
  const head = await reader.read(0, 2 * SECTOR, true);
  if (head.length >= 2 * SECTOR && head.toString('latin1', SECTOR, SECTOR + 8) === GPT_SIGNATURE) return readGpt(reader, head.subarray(SECTOR, 2 * SECTOR));
  if (head.length >= SECTOR && head[510] === 0x55 && head[511] === 0xaa) return readMbr(head);
  return { scheme: 'none', sectorSize: SECTOR, diskSize: null, partitions: [], warnings: [] };
}

async function readGpt(reader: ForwardReader, header: Buffer): Promise<PartitionTable> {
  const warnings: string[] = [];
  const headerSize = header.readUInt32LE(12);
  const check = Buffer.from(header.subarray(0, headerSize));
  check.writeUInt32LE(0, 16);
  if (crc32(check) !== header.readUInt32LE(16)) warnings.push('The GPT header checksum does not match.');
  const backupLba = Number(header.readBigUInt64LE(32));
  const entriesLba = Number(header.readBigUInt64LE(72));
  const count = header.readUInt32LE(80);
  const entrySize = header.readUInt32LE(84);
  if (entrySize < 128 || count > 1024) return { scheme: 'gpt', sectorSize: SECTOR, diskSize: null, partitions: [], warnings: [...warnings, `The GPT entry table is implausible (${count} × ${entrySize}).`] };
  const table = await reader.read(entriesLba * SECTOR, count * entrySize);
  if (crc32(table) !== header.readUInt32LE(88)) warnings.push('The GPT entry table checksum does not match.');
  const partitions: PartitionEntry[] = [];
  for (let i = 0; i < count; i++) {
    const e = table.subarray(i * entrySize, (i + 1) * entrySize);
    if (e.subarray(0, 16).every((b) => b === 0)) continue;
    const first = Number(e.readBigUInt64LE(32));
    const last = Number(e.readBigUInt64LE(40));
    const type = guidOf(e.subarray(0, 16));
    const name = e.toString('utf16le', 56, 128).replace(/\0.*$/s, '');
    partitions.push({ number: i + 1, offset: first * SECTOR, size: (last - first + 1) * SECTOR, type, typeName: GPT_TYPES[type] ?? 'unknown', name });
  }
  return { scheme: 'gpt', sectorSize: SECTOR, diskSize: (backupLba + 1) * SECTOR, partitions, warnings };
}

function readMbr(mbr: Buffer): PartitionTable {
  const partitions: PartitionEntry[] = [];
  for (let slot = 0; slot < 4; slot++) {
    const at = 446 + slot * 16;
    const type = mbr[at + 4]!;
    const start = mbr.readUInt32LE(at + 8);
    const sectors = mbr.readUInt32LE(at + 12);
    if (type === 0 || sectors === 0) continue;
    partitions.push({ number: slot + 1, offset: start * SECTOR, size: sectors * SECTOR, type: `0x${type.toString(16).padStart(2, '0')}`, typeName: MBR_TYPES[type] ?? 'unknown', name: '' });
  }
  return { scheme: 'mbr', sectorSize: SECTOR, diskSize: null, partitions, warnings: [] };
}

/** A GUID as text: the first three fields are little-endian on disk (UEFI 2.10 appendix A). */
function guidOf(b: Buffer): string {
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = Buffer.from(b.subarray(from, to));
    return (reverse ? part.reverse() : part).toString('hex');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-').toUpperCase();
}
