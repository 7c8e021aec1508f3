/**
 * The parts of a FAT file system (Microsoft's "FAT: General Overview of On-Disk Format", 1.03)
 * that inspect needs: the boot sector's geometry, the allocation table, directory entries with
 * long names (docs/image-inspection.md#fat).
 */

export interface FatGeometry {
  type: 'FAT12' | 'FAT16' | 'FAT32';
  /** The volume label from the boot sector (`NO NAME` is reported as empty). */
  label: string;
  bytesPerSector: number;
  clusterBytes: number;
  /** Byte offsets within the partition. */
  fatOffset: number;
  fatBytes: number;
  rootDirOffset: number;
  rootDirBytes: number;
  dataOffset: number;
  clusterCount: number;
  /** FAT32: the first cluster of the root directory. */
  rootCluster: number;
}

export interface DirEntry {
  name: string;
  isDir: boolean;
  isLabel: boolean;
  firstCluster: number;
  size: number;
}

/** The geometry in a partition's first sector, or null when it holds no FAT file system. */
export function fatGeometry(boot: Buffer): FatGeometry | null {
  if (boot.length < 512 || boot[510] !== 0x55 || boot[511] !== 0xaa) return null;
  const bps = boot.readUInt16LE(11);
  const spc = boot[13]!;
  const reserved = boot.readUInt16LE(14);
  const fats = boot[16]!;
  const rootEntries = boot.readUInt16LE(17);
  const total = boot.readUInt16LE(19) || boot.readUInt32LE(32);
  const fatSectors = boot.readUInt16LE(22) || boot.readUInt32LE(36);
  if (![512, 1024, 2048, 4096].includes(bps) || spc === 0 || (spc & (spc - 1)) !== 0 || fats === 0 || reserved === 0 || fatSectors === 0) return null;
  const rootDirSectors = Math.ceil((rootEntries * 32) / bps);
  const dataSector = reserved + fats * fatSectors + rootDirSectors;
  const clusterCount = Math.floor((total - dataSector) / spc);
  if (clusterCount <= 0) return null;
  const type = clusterCount < 4085 ? 'FAT12' : clusterCount < 65525 ? 'FAT16' : 'FAT32';
  const labelAt = type === 'FAT32' ? 71 : 43;
  const hasLabel = boot[type === 'FAT32' ? 66 : 38] === 0x29; // extended boot signature
  const label = hasLabel ? boot.toString('latin1', labelAt, labelAt + 11).trim() : '';
  return {
    type,
    label: label === 'NO NAME' ? '' : label,
    bytesPerSector: bps,
    clusterBytes: bps * spc,
    fatOffset: reserved * bps,
    fatBytes: fatSectors * bps,
    rootDirOffset: (reserved + fats * fatSectors) * bps,
    rootDirBytes: rootDirSectors * bps,
    dataOffset: dataSector * bps,
    clusterCount,
    rootCluster: type === 'FAT32' ? boot.readUInt32LE(44) : 0,
  };
}

/** The next cluster after `cluster`, or undefined at the end of the chain (or a bad entry). */
function nextCluster(g: FatGeometry, fat: Buffer, cluster: number): number | undefined {
  let next: number;
  if (g.type === 'FAT12') {
    const at = Math.floor(cluster * 1.5);
    if (at + 1 >= fat.length) return undefined;
    const pair = fat.readUInt16LE(at);
    next = cluster % 2 === 0 ? pair & 0xfff : pair >> 4;
    if (next >= 0xff7) return undefined;
  } else if (g.type === 'FAT16') {
    if (cluster * 2 + 1 >= fat.length) return undefined;
    next = fat.readUInt16LE(cluster * 2);
    if (next >= 0xfff7) return undefined;
  } else {
    if (cluster * 4 + 3 >= fat.length) return undefined;
    next = fat.readUInt32LE(cluster * 4) & 0x0fffffff;
    if (next >= 0x0ffffff7) return undefined;
  }
  return isDataCluster(g, next) ? next : undefined;
}

function isDataCluster(g: FatGeometry, cluster: number): boolean {
  return cluster >= 2 && cluster < g.clusterCount + 2;
}

/** A chain of at most `limit` clusters from `first` (a loop in the table ends it). */
export function clusterChain(g: FatGeometry, fat: Buffer, first: number, limit: number): number[] {
  const chain: number[] = [];
  const seen = new Set<number>();
  for (let c: number | undefined = first; c !== undefined && isDataCluster(g, c) && chain.length < limit && !seen.has(c); c = nextCluster(g, fat, c)) {
    chain.push(c);
    seen.add(c);
  }
  return chain;
}

export function clusterOffset(g: FatGeometry, cluster: number): number {
  return g.dataOffset + (cluster - 2) * g.clusterBytes;
}

/** The live entries of one block of a directory, long names joined to their short entry. */
export function parseDirectory(block: Buffer): DirEntry[] {
  const entries: DirEntry[] = [];
  let longName: string[] = [];
  for (let at = 0; at + 32 <= block.length; at += 32) {
    const first = block[at]!;
    if (first === 0x00) break;
    const attr = block[at + 11]!;
    if (first === 0xe5) {
      longName = [];
      continue;
    }
    if (attr === 0x0f) {
      const part = block.toString('utf16le', at + 1, at + 11) + block.toString('utf16le', at + 14, at + 26) + block.toString('utf16le', at + 28, at + 32);
      longName.unshift(part.replace(/\0[\s\S]*$/, ''));
      continue;
    }
    const isLabel = (attr & 0x08) !== 0;
    const name = isLabel ? block.toString('latin1', at, at + 11).trim() : longName.length > 0 ? longName.join('') : shortName(block.subarray(at, at + 12));
    longName = [];
    if (name === '.' || name === '..') continue;
    entries.push({
      name,
      isDir: (attr & 0x10) !== 0,
      isLabel,
      firstCluster: (block.readUInt16LE(at + 20) << 16) | block.readUInt16LE(at + 26),
      size: block.readUInt32LE(at + 28),
    });
  }
  return entries;
}

/** An 8.3 name, with the lower-case flags Windows NT and mtools set in byte 12. */
function shortName(e: Buffer): string {
  const lowerBase = (e[12]! & 0x08) !== 0;
  const lowerExt = (e[12]! & 0x10) !== 0;
  let base = e.toString('latin1', 0, 8).trimEnd();
  let ext = e.toString('latin1', 8, 11).trimEnd();
  if (base.charCodeAt(0) === 0x05) base = `\u00e5${base.slice(1)}`;
  if (lowerBase) base = base.toLowerCase();
  if (lowerExt) ext = ext.toLowerCase();
  return ext ? `${base}.${ext}` : base;
}
