/**
 * Which of a boot resource's sets is newest. MAAS names sets `YYYYmmdd`, then `YYYYmmdd.1`,
 * `.2`… for later sets the same day (docs/maas-upload-protocol.md#same-name-and-architecture-twice,
 * step 3) and renders them newest first, but that order does not survive JSON.parse: integer-like
 * keys such as `20261207` come before every other key. A text sort fails too (`.10` < `.9`).
 */

/** The numbers of a set version: `20261207.2` → [20261207, 2]; `20261207` → [20261207, 0]. */
function versionParts(version: string): number[] {
  return version.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : -1));
}

/** Negative when `a` is older than `b`, positive when newer (by day, then by that day's number). */
function compareSetVersions(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The sets as [version, set] pairs, newest first. */
export function setsNewestFirst<S>(sets: Record<string, S> | undefined): [string, S][] {
  return Object.entries(sets ?? {}).sort(([a], [b]) => compareSetVersions(b, a));
}

/** The newest set as [version, set], or undefined when there is none. */
export function newestSet<S>(sets: Record<string, S> | undefined): [string, S] | undefined {
  return setsNewestFirst(sets)[0];
}
