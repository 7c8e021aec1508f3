/**
 * A small FAT12 volume in memory (Microsoft's "FAT: General Overview of On-Disk Format" 1.03):
 * one sector per cluster, two FATs, long file names, directories before the files they hold —
 * what `mformat` and `mcopy` write for the few files a sample disk needs, without spawning them.
 */
import { SECTOR } from './gpt.js';

interface FatVolumeFile {
  /** `curtin/curtin-hooks`: directories are made as needed. */
  path: string;
  content: Buffer;
}

interface Dir {
  cluster: number;
  parent: number;
  dirs: Map<string, Dir>;
  files: Array<{ name: string; content: Buffer; cluster: number }>;
}

const ROOT_ENTRIES = 16;
const ENTRY = 32;
const ATTR = { dir: 0x10, label: 0x08, archive: 0x20, longName: 0x0f } as const;

/** The volume's bytes; `hiddenSectors` is the partition's first LBA, as mformat -H records it. */
export function fat12Volume(opts: { label: string; sectors: number; hiddenSectors: number; files: readonly FatVolumeFile[] }): Buffer {
  const fatSectors = Math.ceil(((opts.sectors + 2) * 1.5) / SECTOR);
  const dataSector = 1 + 2 * fatSectors + (ROOT_ENTRIES * ENTRY) / SECTOR;
  if (opts.sectors - dataSector >= 4085) throw new RangeError('fat12Volume: too many sectors for FAT12.');
  const volume = Buffer.alloc(opts.sectors * SECTOR);
  const fat = Buffer.alloc(fatSectors * SECTOR);
  setEntry(fat, 0, 0xff8);
  setEntry(fat, 1, 0xfff);
  const root = treeOf(opts.files);
  let next = 2;
  const allocate = (bytes: number): number => {
    const first = next;
    const count = Math.max(1, Math.ceil(bytes / SECTOR));
    for (let c = first; c < first + count; c++) setEntry(fat, c, c === first + count - 1 ? 0xfff : c + 1);
    next += count;
    if (dataSector + next - 2 > opts.sectors) throw new RangeError('fat12Volume: the files do not fit.');
    return first;
  };
  const at = (cluster: number): number => (dataSector + cluster - 2) * SECTOR;
  const writeDir = (dir: Dir, target: Buffer, label?: string): void => {
    const entries: Buffer[] = label ? [shortEntry(label.padEnd(11).slice(0, 11), ATTR.label, 0, 0)] : [];
    if (dir.cluster) entries.push(shortEntry('.'.padEnd(11), ATTR.dir, dir.cluster, 0), shortEntry('..'.padEnd(11), ATTR.dir, dir.parent, 0));
    let alias = 0;
    for (const [name, sub] of dir.dirs) {
      sub.cluster = allocate(entryBytes(sub));
      entries.push(...named(name, ++alias, ATTR.dir, sub.cluster, 0));
    }
    for (const file of dir.files) {
      file.cluster = allocate(file.content.length);
      file.content.copy(volume, at(file.cluster));
      entries.push(...named(file.name, ++alias, ATTR.archive, file.cluster, file.content.length));
    }
    Buffer.concat(entries).copy(target);
    for (const sub of dir.dirs.values()) writeDir({ ...sub, parent: dir.cluster }, volume.subarray(at(sub.cluster)));
  };
  writeDir(root, volume.subarray((1 + 2 * fatSectors) * SECTOR), opts.label);
  bootSector(opts, fatSectors).copy(volume, 0);
  fat.copy(volume, SECTOR);
  fat.copy(volume, (1 + fatSectors) * SECTOR);
  return volume;
}

function treeOf(files: readonly FatVolumeFile[]): Dir {
  const root: Dir = { cluster: 0, parent: 0, dirs: new Map(), files: [] };
  for (const f of files) {
    const parts = f.path.split('/');
    let dir = root;
    for (const name of parts.slice(0, -1)) {
      if (!dir.dirs.has(name)) dir.dirs.set(name, { cluster: 0, parent: 0, dirs: new Map(), files: [] });
      dir = dir.dirs.get(name)!;
    }
    dir.files.push({ name: parts.at(-1)!, content: f.content, cluster: 0 });
  }
  return root;
}

/** `.`, `..`, and per child one short entry plus its long-name entries. */
function entryBytes(dir: Dir): number {
  const names = [...dir.dirs.keys(), ...dir.files.map((f) => f.name)];
  return ENTRY * (2 + names.reduce((n, name) => n + 1 + Math.ceil(name.length / 13), 0));
}

function bootSector(opts: { label: string; sectors: number; hiddenSectors: number }, fatSectors: number): Buffer {
  const b = Buffer.alloc(SECTOR);
  b.set([0xeb, 0x3c, 0x90]);
  b.write('MAASESXI', 3, 'latin1');
  b.writeUInt16LE(SECTOR, 11);
  b[13] = 1; // sectors per cluster
  b.writeUInt16LE(1, 14); // reserved sectors
  b[16] = 2; // FATs
  b.writeUInt16LE(ROOT_ENTRIES, 17);
  b.writeUInt16LE(opts.sectors, 19);
  b[21] = 0xf8; // fixed disk
  b.writeUInt16LE(fatSectors, 22);
  b.writeUInt16LE(32, 24);
  b.writeUInt16LE(64, 26);
  b.writeUInt32LE(opts.hiddenSectors, 28);
  b[36] = 0x80;
  b[38] = 0x29; // extended boot signature: the serial, label and type follow
  b.writeUInt32LE(0x4d414153, 39);
  b.write(opts.label.padEnd(11).slice(0, 11), 43, 'latin1');
  b.write('FAT12   ', 54, 'latin1');
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

/** A 12-bit FAT entry: two entries share three bytes. */
function setEntry(fat: Buffer, n: number, value: number): void {
  const at = Math.floor(n * 1.5);
  if (n % 2 === 0) {
    fat[at] = value & 0xff;
    fat[at + 1] = (fat[at + 1]! & 0xf0) | ((value >> 8) & 0x0f);
  } else {
    fat[at] = (fat[at]! & 0x0f) | ((value << 4) & 0xf0);
    fat[at + 1] = (value >> 4) & 0xff;
  }
}

function shortEntry(name11: string, attr: number, cluster: number, size: number): Buffer {
  const e = Buffer.alloc(ENTRY);
  e.write(name11, 0, 'latin1');
  e[11] = attr;
  e.writeUInt16LE(cluster, 26);
  e.writeUInt32LE(size, 28);
  return e;
}

/** Long-name entries (last part first, each with the alias's checksum), then the `NAME~N` alias. */
function named(name: string, n: number, attr: number, cluster: number, size: number): Buffer[] {
  const base = name.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 6) || 'FILE';
  const alias = `${base}~${n}`.padEnd(11);
  let sum = 0;
  for (const byte of Buffer.from(alias, 'latin1')) sum = (((sum & 1) << 7) + (sum >> 1) + byte) & 0xff;
  const parts = Math.ceil(name.length / 13);
  const units = Buffer.alloc(parts * 26, 0xff);
  units.write(`${name}\0`.slice(0, parts * 13), 0, 'utf16le');
  const entries: Buffer[] = [];
  for (let i = parts; i >= 1; i--) {
    const e = Buffer.alloc(ENTRY);
    const chunk = units.subarray((i - 1) * 26, i * 26);
    e[0] = i | (i === parts ? 0x40 : 0);
    chunk.copy(e, 1, 0, 10);
    e[11] = ATTR.longName;
    e[13] = sum;
    chunk.copy(e, 14, 10, 22);
    chunk.copy(e, 28, 22, 26);
    entries.push(e);
  }
  return [...entries, shortEntry(alias, attr, cluster, size)];
}
