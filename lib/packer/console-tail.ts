/**
 * Follows the VM's serial console during the silent "Waiting for shutdown..." phase
 * (docs/packer.md): either a file qemu writes (`-serial file:PATH`) or, for templates
 * with `-serial stdio`, the `Qemu stdout:` lines of Packer's debug log.
 */
import { open, stat } from 'node:fs/promises';

/** Terminal control sequences the ESXi installer's console is full of. */
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[@-_]/g;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

/** One readable console line: escapes removed; for `\r` redraws, the last version of the line. */
export function cleanConsoleLine(raw: string): string {
  const noAnsi = raw.replace(ANSI, '');
  const parts = noAnsi.split('\r').filter((p) => p.trim() !== '');
  return (parts[parts.length - 1] ?? '').replace(CONTROL, '').trimEnd();
}

/** `… packer-builder-qemu plugin: Qemu stdout: TEXT` in a PACKER_LOG line → TEXT. */
export function consoleLineFromDebugLog(line: string): string | undefined {
  const m = /Qemu stdout: ?(.*)$/.exec(line);
  return m ? m[1] : undefined;
}

const MAX_READ = 1024 * 1024;

export class FileTail {
  #offset = 0;
  #partial = '';
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  readonly #candidates: string[];
  readonly #onLine: (line: string) => void;
  readonly #intervalMs: number;
  readonly #select: (raw: string) => string | undefined;
  /** The file actually followed (the first candidate that appeared). */
  path: string | undefined;

  /**
   * @param select picks the console text out of a raw line (e.g. {@link consoleLineFromDebugLog}
   *   for Packer's debug log); lines it returns undefined for are skipped.
   */
  constructor(
    candidates: string[],
    onLine: (line: string) => void,
    intervalMs = 1000,
    select: (raw: string) => string | undefined = (raw) => raw,
  ) {
    this.#candidates = candidates;
    this.#onLine = onLine;
    this.#intervalMs = intervalMs;
    this.#select = select;
  }

  start(): void {
    this.#timer = setInterval(() => void this.#poll(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stop polling and deliver whatever is left, including an unterminated last line. */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#poll();
    if (this.#partial) this.#deliver(this.#partial);
    this.#partial = '';
  }

  #poll(): Promise<void> {
    // One read at a time; a slow disk must not interleave chunks.
    this.#running = (this.#running ?? Promise.resolve()).then(() => this.#readMore()).catch(() => undefined);
    return this.#running;
  }

  async #readMore(): Promise<void> {
    if (!this.path) {
      for (const c of this.#candidates) {
        if (await stat(c).then((s) => s.isFile(), () => false)) {
          this.path = c;
          break;
        }
      }
      if (!this.path) return;
    }
    const fh = await open(this.path, 'r');
    try {
      const { size } = await fh.stat();
      if (size < this.#offset) this.#offset = 0; // truncated / recreated
      while (this.#offset < size) {
        const len = Math.min(MAX_READ, size - this.#offset);
        const buf = Buffer.alloc(len);
        const { bytesRead } = await fh.read(buf, 0, len, this.#offset);
        if (bytesRead === 0) break;
        this.#offset += bytesRead;
        this.#feed(buf.toString('latin1', 0, bytesRead));
      }
    } finally {
      await fh.close();
    }
  }

  #feed(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const l of lines) this.#deliver(l);
  }

  #deliver(raw: string): void {
    const text = this.#select(raw);
    if (text === undefined) return;
    const line = cleanConsoleLine(text);
    if (line) this.#onLine(line);
  }
}

const DIAGNOSTICS_TAIL = 512 * 1024;

/** qemu's stderr as Packer's debug log recorded it (`… Qemu stderr: …`), last lines only. */
export async function qemuDiagnostics(logPath: string, max = 20): Promise<string[]> {
  try {
    const fh = await open(logPath, 'r');
    try {
      const { size } = await fh.stat();
      const len = Math.min(size, DIAGNOSTICS_TAIL);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - len);
      const lines: string[] = [];
      for (const l of buf.toString('utf8').split('\n')) {
        const m = /Qemu stderr: ?(.*)$/.exec(l);
        const text = m?.[1] ? cleanConsoleLine(m[1]) : '';
        if (text) lines.push(text);
      }
      return lines.slice(-max);
    } finally {
      await fh.close();
    }
  } catch {
    return [];
  }
}
