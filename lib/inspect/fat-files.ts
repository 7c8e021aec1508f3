/**
 * Read a few named files out of a FAT partition in one forward sweep over the decompressed
 * image: the clusters of the directories and files wanted are visited in ascending order, so
 * the stream never has to go back unless a file lies before the directory that names it (then
 * the reader starts a second pass, docs/image-inspection.md#streaming).
 */
import { clusterChain, clusterOffset, fatGeometry, parseDirectory, type DirEntry, type FatGeometry } from './fat-layout.js';
import type { ForwardReader } from './forward-reader.js';

export interface FatFile {
  /** Path as found, `curtin/curtin-hooks`. */
  path: string;
  size: number;
  /** The bytes, for files asked for with `content` (and no larger than `maxBytes`). */
  content?: Buffer;
}

export interface FatVolume {
  type: FatGeometry['type'];
  label: string;
  /** Wanted files found, keyed by their lower-case path. */
  files: Map<string, FatFile>;
  /** The byte (within the partition) just past the last cluster read. */
  readUpTo: number;
}

/** Lower-case path → whether its bytes are wanted (small files only) or just its presence. */
export type WantedFiles = ReadonlyMap<string, { content: boolean; maxBytes: number }>;

/** The allocation table must fit in memory; a partition needing more is reported by label only. */
const MAX_FAT_BYTES = 64 * 1024 * 1024;

type Visit = { kind: 'dir'; path: string } | { kind: 'file'; key: string; index: number };

export async function readFatVolume(reader: ForwardReader, offset: number, wanted: WantedFiles): Promise<FatVolume | null> {
  const g = fatGeometry(await reader.read(offset, 512));
  if (!g) return null;
  const volume: FatVolume = { type: g.type, label: g.label, files: new Map(), readUpTo: 512 };
  if (wanted.size === 0 || g.fatBytes > MAX_FAT_BYTES) return volume;
  const fat = await reader.read(offset + g.fatOffset, g.fatBytes);
  const sweep = new FatSweep(g, fat, wanted, volume);
  if (g.type === 'FAT32') sweep.queueDirectory('', g.rootCluster);
  else {
    const root = await reader.read(offset + g.rootDirOffset, g.rootDirBytes);
    sweep.directory('', parseDirectory(root), true);
  }
  volume.readUpTo = g.rootDirOffset + g.rootDirBytes;
  await sweep.run(reader, offset);
  return volume;
}

class FatSweep {
  readonly #queue = new Map<number, Visit>();
  readonly #dirs: Set<string>;

  constructor(
    readonly g: FatGeometry,
    readonly fat: Buffer,
    readonly wanted: WantedFiles,
    readonly volume: FatVolume,
  ) {
    this.#dirs = new Set([...wanted.keys()].flatMap((p) => p.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  }

  queueDirectory(path: string, first: number): void {
    for (const c of clusterChain(this.g, this.fat, first, 4096)) this.#queue.set(c, { kind: 'dir', path });
  }

  /** Entries of a directory: queue the subdirectories and files wanted under it. */
  directory(path: string, entries: DirEntry[], isRoot: boolean): void {
    for (const e of entries) {
      if (e.isLabel) {
        if (isRoot && e.name) this.volume.label = e.name;
        continue;
      }
      const full = (path ? `${path}/${e.name}` : e.name).toLowerCase();
      if (e.isDir && this.#dirs.has(full)) this.queueDirectory(full, e.firstCluster);
      const want = this.wanted.get(full);
      if (!e.isDir && want) this.#file(full, path ? `${path}/${e.name}` : e.name, e, want);
    }
  }

  #file(key: string, path: string, e: DirEntry, want: { content: boolean; maxBytes: number }): void {
    const file: FatFile = { path, size: e.size };
    this.volume.files.set(key, file);
    if (!want.content || e.size > want.maxBytes || e.size === 0) return;
    file.content = Buffer.alloc(e.size);
    const chain = clusterChain(this.g, this.fat, e.firstCluster, Math.ceil(e.size / this.g.clusterBytes));
    chain.forEach((c, index) => this.#queue.set(c, { kind: 'file', key, index }));
  }

  async run(reader: ForwardReader, offset: number): Promise<void> {
    while (this.#queue.size > 0) {
      const cluster = Math.min(...this.#queue.keys());
      const visit = this.#queue.get(cluster)!;
      this.#queue.delete(cluster);
      const at = clusterOffset(this.g, cluster);
      const block = await reader.read(offset + at, this.g.clusterBytes);
      this.volume.readUpTo = Math.max(this.volume.readUpTo, at + this.g.clusterBytes);
      if (visit.kind === 'dir') this.directory(visit.path, parseDirectory(block), visit.path === '');
      else {
        const content = this.volume.files.get(visit.key)!.content!;
        block.copy(content, visit.index * this.g.clusterBytes, 0, Math.min(block.length, content.length - visit.index * this.g.clusterBytes));
      }
    }
  }
}
