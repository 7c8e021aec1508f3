/**
 * Byte-exact imitations of the Python formatting MAAS's responses go through: `json.dumps`
 * (compact or `indent=4`, maas-api.md §1.4–1.6), float `repr` (progress values, §4.3) and string
 * `repr` (the `%r` in OAuth errors, §2.3, and list reprs in validation messages, §3.3).
 */

/** A JSON number that Python would emit as a float (`0.0`, `50.0`, `1e-05`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyValue =
  | string
  | number
  | boolean
  | null
  | PyFloat
  | readonly PyValue[]
  /** An ordered dict; use it when keys look like integers (JS objects would reorder those). */
  | ReadonlyMap<string, PyValue>
  | { readonly [key: string]: PyValue };

/** Python's `repr(float)`: shortest round-trip digits, exponent form outside 1e-4 ≤ |x| < 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument yields the shortest digits that round-trip.
  const [mant = '0', expPart = '0'] = x.toExponential().split('e');
  const exp = Number(expPart);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const sign = neg ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intLen = exp + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
}

function pyJsonString(s: string, ensureAscii: boolean): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (cp < 0x20 || (ensureAscii && cp > 0x7e)) {
      if (cp > 0xffff) {
        const v = cp - 0x10000;
        out += `\\u${(0xd800 + (v >> 10)).toString(16).padStart(4, '0')}\\u${(0xdc00 + (v & 0x3ff)).toString(16).padStart(4, '0')}`;
      } else {
        out += `\\u${cp.toString(16).padStart(4, '0')}`;
      }
    } else out += ch;
  }
  return `${out}"`;
}

export interface PyJsonOptions {
  /** `indent=4` as piston's JSONEmitter; omitted = compact `json.dumps` with `, ` and `: `. */
  indent?: number;
  /** Python's default is true; piston passes `ensure_ascii=False`. */
  ensureAscii?: boolean;
  sortKeys?: boolean;
}

/** `json.dumps(value, ...)` as Python would write it. JS numbers are ints unless wrapped in PyFloat. */
export function pyJson(value: PyValue, opts: PyJsonOptions = {}): string {
  const ensureAscii = opts.ensureAscii ?? true;
  const indent = opts.indent;
  const render = (v: PyValue, level: number): string => {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'string') return pyJsonString(v, ensureAscii);
    if (typeof v === 'number') return Number.isInteger(v) ? v.toFixed(0) : pyFloatRepr(v);
    if (v instanceof PyFloat) return pyFloatRepr(v.value);
    const isArray = Array.isArray(v);
    const entries: [string | null, PyValue][] = isArray
      ? (v as readonly PyValue[]).map((x) => [null, x])
      : v instanceof Map
        ? [...(v as ReadonlyMap<string, PyValue>)]
        : Object.entries(v as { [k: string]: PyValue });
    if (!isArray && opts.sortKeys) entries.sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
    const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return open + close;
    const item = ([k, x]: [string | null, PyValue]) =>
      (k === null ? '' : `${pyJsonString(k, ensureAscii)}: `) + render(x, level + 1);
    if (indent === undefined) return open + entries.map(item).join(', ') + close;
    const pad = ' '.repeat(indent * (level + 1));
    return `${open}\n${pad}${entries.map(item).join(`,\n${pad}`)}\n${' '.repeat(indent * level)}${close}`;
  };
  return render(value, 0);
}

/** Python's `repr(str)`: single quotes unless the text holds a `'` and no `"`. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr(list_of_str)`, e.g. `['synced', 'uploaded']`. */
export function pyListRepr(items: readonly string[]): string {
  return `[${items.map(pyRepr).join(', ')}]`;
}

/** Python's `len(str)` (code points, not UTF-16 units). */
export function pyLen(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
