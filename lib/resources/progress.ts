import type { BootResourceFile, MaasEra } from './types.js';

/**
 * How many bytes of `file` the server holds, from the `progress` it reports (maas-api.md §4.3).
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

/** The newest set's file with the given sha256 (sets are emitted newest first, maas-api.md §3.9). */
export function findFileBySha256(
  resource: { sets?: Record<string, { files: Record<string, BootResourceFile> }> },
  sha256: string,
): { setVersion: string; file: BootResourceFile } | undefined {
  for (const [setVersion, set] of Object.entries(resource.sets ?? {})) {
    for (const file of Object.values(set.files)) {
      if (file.sha256 === sha256) return { setVersion, file };
    }
  }
  return undefined;
}
