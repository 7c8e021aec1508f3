import type { MaasEra } from './types.js';

/**
 * Map a `version/` string to the behaviour era that decides upload semantics (docs/maas-upload-protocol.md#differences-between-eras):
 * ≤3.4 Postgres large objects, 3.5–3.7 positional disk writes, 3.8+ append-only disk writes.
 * An unknown version ("None", garbage) is treated as the newest era, whose rules are the strictest.
 */
export function eraOf(version: string): MaasEra {
  const m = /^(\d+)\.(\d+)/.exec(version.trim());
  if (!m) return '3.8';
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major < 3 || (major === 3 && minor <= 4)) return '3.4';
  if (major === 3 && minor <= 7) return '3.7';
  return '3.8';
}
