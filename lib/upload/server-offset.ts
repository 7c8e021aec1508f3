import type { BootResourceFile, MaasEra } from '../resources/types.js';
import { setsNewestFirst } from '../resources/set-order.js';

/**
 * How many bytes of `file` the server holds, from the `progress` it reports (docs/maas-upload-protocol.md#deriving-the-offset).
 * 3.5+: progress = 100·received/size on a single region, serialised as Python's shortest repr, so
 * `Math.round(progress * size / 100)` is exact. ≤3.4: file progress is the inverse ratio
 * size/received (0 when nothing was received). A missing progress means the file is complete.
 * `regions` > 1 scales the 3.5+ formula (the sum covers every region; only one receives chunks).
 */
export function deriveServerOffset(file: Pick<BootResourceFile, 'size' | 'progress' | 'complete'>, era: MaasEra, regions = 1): number {
  if (file.complete || file.progress === undefined) return file.size;
  const progress = file.progress;
  if (!Number.isFinite(progress) || progress <= 0) return 0;
  if (era === '3.4') return Math.min(file.size, Math.round(file.size / progress));
  return Math.min(file.size, Math.round((progress * file.size * regions) / 100));
}

/**
 * The number of region controllers behind a 3.5+ `progress`, learnt from an offset the server
 * acknowledged (the count whose formula gives that offset back), for a MAAS whose
 * `regioncontrollers/` cannot be read. Guessing the count afresh after each failure would be
 * ambiguous: progress for 4 MiB of 12 MiB on one region is also 8 MiB on two
 * (docs/maas-upload-protocol.md#deriving-the-offset). Undefined when no count from 1 to 16 fits.
 */
export function regionCountFor(file: Pick<BootResourceFile, 'size' | 'progress' | 'complete'>, era: MaasEra, acknowledged: number): number | undefined {
  if (era === '3.4' || file.complete || file.progress === undefined || acknowledged <= 0) return undefined;
  for (let n = 1; n <= 16; n++) if (deriveServerOffset(file, era, n) === acknowledged) return n;
  return undefined;
}

/** The newest set's file with the given sha256 (by version: JSON.parse does not keep MAAS's newest-first order, lib/resources/set-order.ts). */
export function findFileBySha256(
  resource: { sets?: Record<string, { files: Record<string, BootResourceFile> }> },
  sha256: string,
): { setVersion: string; file: BootResourceFile } | undefined {
  for (const [setVersion, set] of setsNewestFirst(resource.sets)) {
    for (const file of Object.values(set.files)) {
      if (file.sha256 === sha256) return { setVersion, file };
    }
  }
  return undefined;
}
