import { createRequire } from 'node:module';
import type { SingleBar } from 'cli-progress';
import { formatBytes, formatDuration } from './format.js';
import type { Output } from './output.js';
import { SILENT_VIEW, type ProgressSample, type ProgressView } from './progress-types.js';

export function createProgressView(out: Output, opts: { intervalMs?: number; now?: () => number; prefix?: string } = {}): ProgressView {
  if (out.flags.quiet) return SILENT_VIEW;
  // With --json stderr stays JSON lines (a script parses both streams): events, never a bar.
  // A script reads bytesAcked too: its last event is the one where MAAS acknowledged everything.
  if (out.flags.json) return new LineView(out, opts.intervalMs ?? 5_000, opts.now ?? Date.now, progressEvent, opts.prefix ?? '', (s) => s.done >= s.total && (s.acked ?? s.done) >= s.total);
  // Several sites upload at once: one bar each would tear each other, so each site gets lines.
  if (out.stderrIsTTY && opts.prefix === undefined) return new BarView(out);
  return new LineView(out, opts.intervalMs ?? 5_000, opts.now ?? Date.now, progressLine, opts.prefix ?? '', (s) => s.done >= s.total);
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

/** One line (or event) per phase change, at the end, and at most every `intervalMs` between. */
class LineView implements ProgressView {
  #last = -Infinity;
  #label = '';
  /** The phase whose 100 % line is out: the SDK may report the end again (sent, then acknowledged). */
  #finishedLabel: string | undefined;
  readonly #out: Output;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #emit: (out: Output, s: ProgressSample, prefix: string) => void;
  readonly #prefix: string;
  /** When a sample is the phase's end: all sent for a person, all sent and acknowledged for a script. */
  readonly #isEnd: (s: ProgressSample) => boolean;
  constructor(
    out: Output,
    intervalMs: number,
    now: () => number,
    emit: (out: Output, s: ProgressSample, prefix: string) => void,
    prefix: string,
    isEnd: (s: ProgressSample) => boolean,
  ) {
    this.#out = out;
    this.#isEnd = isEnd;
    this.#prefix = prefix;
    this.#intervalMs = intervalMs;
    this.#now = now;
    this.#emit = emit;
  }
  update(s: ProgressSample): void {
    const t = this.#now();
    const finished = this.#isEnd(s);
    // Below 100 % again (an upload started over): its end is news again.
    if (!finished && s.label === this.#finishedLabel) this.#finishedLabel = undefined;
    if (finished && s.label === this.#finishedLabel) return;
    if (s.label === this.#label && !finished && t - this.#last < this.#intervalMs) return;
    this.#finishedLabel = finished ? s.label : undefined;
    this.#label = s.label;
    this.#last = t;
    this.#emit(this.#out, s, this.#prefix);
  }
  log(line: string): void {
    this.#out.info(`${this.#prefix}${line}`);
  }
  stop(): void {}
}

class BarView implements ProgressView {
  readonly #bar: SingleBar;
  #active = false;
  #label = '';
  /** The phase whose bar ended at 100 %: the SDK reports the end again (sent, then acknowledged after MAAS's check). */
  #finishedLabel: string | undefined;
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
    const finished = s.done >= s.total;
    if (s.label === this.#finishedLabel) {
      if (finished) return;
      this.#finishedLabel = undefined; // below 100 % again: an upload started over
    }
    if (finished) this.#finishedLabel = s.label;
    const d = describe(s);
    const payload = { label: s.label.padEnd(9), pct: d.pct, amount: d.amount, speed: d.speed, etaText: d.eta };
    if (!this.#active || s.label !== this.#label) {
      if (this.#active) this.#bar.stop();
      this.#bar.start(Math.max(1, s.total), s.done, payload);
      this.#active = true;
      this.#label = s.label;
      return;
    }
    this.#bar.setTotal(Math.max(1, s.total));
    this.#bar.update(s.done, payload);
  }
  log(line: string): void {
    if (this.#active) {
      this.#bar.stop();
      this.#active = false;
    }
    this.#out.info(line);
  }
  stop(): void {
    if (this.#active) this.#bar.stop();
    this.#active = false;
  }
}
