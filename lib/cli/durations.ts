import { UsageError } from './grammar.js';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration as Packer and Go write them (`90s`, `30m`, `1h30m`, `500ms`); a bare number is
 * seconds. Returns milliseconds.
 */
export function parseDuration(text: string, what: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (trimmed === '' || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new UsageError(`${what} '${text}' is not a duration.`, `Write it like 90s, 30m or 1h30m, e.g. ${what}=30m.`);
  }
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0));
}

/** True when `text` reads as a duration (used to tell `--wait-ready=10m` from a swallowed positional). */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text, 'duration');
    return true;
  } catch {
    return false;
  }
}
