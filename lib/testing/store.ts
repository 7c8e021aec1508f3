import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MaasEra, SimUser } from './types.js';

/** BootResource.rtype (docs/maas-upload-protocol.md#the-answer): 0 Synced, 1 Generated (≤3.4), 2 Uploaded. */
type ResourceType = 0 | 1 | 2;
export const RTYPE_SYNCED = 0;
export const RTYPE_UPLOADED = 2;

export interface ResourceRow {
  id: number;
  rtype: ResourceType;
  name: string;
  architecture: string;
  /** Merged into the JSON at top level, in insertion order (docs/maas-upload-protocol.md#the-answer). */
  extra: Record<string, string>;
  baseImage: string;
  lastDeployed: string | null;
}

export interface SetRow {
  id: number;
  resourceId: number;
  version: string;
  label: string;
}

export interface FileRow {
  id: number;
  setId: number;
  filename: string;
  filetype: string;
  sha256: string;
  size: number;
  filenameOnDisk: string;
  /** 3.5+: BootResourceFileSync rows, region index → bytes (docs/maas-upload-protocol.md#deriving-the-offset). */
  sync: Record<string, number>;
}

/** ≤3.4 LargeFile: one per sha256, shared by every file row with that sha256 (docs/maas-upload-protocol.md#same-content-twice). */
interface LargeFileRow {
  sha256: string;
  totalSize: number;
  /** Length of the large object, i.e. bytes received. */
  received: number;
}

export interface StateData {
  format: 1;
  era: MaasEra;
  nextId: { resource: number; set: number; file: number };
  users: SimUser[];
  resources: ResourceRow[];
  sets: SetRow[];
  files: FileRow[];
  /** ≤3.4 only, keyed by filename_on_disk. */
  largeFiles: Record<string, LargeFileRow>;
}

/**
 * The simulator's database: rows in memory, written to `<dataDir>/state.json` after every change
 * (temp file + rename, so a crash never leaves half a file). Uploaded bytes live beside it in
 * `files/`, named by filename_on_disk as MAAS names them in its image storage.
 */
export class SimStore {
  readonly statePath: string;
  readonly filesDir: string;
  readonly spoolDir: string;

  private constructor(readonly dataDir: string, public data: StateData) {
    this.statePath = join(dataDir, 'state.json');
    this.filesDir = join(dataDir, 'files');
    this.spoolDir = join(dataDir, 'tmp');
    mkdirSync(this.filesDir, { recursive: true });
    mkdirSync(this.spoolDir, { recursive: true });
  }

  /** Load `state.json` if present, else start from `init()` and persist it. */
  static open(dataDir: string, init: () => StateData): SimStore {
    const path = join(dataDir, 'state.json');
    if (existsSync(path)) {
      const data = JSON.parse(readFileSync(path, 'utf8')) as StateData;
      return new SimStore(dataDir, data);
    }
    const store = new SimStore(dataDir, init());
    store.save();
    return store;
  }

  save(): void {
    const tmp = `${this.statePath}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data));
    renameSync(tmp, this.statePath);
  }

  bytesPath(filenameOnDisk: string): string {
    return join(this.filesDir, filenameOnDisk);
  }

  /** 3.5–3.7 write into `<name>.incomplete` and rename at the end (docs/maas-upload-protocol.md#same-content-twice, #integrity-errors). */
  partialPath(filenameOnDisk: string): string {
    return join(this.filesDir, `${filenameOnDisk}.incomplete`);
  }

  nextId(kind: keyof StateData['nextId']): number {
    return this.data.nextId[kind]++;
  }

  resource(id: number): ResourceRow | undefined {
    return this.data.resources.find((r) => r.id === id);
  }

  /** Sets of a resource, oldest first. */
  setsOf(resourceId: number): SetRow[] {
    return this.data.sets.filter((s) => s.resourceId === resourceId).sort((a, b) => a.id - b.id);
  }

  filesOf(setId: number): FileRow[] {
    return this.data.files.filter((f) => f.setId === setId).sort((a, b) => a.id - b.id);
  }

  file(id: number): FileRow | undefined {
    return this.data.files.find((f) => f.id === id);
  }

  resourceOfFile(file: FileRow): ResourceRow | undefined {
    const set = this.data.sets.find((s) => s.id === file.setId);
    return set ? this.resource(set.resourceId) : undefined;
  }

  filesWithSha(sha256: string): FileRow[] {
    return this.data.files.filter((f) => f.sha256 === sha256);
  }

  /**
   * filename_on_disk: the first 7 characters of the sha256, lengthened while another sha256 already
   * uses that prefix; a known sha256 reuses its name (docs/maas-upload-protocol.md#same-content-twice).
   */
  filenameOnDiskFor(sha256: string): string {
    const known =
      this.data.files.find((f) => f.sha256 === sha256)?.filenameOnDisk ??
      Object.keys(this.data.largeFiles).find((name) => this.data.largeFiles[name]!.sha256 === sha256);
    if (known !== undefined) return known;
    const taken = (name: string) =>
      this.data.files.some((f) => f.filenameOnDisk === name && f.sha256 !== sha256) ||
      (name in this.data.largeFiles && this.data.largeFiles[name]!.sha256 !== sha256);
    let len = 7;
    while (len < sha256.length && taken(sha256.slice(0, len))) len++;
    return sha256.slice(0, len);
  }

  /** Remove file rows; returns the filename_on_disk values no row references any more. */
  deleteFiles(ids: readonly number[]): string[] {
    const gone = new Set(ids);
    const removed = this.data.files.filter((f) => gone.has(f.id));
    this.data.files = this.data.files.filter((f) => !gone.has(f.id));
    const orphans = new Set<string>();
    for (const f of removed) {
      if (!this.data.files.some((o) => o.filenameOnDisk === f.filenameOnDisk)) orphans.add(f.filenameOnDisk);
    }
    for (const name of orphans) delete this.data.largeFiles[name];
    return [...orphans];
  }

  /** Delete a resource with its sets and files (cascade); returns orphaned filename_on_disk values. */
  deleteResource(id: number): string[] {
    const setIds = new Set(this.setsOf(id).map((s) => s.id));
    const orphans = this.deleteFiles(this.data.files.filter((f) => setIds.has(f.setId)).map((f) => f.id));
    this.data.sets = this.data.sets.filter((s) => !setIds.has(s.id));
    this.data.resources = this.data.resources.filter((r) => r.id !== id);
    return orphans;
  }
}
