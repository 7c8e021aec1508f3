import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { UploadConflictError } from '../errors/index.js';
import { join } from 'node:path';
import type { BootResourceFiletype, MaasEra } from '../resources/types.js';
import { writeFileAtomic } from './atomic-file.js';

/** What identifies one upload of one file to one MAAS (docs/architecture.md#data-flow-of-an-upload step 2). */
export interface UploadFingerprint {
  apiUrl: string;
  name: string;
  architecture: string;
  path: string;
  size: number;
  mtimeMs: number;
  ino: number;
}

/** The resume state of one upload: `$XDG_STATE_HOME/maas-esxi/uploads/<id>.json`, mode 0600. */
export interface UploadState {
  version: 1;
  id: string;
  fingerprint: UploadFingerprint;
  params: {
    name: string;
    architecture: string;
    title?: string | undefined;
    filetype: BootResourceFiletype;
    base_image?: string | undefined;
    keep_old?: boolean | undefined;
  };
  profile?: string | undefined;
  sha256: string;
  chunkSize: number;
  era: MaasEra;
  resourceId: number;
  uploadUri: string;
  /** Bytes the server acknowledged at the last save. Informational: the server is the truth. */
  offset: number;
  createdAt: string;
  updatedAt: string;
}

export function fingerprintId(f: UploadFingerprint): string {
  const text = [f.apiUrl, f.name, f.architecture, f.path, f.size, Math.round(f.mtimeMs * 1000), f.ino].join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export class UploadStateStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'uploads');
  }

  #file(id: string): string {
    if (!/^[0-9a-f]{16}$/.test(id)) throw new Error(`Not an upload id: ${id}`);
    return join(this.dir, `${id}.json`);
  }

  async get(id: string): Promise<UploadState | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.#file(id), 'utf8')) as UploadState;
      return parsed.version === 1 ? parsed : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  /** `durable: false` for the frequent progress updates (see writeFileAtomic). */
  async save(state: UploadState, durable = true): Promise<void> {
    await writeFileAtomic(this.#file(state.id), `${JSON.stringify(state, null, 2)}\n`, durable);
  }

  async remove(id: string): Promise<boolean> {
    const file = this.#file(id);
    try {
      await rm(file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * Exclusive use of one upload by this process: two runs appending the same chunks would
   * corrupt the server's copy (docs/maas-upload-protocol.md#append-only-writes). A lock left by a dead process is taken over.
   * Returns the release function.
   */
  async lock(id: string): Promise<() => Promise<void>> {
    const path = `${this.#file(id)}.lock`;
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(path, 'wx', 0o600);
        await fh.writeFile(String(process.pid));
        await fh.close();
        return () => rm(path, { force: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
        if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
          throw new UploadConflictError(`This upload is already running in process ${holder}.`, {
            code: 'UPLOAD_LOCKED',
            hint: 'Wait for it to finish (or stop it); two runs would corrupt the upload.',
          });
        }
        await rm(path, { force: true });
      }
    }
    throw new UploadConflictError(`Could not lock upload ${id}.`, { code: 'UPLOAD_LOCKED', hint: `Remove ${path} if no maas-esxi is running.` });
  }

  /** Every saved upload, oldest first; unreadable files are skipped. */
  async list(): Promise<UploadState[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const states: UploadState[] = [];
    for (const name of names) {
      const m = /^([0-9a-f]{16})\.json$/.exec(name);
      if (!m) continue;
      const s = await this.get(m[1]!);
      if (s) states.push(s);
    }
    return states.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
