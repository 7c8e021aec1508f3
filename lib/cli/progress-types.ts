// What a progress view is, apart from the views themselves (lib/cli/progress-view.ts), so that
// --quiet can use the silent one without loading them (docs/performance.md).

export interface ProgressSample {
  label: string;
  phase: 'hash' | 'upload';
  /** Upload only: the bytes MAAS acknowledged (`done` counts bytes sent). */
  acked?: number;
  done: number;
  total: number;
  /** Bytes per second, 0 when unknown. */
  rate: number;
  eta: number | undefined;
}

/**
 * Progress on stderr: a bar on a TTY (cli-progress), one line every few seconds otherwise
 * (cli-progress prints nothing off a TTY, docs/dependencies.md#cli-progress), nothing with --quiet.
 */
export interface ProgressView {
  update(sample: ProgressSample): void;
  /** A log line that must not be torn by the bar. */
  log(line: string): void;
  stop(): void;
}

/** The view of --quiet: shows nothing (lib/cli/upload-run.ts attaches no listener to it). */
export const SILENT_VIEW: ProgressView = { update: () => undefined, log: () => undefined, stop: () => undefined };
