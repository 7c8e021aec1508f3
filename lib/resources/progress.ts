import type { BootResourceFile, MaasEra } from './types.js';

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
 * After an ambiguous failure the server holds one of `candidates` (the offset before the chunk,
 * or after it). MAAS 3.5+ divides progress by the number of region controllers (docs/maas-api.md
 * docs/maas-upload-protocol.md#deriving-the-offset), which a client cannot read; so test each candidate against the reported float for 1–16
 * regions, `regions` first. Falls back to deriveServerOffset when nothing matches exactly.
 */
export function matchServerOffset(
  file: Pick<BootResourceFile, 'size' | 'progress' | 'complete'>,
  era: MaasEra,
  candidates: readonly number[],
  regions = 1,
): number {
  if (file.complete || file.progress === undefined || era === '3.4') return deriveServerOffset(file, era, regions);
  const counts = [regions, ...Array.from({ length: 16 }, (_, i) => i + 1).filter((n) => n !== regions)];
  for (const n of counts) {
    const held = deriveServerOffset(file, era, n);
    if (candidates.includes(held)) return held;
  }
  return deriveServerOffset(file, era, regions);
}

/** The newest set's file with the given sha256 (sets are emitted newest first, docs/maas-upload-protocol.md#the-answer). */
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
