/**
 * Parser for `packer -machine-readable` output (docs/packer.md).
 *
 * Each stdout line is `timestamp,target,type,data…`; commas inside data are written as
 * `%!(PACKER_COMMA)`, newlines as a literal `\n`, carriage returns as `\r`. In Packer 1.6.6 `ui`
 * lines carry an empty target (the build name is inside the text) while `artifact*` and `error`
 * lines carry the build name (docs/packer.md).
 */

export interface PackerEventBase {
  /** Unix seconds, from Packer (synthetic events use the local clock). */
  timestamp: number;
  /** Build name (`qemu.esxi`) or `''`. */
  target: string;
}

export type UiLevel = 'say' | 'message' | 'error';

/** Human output. `error` is also any stderr of shell-local scripts, so not necessarily fatal (docs/packer.md). */
export interface UiEvent extends PackerEventBase {
  type: 'ui';
  level: UiLevel;
  text: string;
}

/** `Build 'NAME' finished after …` / `Build 'NAME' errored after …: …` — a ui line, typed. */
export interface BuildFinishedEvent extends PackerEventBase {
  type: 'build-finished';
  build: string;
  /** false for `errored`. Note that 1.6.6 prints `finished` for a cancelled build too (docs/packer.md). */
  ok: boolean;
  /** Packer's wording, e.g. `21 seconds 473 milliseconds`. */
  duration: string;
  /** For `errored`: the error text after the colon. */
  error?: string;
  /** The ui line this came from. */
  level: UiLevel;
  text: string;
}

export interface ArtifactCountEvent extends PackerEventBase {
  type: 'artifact-count';
  count: number;
}

/**
 * One field of an artifact block: `i,builder-id,ID` / `i,id,ID` / `i,string,TEXT` /
 * `i,files-count,N` / `i,file,j,PATH` / `i,end` (newer: `i,nil`).
 */
export interface ArtifactEvent extends PackerEventBase {
  type: 'artifact';
  index: number;
  field: string;
  value: string;
  /** For `file`: the file's position `j`. */
  fileIndex?: number;
}

/** Emitted after the builds when N builds failed; absent on success, cancel and prepare errors (docs/packer.md). */
export interface ErrorCountEvent extends PackerEventBase {
  type: 'error-count';
  count: number;
}

/** `NAME,error,MESSAGE`: one per failed build. */
export interface BuildErrorEvent extends PackerEventBase {
  type: 'error';
  message: string;
}

export interface VersionEvent extends PackerEventBase {
  type: 'version';
  key: 'version' | 'prerelease' | 'commit';
  value: string;
}

/** Synthetic (runner): the build entered a new phase (docs/packer.md). */
export interface PhaseEvent extends PackerEventBase {
  type: 'phase';
  name: string;
  /** Since the build started. */
  elapsedMs: number;
}

/** Synthetic (runner): one line of the VM's serial console. */
export interface ConsoleEvent extends PackerEventBase {
  type: 'console';
  line: string;
}

/** Any other machine-readable type (`template-variable`, `ui,ask`, …), fields unescaped. */
export interface RawEvent extends PackerEventBase {
  type: 'raw';
  kind: string;
  data: string[];
}

export type PackerEvent =
  | UiEvent
  | BuildFinishedEvent
  | ArtifactCountEvent
  | ArtifactEvent
  | ErrorCountEvent
  | BuildErrorEvent
  | VersionEvent
  | PhaseEvent
  | ConsoleEvent
  | RawEvent;

/** Undo Packer's escaping of one data field. (A literal `\n` typed in a message can't be told apart.) */
function unescapeMachineReadable(field: string): string {
  return field.replaceAll('%!(PACKER_COMMA)', ',').replaceAll('\\n', '\n').replaceAll('\\r', '\r');
}

const LINE = /^(\d+),([^,]*),([^,]+)(?:,(.*))?$/s;
const BUILD_DONE = /^Build '([^']+)' (finished|errored)(?: after (.+?))?(?:\.\s*$|:\s*([\s\S]*))?$/;

/**
 * Parse one stdout line. Returns null for lines that are not machine-readable (blank lines,
 * stray text from a crashing plugin) so callers can log them instead.
 */
export function parseMachineReadableLine(line: string): PackerEvent | null {
  const trimmed = line.replace(/\r?\n$/, '');
  const m = LINE.exec(trimmed);
  if (!m) return null;
  const timestamp = Number(m[1]);
  const target = m[2] ?? '';
  const kind = m[3] ?? '';
  const data = m[4] === undefined ? [] : m[4].split(',').map(unescapeMachineReadable);
  const base = { timestamp, target };

  switch (kind) {
    case 'ui': {
      const level = data[0];
      if (level !== 'say' && level !== 'message' && level !== 'error') break;
      // A ui text has no further commas (they are escaped), but be lenient with stray ones.
      const text = data.slice(1).join(',');
      const done = BUILD_DONE.exec(text);
      if (done) {
        const ev: BuildFinishedEvent = {
          ...base,
          type: 'build-finished',
          build: done[1] ?? '',
          ok: done[2] === 'finished',
          duration: (done[3] ?? '').trim(),
          level,
          text,
        };
        if (done[4] !== undefined && done[4] !== '') ev.error = done[4];
        return ev;
      }
      return { ...base, type: 'ui', level, text };
    }
    case 'artifact-count':
    case 'error-count': {
      const count = Number(data[0]);
      if (!Number.isInteger(count)) break;
      return kind === 'artifact-count' ? { ...base, type: 'artifact-count', count } : { ...base, type: 'error-count', count };
    }
    case 'artifact': {
      const index = Number(data[0]);
      const field = data[1];
      if (!Number.isInteger(index) || field === undefined) break;
      if (field === 'file') {
        const fileIndex = Number(data[2]);
        return { ...base, type: 'artifact', index, field, fileIndex: Number.isInteger(fileIndex) ? fileIndex : 0, value: data.slice(3).join(',') };
      }
      return { ...base, type: 'artifact', index, field, value: data.slice(2).join(',') };
    }
    case 'error':
      return { ...base, type: 'error', message: data.join(',') };
    case 'version':
      return { ...base, type: 'version', key: 'version', value: data[0] ?? '' };
    case 'version-prelease': // sic, Packer 1.6.6 (docs/packer.md)
    case 'version-prerelease':
      return { ...base, type: 'version', key: 'prerelease', value: data[0] ?? '' };
    case 'version-commit':
      return { ...base, type: 'version', key: 'commit', value: data[0] ?? '' };
  }
  return { ...base, type: 'raw', kind, data };
}
