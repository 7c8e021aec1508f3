/**
 * Byte-exact imitations of the Python formatting MAAS's error texts go through: string `repr`
 * (the `%r` in OAuth errors, and list reprs in validation messages, see docs/maas-api.md).
 * JSON bodies and float reprs come from the SDK's one encoder, lib/python/json-dumps.ts.
 */
import type { PyFloat } from '../python/json-dumps.js';

/** A value for `pythonJsonDumps` with its Python types spelled out. */
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
