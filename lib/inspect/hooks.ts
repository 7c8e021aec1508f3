/**
 * Whose MAAS hooks an image carries (docs/image-inspection.md#hooks). curtin runs
 * `curtin/curtin-hooks` from the partition holding it (curtin `curtin/commands/curthooks.py`
 * `builtin_curthooks` → `run_target_hook`); without it an ESXi image deploys, then never
 * configures its network nor tells MAAS it finished.
 */
import { inflateRawSync } from 'node:zlib';
import type { FatFile } from './fat-files.js';

export const HOOK_FILES = {
  hooks: 'curtin/curtin-hooks',
  payload: 'curtin/maas-esxi.pyz',
  provenance: 'curtin/maas-esxi-provenance.json',
  packerMaasScripts: 'curtin/scripts.tar.xz',
} as const;

export interface HookInfo {
  /** `maas-esxi`: ours; `packer-maas`: canonical/packer-maas's vmware-esxi; `unknown`: someone else's; `none`: no hooks. */
  kind: 'maas-esxi' | 'packer-maas' | 'unknown' | 'none';
  /** Our first-boot payload's VERSION (maas_esxi/__init__.py), when it is ours. */
  payloadVersion: string | null;
  /** The files found under curtin/ on partition 1. */
  files: string[];
}

/** Our hook names itself in its log lines (packer/vmware-esxi/hooks/curtin_hooks.py `log`). */
const OUR_MARK = 'maas-esxi curtin-hooks';

export function classifyHooks(files: ReadonlyMap<string, FatFile>): HookInfo {
  const hook = files.get(HOOK_FILES.hooks);
  const listed = [...files.values()].map((f) => f.path).sort();
  if (!hook) return { kind: 'none', payloadVersion: null, files: listed };
  const payload = files.get(HOOK_FILES.payload);
  const text = hook.content?.toString('utf8') ?? '';
  if (text.includes(OUR_MARK) || payload) {
    return { kind: 'maas-esxi', payloadVersion: payload?.content ? payloadVersion(payload.content) : null, files: listed };
  }
  // packer-maas's post.sh copies scripts.tar.xz next to its hook, which unpacks it to partition 6.
  if (files.has(HOOK_FILES.packerMaasScripts) || text.includes('scripts.tar.xz')) return { kind: 'packer-maas', payloadVersion: null, files: listed };
  return { kind: 'unknown', payloadVersion: null, files: listed };
}

/** VERSION of `maas_esxi/__init__.py` inside the payload zip (PKWARE APPNOTE 4.3: central directory). */
function payloadVersion(zip: Buffer): string | null {
  const source = zipEntry(zip, 'maas_esxi/__init__.py');
  const m = source ? /^VERSION\s*=\s*["']([^"']+)["']/m.exec(source.toString('utf8')) : null;
  return m ? m[1]! : null;
}

function zipEntry(zip: Buffer, wanted: string): Buffer | null {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0 || eocd + 22 > zip.length) return null;
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < zip.readUInt16LE(eocd + 10) && at + 46 <= zip.length; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) return null;
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (name === wanted) {
      const local = zip.readUInt32LE(at + 42);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + compressed);
      try {
        return method === 0 ? data : method === 8 ? inflateRawSync(data) : null;
      } catch {
        return null;
      }
    }
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return null;
}
