import { UsageError } from './grammar.js';

/** Parse `8388608`, `8M`, `8MiB`, `512K`, `512KiB` (binary units) into bytes. */
export function parseByteSize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(k|ki|kib|kb|m|mi|mib|mb|g|gi|gib|gb)?\s*$/i.exec(text);
  if (!m) throw new UsageError(`${what} '${text}' is not a size.`, `Write it in bytes or with a unit, e.g. ${what}=8MiB.`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.round(Number(m[1]) * factor);
}

/** `--limit-rate RATE` (or the simulator's `--throttle`): bytes per second with curl's suffixes (K, M, G: powers of 1024), at least 1K. */
export function parseRate(text: string, flag = '--limit-rate'): number {
  let rate: number;
  try {
    rate = parseByteSize(text, flag);
  } catch {
    throw new UsageError(`${flag} '${text}' is not a rate.`, `Write bytes per second with an optional K, M or G suffix, e.g. ${flag} 2M.`);
  }
  if (rate < 1024) throw new UsageError(`${flag} ${text} is below 1K.`, `Use at least ${flag} 1K.`);
  return rate;
}
