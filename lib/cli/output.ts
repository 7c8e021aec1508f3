import { scrubSecrets } from '../auth/redact.js';
import { MaasError, type MaasFix } from '../errors/index.js';
import { cliFix, hintFromFix } from './fix-flags.js';
import { cliHint } from './hint-flags.js';

interface TerminalStream {
  write(chunk: string): boolean;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
}

/** Everything a command may touch of its environment; tests pass their own (gh's IOStreams idea). */
export interface CliIO {
  stdout: TerminalStream;
  stderr: TerminalStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean | undefined };
  env: NodeJS.ProcessEnv;
  cwd: string;
  home: string;
}

interface OutputFlags {
  json: boolean;
  quiet: boolean;
  color: boolean;
}

/**
 * The only way commands write. stdout carries results only; logs and progress go to stderr;
 * `--json` prints exactly one JSON document (result or error); every line is scrubbed of the
 * API key as a last line of defence (docs/architecture.md#conventions).
 */
export class Output {
  readonly #secrets: string[] = [];
  /** The profile the command runs as: SDK hints say `maas PROFILE …`, the user typed a name. */
  profile: string | undefined;
  #resultWritten = false;
  /** A progress bar drawn on stderr: stopped before any other line goes there, or the line is drawn over. */
  #live: (() => void) | undefined;

  constructor(
    readonly io: CliIO,
    readonly flags: OutputFlags,
  ) {}

  /** Register a secret (API key and its parts) that must never be printed. */
  protect(...secrets: (string | null | undefined)[]): void {
    for (const s of secrets) if (s) this.#secrets.push(s, ...s.split(':').filter((p) => p.length >= 8));
  }

  scrub(text: string): string {
    return scrubSecrets(text, this.#secrets);
  }

  get stderrIsTTY(): boolean {
    return Boolean(this.io.stderr.isTTY);
  }

  /** A result on stdout: JSON with MAAS's 4-space indentation. */
  result(value: unknown): void {
    this.#resultWritten = true;
    this.io.stdout.write(this.scrub(`${JSON.stringify(value, null, 4)}\n`));
  }

  /** Plain text on stdout (non-JSON commands such as `list` and `completion`). */
  text(text: string): void {
    this.io.stdout.write(this.scrub(text.endsWith('\n') ? text : `${text}\n`));
  }

  /**
   * A result MAAS answers as plain text (`boot-resources import`: "Import of boot resources
   * started", as the maas CLI prints it): that text, or with --json the same text as a JSON string.
   */
  textResult(text: string): void {
    if (this.flags.json) this.result(text);
    else this.text(text);
  }

  /**
   * A bar now draws on stderr (`stop` ends it), or none (undefined). cli-progress saves the cursor
   * when a bar starts and restores it when the bar stops, so a line written under a live bar
   * would be overwritten by what comes after the bar: every line here stops the bar first.
   */
  setLive(stop: (() => void) | undefined): void {
    this.#live = stop;
  }

  /** End the live bar or status line now, if one is drawn, as any other line does first. */
  endLive(): void {
    const stop = this.#live;
    this.#live = undefined;
    stop?.();
  }

  #line(text: string): void {
    this.endLive();
    this.io.stderr.write(this.scrub(text));
  }

  /** A `--debug` trace line on stderr (silent with --quiet). */
  trace(line: string): void {
    if (!this.flags.quiet) this.#line(`${line}\n`);
  }

  /** Informational line on stderr; silent with --quiet; a JSON line with --json (stderr stays parseable). */
  info(line: string): void {
    if (this.flags.json) this.event({ event: 'log', level: 'info', message: line });
    else if (!this.flags.quiet) this.#line(`${line}\n`);
  }

  /** Ctrl-C's notice: `maas-esxi: …` on a line of its own; a JSON log line with --json; nothing with --quiet. */
  notice(message: string): void {
    this.info(this.flags.json ? message : `maas-esxi: ${message}`);
  }

  warn(line: string): void {
    if (this.flags.json) this.event({ event: 'log', level: 'warning', message: line });
    else if (!this.flags.quiet) this.#line(`${this.#paint('33', 'warning:')} ${line}\n`);
  }

  /** One machine-readable progress event: a JSON line on stderr (stdout keeps its one document). */
  event(value: unknown): void {
    if (!this.flags.quiet) this.io.stderr.write(this.scrub(`${JSON.stringify(value)}\n`));
  }

  /** Raw write to stderr for progress renderers (already formatted). */
  progress(text: string): void {
    if (!this.flags.quiet) this.io.stderr.write(this.scrub(text));
  }

  /** One error: a single line with the fix on stderr, or the error document with --json. */
  error(err: unknown): void {
    const e = err instanceof Error ? err : new Error(String(err));
    if (this.flags.json) {
      if (this.#resultWritten) return;
      const doc = e instanceof MaasError ? e.toJSON() : { name: e.name, message: e.message };
      // Hint and fix are read by the same user as the line: in CLI words (flags, commands); the
      // SDK's own fix stays under sdkFix for programs that know the SDK.
      delete doc['fix'];
      if (e instanceof MaasError) Object.assign(doc, this.#cliHintAndFix(e));
      this.io.stdout.write(this.scrub(`${JSON.stringify({ error: doc }, null, 4)}\n`));
      return;
    }
    const hint = e instanceof MaasError ? this.#cliHintAndFix(e).hint : undefined;
    this.#line(`${this.#paint('31', 'maas-esxi: error:')} ${sentence(e.message)}${hint ? ` ${sentence(hint)}` : ''}\n`);
  }

  /** The hint from the error's structured fix (lib/cli/fix-flags.ts), else its prose in CLI words. */
  #cliHintAndFix(e: MaasError): { hint?: string; fix?: Record<string, unknown>; sdkFix?: MaasFix } {
    const prose = hintFromFix(e) ?? e.hint;
    const fix = cliFix(e.fix);
    return {
      ...(prose === undefined ? {} : { hint: cliHint(prose, this.profile) }),
      ...(fix === undefined ? {} : { fix }),
      ...(e.fix === undefined ? {} : { sdkFix: e.fix }),
    };
  }

  #paint(code: string, text: string): string {
    return this.flags.color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }
}

/**
 * One line that ends as a sentence: a message and its hint must not run together ("No such
 * file: x Check the path"), and a multi-line cause must not break the one-line rule.
 */
function sentence(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ').trim();
  return line === '' || /[.?!]["')]?$/.test(line) ? line : `${line}.`;
}

/** Colour only on a TTY, never with NO_COLOR set (no-color.org), forced by FORCE_COLOR. */
export function wantsColor(io: CliIO, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (io.env['NO_COLOR'] !== undefined && io.env['NO_COLOR'] !== '') return false;
  if (io.env['FORCE_COLOR'] !== undefined && io.env['FORCE_COLOR'] !== '0') return true;
  return Boolean(io.stderr.isTTY);
}
