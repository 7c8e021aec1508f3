/**
 * Just enough HCL2 lexing to find top-level blocks (`variable "x" { … }`, `packer { … }`,
 * `source "qemu" "esxi" { … }`) without being fooled by braces inside strings, `${…}`
 * interpolations, heredocs (inline shell scripts) or comments. Not a full HCL parser: the
 * runner only needs block names, labels and extents, and Packer itself validates the rest.
 */

interface HclBlock {
  type: string;
  labels: string[];
  /** Offset of the block header's first character. */
  start: number;
  /** Offset just past the closing brace. */
  end: number;
  /** Text between the braces. */
  body: string;
}

const HEADER = /^([A-Za-z_][\w-]*)((?:\s+(?:"(?:[^"\\]|\\.)*"|[A-Za-z_][\w-]*))*)\s*$/;
const LABEL = /"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w-]*)/g;
const HEREDOC = /^<<-?([A-Za-z_][\w-]*)\r?\n/;

export function topLevelBlocks(src: string): HclBlock[] {
  const blocks: HclBlock[] = [];
  let depth = 0;
  let stmtStart = 0;
  let open: { type: string; labels: string[]; start: number; bodyStart: number } | undefined;
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    if (c === '#' || (c === '/' && next === '/')) {
      i = lineEnd(src, i);
      continue;
    }
    if (c === '/' && next === '*') {
      const close = src.indexOf('*/', i + 2);
      i = close < 0 ? src.length : close + 2;
      continue;
    }
    if (c === '"') {
      i = skipString(src, i);
      continue;
    }
    if (c === '<' && next === '<') {
      const h = HEREDOC.exec(src.slice(i, i + 200));
      if (h) {
        i = skipHeredoc(src, i + h[0].length, h[1] ?? '');
        continue;
      }
    }
    if (c === '{') {
      if (depth === 0) {
        const header = src.slice(stmtStart, i).trim();
        const m = HEADER.exec(header);
        if (m) {
          const labels = [...(m[2] ?? '').matchAll(LABEL)].map((l) => l[1] ?? l[2] ?? '');
          open = { type: m[1] ?? '', labels, start: src.indexOf(header, stmtStart), bodyStart: i + 1 };
        } else {
          open = undefined;
        }
      }
      depth++;
      i++;
      continue;
    }
    if (c === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) {
        if (open) blocks.push({ type: open.type, labels: open.labels, start: open.start, end: i + 1, body: src.slice(open.bodyStart, i) });
        open = undefined;
        stmtStart = i + 1;
      }
      i++;
      continue;
    }
    if (c === '\n' && depth === 0) stmtStart = i + 1;
    i++;
  }
  return blocks;
}

/** Remove the given blocks, leaving a one-line comment (keeps later line numbers close). */
export function removeBlocks(src: string, blocks: HclBlock[], note: string): string {
  let out = src;
  for (const b of [...blocks].sort((a, z) => z.start - a.start)) {
    const lines = out.slice(b.start, b.end).split('\n').length;
    out = out.slice(0, b.start) + `# ${note}` + '\n'.repeat(Math.max(0, lines - 1)) + out.slice(b.end);
  }
  return out;
}

function lineEnd(src: string, i: number): number {
  const nl = src.indexOf('\n', i);
  return nl < 0 ? src.length : nl;
}

/** `i` is at the opening quote; returns the offset after the closing quote. */
function skipString(src: string, i: number): number {
  i++;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '"') return i + 1;
    if ((c === '$' || c === '%') && src[i + 1] === '{') {
      i = skipTemplate(src, i + 2);
      continue;
    }
    if (c === '\n') return i; // unterminated: stop at the line end
    i++;
  }
  return i;
}

/** Inside `${ … }`: braces nest, strings may appear. Returns the offset after the closing brace. */
function skipTemplate(src: string, i: number): number {
  let depth = 1;
  while (i < src.length && depth > 0) {
    const c = src[i];
    if (c === '"') {
      i = skipString(src, i);
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') depth--;
    i++;
  }
  return i;
}

function skipHeredoc(src: string, i: number, id: string): number {
  const re = new RegExp(`^[ \\t]*${id}[ \\t]*\\r?$`, 'm');
  re.lastIndex = 0;
  const rest = src.slice(i);
  const m = re.exec(rest);
  return m ? i + m.index + m[0].length : src.length;
}
