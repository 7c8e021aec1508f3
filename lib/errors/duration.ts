/**
 * A duration as people read it in an error, exactly: 1500 ms is "1.5 s" (rounding it to "2 s"
 * would claim a wait that never happened), 1800000 ms is "30 min".
 */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms < 1000) return `${ms} ms`;
  return `${Number((ms / 1000).toFixed(3))} s`;
}
