/**
 * `inspectImage(path)`: what a disk image holds, read without root, loop devices or FUSE
 * (docs/image-inspection.md). The image is decompressed as a stream and only as far as the
 * last byte needed — never past the end of the ESXi bootbank — with memory flat whatever its size.
 */
import { open, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { parseBootCfg, type EsxiRelease } from './boot-cfg.js';
import { compressionOf, DISK_FILETYPE, refuseNonDisk } from './container.js';
import type { Compression } from './decompressed-stream.js';
import { ImageInspectError } from './errors.js';
import { esxiLayout, type EsxiLayout } from './esxi-layout.js';
import { readFatVolume, type FatVolume, type WantedFiles } from './fat-files.js';
import { ForwardReader } from './forward-reader.js';
import { classifyHooks, HOOK_FILES, type HookInfo } from './hooks.js';
import { readPartitionTable, type PartitionEntry, type PartitionTable } from './partition-table.js';
import { parseProvenance, type ProvenanceRecord } from './provenance.js';
import { imageSha256 } from './image-sha256.js';

export interface InspectedPartition extends PartitionEntry {
  /** The FAT file system in it (type and label); null when it holds none or was not read. */
  fat: { type: string; label: string } | null;
  /** False for partitions past the point inspect stops reading (the end of the bootbank). */
  read: boolean;
}

export interface ImageInspection {
  path: string;
  fileSize: number;
  compression: Compression;
  /** The MAAS filetype for this file. */
  filetype: 'ddgz' | 'ddxz' | 'ddbz2' | 'ddraw';
  /** The disk's size once decompressed, when the partition table (or a raw file) says it. */
  expandedSize: number | null;
  partitionTable: { scheme: PartitionTable['scheme']; partitions: InspectedPartition[] };
  /** The ESXi partition layout the table matches (bootbank on 5, altbootbank on 6), or null. */
  esxiLayout: EsxiLayout['generation'] | null;
  esxi: (EsxiRelease & { layout: EsxiLayout['generation']; datastorePartition: number | null }) | null;
  hooks: HookInfo;
  provenance: ProvenanceRecord | null;
  /** With `sha256: true`: the file's sha256 (from the upload's hash cache when it has it). */
  sha256?: string;
  /** Decompressed bytes inspect read (over every pass): the proof it stopped early. */
  bytesDecompressed: number;
  warnings: string[];
}

export interface InspectOptions {
  /** Also compute the file's sha256 (a whole read; kept in the upload's hash cache). */
  sha256?: boolean;
  /** Where the hash cache lives (the upload's state directory). */
  stateDir?: string;
  signal?: AbortSignal;
}

/** Partitions of a disk that is not ESXi are read for their labels when they start in the first GiB. */
const OTHER_DISK_READ_LIMIT = 1024 ** 3;
const HEAD_BYTES = 64 * 1024;
const SMALL_FILE = { content: true, maxBytes: 4 * 1024 * 1024 };
const PARTITION1_WANTED: WantedFiles = new Map([
  [HOOK_FILES.hooks, SMALL_FILE],
  [HOOK_FILES.payload, SMALL_FILE],
  [HOOK_FILES.provenance, SMALL_FILE],
  [HOOK_FILES.packerMaasScripts, { content: false, maxBytes: 0 }],
]);
const BOOTBANK_WANTED: WantedFiles = new Map([['boot.cfg', { content: true, maxBytes: 64 * 1024 }]]);

export async function inspectImage(path: string, opts: InspectOptions = {}): Promise<ImageInspection> {
  const st = await statImage(path);
  const compression = compressionOf(await fileHead(path, 8));
  const reader = new ForwardReader(path, compression);
  try {
    refuseNonDisk(path, await reader.read(0, HEAD_BYTES, true), compression);
    const table = await readPartitionTable(reader);
    const layout = esxiLayout(table);
    const volumes = await readVolumes(reader, table, layout);
    const found = describe(volumes, layout);
    const result: ImageInspection = {
      path,
      fileSize: st.size,
      compression,
      filetype: DISK_FILETYPE[compression],
      expandedSize: compression === 'none' ? st.size : table.diskSize,
      esxiLayout: layout?.generation ?? null,
      partitionTable: { scheme: table.scheme, partitions: table.partitions.map((p) => ({ ...p, fat: fatOf(volumes.get(p.number)), read: volumes.has(p.number) })) },
      ...found,
      bytesDecompressed: reader.bytesDecompressed,
      warnings: [...table.warnings, ...found.warnings, ...(await trailerWarnings(path, st.size, compression, table.diskSize))],
    };
    if (opts.sha256) result.sha256 = await imageSha256(path, st, opts);
    return result;
  } finally {
    reader.close();
  }
}

async function statImage(path: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(path);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ImageInspectError(`Cannot read the image ${path}: ${code === 'ENOENT' ? 'no such file' : code}.`, { code: 'NOT_FOUND', hint: 'Give the path of a disk image file (e.g. vmware-esxi.dd.gz).', cause });
  }
  // An empty file holds no disk; create refuses it too (lib/upload/locate.ts).
  if (st.size === 0) throw new ImageInspectError(`The image ${path} is empty (0 bytes).`, { code: 'EMPTY', hint: 'Give the path of the built disk image (e.g. vmware-esxi.dd.gz); a build that failed may have left an empty file.' });
  return st;
}

async function fileHead(path: string, length: number, position = 0): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await fh.read(buf, 0, length, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Read the FAT partitions in disk order, up to the end of the bootbank (ESXi) or the first GiB (others). */
async function readVolumes(reader: ForwardReader, table: PartitionTable, layout: EsxiLayout | null): Promise<Map<number, FatVolume | null>> {
  const stopAt = layout ? layout.bootbank.offset + layout.bootbank.size : OTHER_DISK_READ_LIMIT;
  const volumes = new Map<number, FatVolume | null>();
  const inOrder = [...table.partitions].sort((a, b) => a.offset - b.offset).filter((p) => p.offset < stopAt && p.size >= 512);
  for (const p of inOrder) {
    const wanted = p.number === 1 ? PARTITION1_WANTED : layout && p.number === layout.bootbank.number ? BOOTBANK_WANTED : new Map();
    volumes.set(p.number, await readFatVolume(reader, p.offset, wanted));
  }
  return volumes;
}

function fatOf(v: FatVolume | null | undefined): InspectedPartition['fat'] {
  return v ? { type: v.type, label: v.label } : null;
}

function describe(volumes: Map<number, FatVolume | null>, layout: EsxiLayout | null): Pick<ImageInspection, 'esxi' | 'hooks' | 'provenance' | 'warnings'> {
  const warnings: string[] = [];
  const p1 = volumes.get(1)?.files ?? new Map();
  const bootCfg = layout ? volumes.get(layout.bootbank.number)?.files.get('boot.cfg')?.content : undefined;
  const release = bootCfg ? parseBootCfg(bootCfg.toString('utf8')) : null;
  if (layout && !release) warnings.push(`The bootbank (partition ${layout.bootbank.number}) has no boot.cfg naming an ESXi build.`);
  let provenance: ProvenanceRecord | null = null;
  const record = p1.get(HOOK_FILES.provenance)?.content;
  if (record) {
    const parsed = parseProvenance(record);
    if ('record' in parsed) provenance = parsed.record;
    else warnings.push(parsed.problem);
  }
  return {
    esxi: release && layout ? { ...release, layout: layout.generation, datastorePartition: layout.datastore } : null,
    hooks: classifyHooks(p1),
    provenance,
    warnings,
  };
}

/**
 * A cheap check for a file cut short after the bootbank: gzip's trailer holds the payload's size
 * modulo 2^32 (RFC 1952 2.3.1 ISIZE), xz's stream footer ends in `YZ` (xz file format 2.1.2.4).
 */
async function trailerWarnings(path: string, size: number, compression: Compression, diskSize: number | null): Promise<string[]> {
  const fix = 'Copy or download the image again and compare its sha256 with the one the build printed.';
  if (compression === 'gzip' && diskSize !== null && size >= 18) {
    const isize = (await fileHead(path, 4, size - 4)).readUInt32LE(0);
    if (isize !== diskSize % 2 ** 32) return [`The gzip trailer records ${isize} bytes (modulo 4 GiB), not the ${diskSize} bytes the partition table gives: the file may be truncated. ${fix}`];
  }
  if (compression === 'xz' && size >= 12 && (await fileHead(path, 2, size - 2)).toString('latin1') !== 'YZ') {
    return [`The file does not end with an xz stream footer: it may be truncated. ${fix}`];
  }
  return [];
}
