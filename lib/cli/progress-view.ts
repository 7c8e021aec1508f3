import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';
import { formatBytes, formatDuration } from './format.js';
import type { Output } from './output.js';
import { SILENT_VIEW, type ProgressSample, type ProgressView } from './progress-types.js';

/** How a view paces itself; tests pass a clock and a fast ticker. */
interface ViewTiming {
  /** At most one line per interval between a phase's ends (default 5 s). */
  intervalMs?: number;
  now?: () => number;
  /** How often a line view checks for a quiet interval (default 1 s). */
  tickMs?: number;
}

export function createProgressView(out: Output, opts: ViewTiming & { prefix?: string } = {}): ProgressView {
  if (out.flags.quiet) return SILENT_VIEW;
  const timing = { intervalMs: opts.intervalMs ?? 5_000, now: opts.now ?? Date.now, tickMs: opts.tickMs ?? 1_000, prefix: opts.prefix ?? '' };
  // With --json stderr stays JSON lines (a script parses both streams): events, never a bar.
  // A script reads bytesAcked too: it gets the event where everything is sent (before MAAS's
  // check, a wait of minutes) and the one where MAAS acknowledged everything, its last.
  if (out.flags.json) return new LineView(out, { ...timing, emit: progressEvent, endOf: (s) => (s.done < s.total ? undefined : (s.acked ?? s.done) >= s.total ? 'acked' : 'sent') });
  // Several sites upload at once: one bar each would tear each other, so each site gets lines.
  if (out.stderrIsTTY && opts.prefix === undefined) return new BarView(out);
  return new LineView(out, { ...timing, emit: progressLine, endOf: (s) => (s.done >= s.total ? 'sent' : undefined) });
}

function describe(s: ProgressSample): { pct: string; amount: string; speed: string; eta: string } {
  const pct = s.total > 0 ? ((100 * s.done) / s.total).toFixed(1) : '0.0';
  return {
    pct,
    amount: `${formatBytes(s.done)} / ${formatBytes(s.total)}`,
    speed: s.rate > 0 ? `${formatBytes(s.rate)}/s` : '--/s',
    eta: formatDuration(s.eta),
  };
}

/** The plain line a pipe or CI log reads. */
function progressLine(out: Output, s: ProgressSample, prefix: string): void {
  const d = describe(s);
  out.progress(`${prefix}${s.label} ${d.amount} (${d.pct}%) ${d.speed} ETA ${d.eta}\n`);
}

/** The same sample as a JSON line: bytes hashed so far, or bytes MAAS acknowledged. */
function progressEvent(out: Output, s: ProgressSample): void {
  const counted = s.phase === 'hash' ? { bytesHashed: s.done } : { bytesSent: s.done, bytesAcked: s.acked ?? 0 };
  out.event({ event: 'progress', phase: s.phase, ...counted, total: s.total, rate: Math.round(s.rate), etaSeconds: s.eta ?? null });
}

/**
 * Which end of which phase was shown: the SDK reports an end again (all sent, then acknowledged
 * after MAAS's check), and a view shows each end once; a sample below 100 % again (an upload
 * started over) makes its end news again.
 */
class ShownEnds {
  #shown: { label: string; end: string } | undefined;
  /** Whether this sample is an end already shown (`end`: which end it is, undefined below 100 %). */
  repeats(label: string, end: string | undefined): boolean {
    if (label !== this.#shown?.label) return false;
    if (end === undefined) this.#shown = undefined;
    return end !== undefined && end === this.#shown?.end;
  }
  /** A sample was shown: remember its end, or forget the last one when it was none. */
  shown(label: string, end: string | undefined): void {
    this.#shown = end === undefined ? undefined : { label, end };
  }
}

type LineViewOptions = Required<ViewTiming> & {
  prefix: string;
  emit: (out: Output, s: ProgressSample, prefix: string) => void;
  /** Which end of its phase a sample is, if any: a person reads one (all sent), a script two (sent, acknowledged). */
  endOf: (s: ProgressSample) => string | undefined;
};

/**
 * One line (or event) per phase change, at the end, and every `intervalMs` between: when no new
 * sample came (a chunk crossing a slow link is handed to the kernel at once, then acknowledged
 * many seconds later), the last one again, its ETA counted down by the time since.
 */
class LineView implements ProgressView {
  #last = -Infinity;
  #label = '';
  /** The latest sample of a phase in progress, and when it came: what a quiet interval repeats. */
  #latest: { s: ProgressSample; at: number } | undefined;
  #ticker: NodeJS.Timeout | undefined;
  readonly #ends = new ShownEnds();
  readonly #out: Output;
  readonly #o: LineViewOptions;
  constructor(out: Output, o: LineViewOptions) {
    this.#out = out;
    this.#o = o;
  }
  update(s: ProgressSample): void {
    const t = this.#o.now();
    const end = this.#o.endOf(s);
    if (this.#ends.repeats(s.label, end)) return;
    this.#latest = end === undefined ? { s, at: t } : undefined;
    this.#ticker ??= setInterval(() => this.#quiet(), this.#o.tickMs).unref();
    if (s.label === this.#label && end === undefined && t - this.#last < this.#o.intervalMs) return;
    this.#ends.shown(s.label, end);
    this.#label = s.label;
    this.#last = t;
    this.#o.emit(this.#out, s, this.#o.prefix);
  }
  /** Nothing new for a whole interval: the latest sample again, its ETA counted down. */
  #quiet(): void {
    const t = this.#o.now();
    const latest = this.#latest;
    if (!latest || t - this.#last < this.#o.intervalMs) return;
    this.#last = t;
    const eta = latest.s.eta === undefined ? undefined : Math.max(0, latest.s.eta - (t - latest.at) / 1000);
    this.#o.emit(this.#out, { ...latest.s, eta }, this.#o.prefix);
  }
  /** A log line is news of its own (a retry's wait, a phase): no repeat of the sample before it. */
  log(line: string): void {
    this.#latest = undefined;
    this.#out.info(`${this.#o.prefix}${line}`);
  }
  stop(): void {
    this.#latest = undefined;
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }
}

class BarView implements ProgressView {
  readonly #bar: SingleBar;
  #active = false;
  #label = '';
  readonly #ends = new ShownEnds();
  readonly #out: Output;
  constructor(out: Output) {
    this.#out = out;
    // Loaded on a TTY only: piped and CI runs never need it.
    const cliProgress = createRequire(import.meta.url)('cli-progress') as typeof import('cli-progress');
    this.#bar = new cliProgress.SingleBar({
      stream: { write: (s: string) => out.progress(s), isTTY: true, columns: out.io.stderr.columns ?? 100, cursorTo: undefined } as unknown as NodeJS.WritableStream,
      format: '{label} [{bar}] {pct}% | {amount} | {speed} | ETA {etaText}',
      barsize: 30,
      hideCursor: false,
      clearOnComplete: false,
      fps: 10,
    });
  }
  update(s: ProgressSample): void {
    const end = s.done >= s.total ? 'sent' : undefined;
    if (this.#ends.repeats(s.label, end)) return;
    if (end !== undefined) this.#ends.shown(s.label, end);
    const d = describe(s);
    const payload = { label: s.label.padEnd(9), pct: d.pct, amount: d.amount, speed: d.speed, etaText: d.eta };
    if (!this.#active || s.label !== this.#label) {
      if (this.#active) this.#bar.stop();
      this.#bar.start(Math.max(1, s.total), s.done, payload);
      this.#active = true;
      this.#label = s.label;
      this.#out.setLive(() => this.#end());
      return;
    }
    this.#bar.setTotal(Math.max(1, s.total));
    this.#bar.update(s.done, payload);
  }
  /** Output stops the bar before it writes any line (Output.setLive). */
  log(line: string): void {
    this.#out.info(line);
  }
  stop(): void {
    if (this.#active) this.#out.endLive();
  }
  #end(): void {
    if (this.#active) this.#bar.stop();
    this.#active = false;
  }
}
