/**
 * Python's `json.dumps`, byte for byte — the one encoder for everything that must look as if
 * Python wrote it: the profile rows the official maas CLI writes with `json.dumps(value)`
 * (maascli `src/maascli/config.py` `ProfileConfig.__setitem__`, see docs/maas-cli.md), and the
 * simulator's responses, which MAAS renders through Django/piston's JSON emitter
 * (`src/maasserver/api/support.py`, see docs/maas-api.md).
 *
 * Defaults are Python's: separators `", "` and `": "`, `ensure_ascii=True` (every character
 * outside ' '..'~' becomes `\uXXXX`, lowercase hex, astral characters as surrogate pairs), keys
 * in insertion order. JavaScript cannot tell `1` from `1.0` once parsed: integral numbers are
 * written as Python ints, the rest as `float.__repr__`; wrap a value in `PyFloat` to force a
 * float (`50.0`).
 */

/** A number Python would emit as a float (`0.0`, `50.0`, `1e-05`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

interface PythonJsonOptions {
  /** `indent=N` (piston's emitter uses 4); omitted = one line with `, ` and `: `. */
  indent?: number | undefined;
  /** Python's default is true; piston passes `ensure_ascii=False`. */
  ensureAscii?: boolean | undefined;
  sortKeys?: boolean | undefined;
}

/** `json.dumps(value, ...)` as CPython writes it. Maps keep their order (use them for integer-like keys). */
export function pythonJsonDumps(value: unknown, options: PythonJsonOptions = {}): string {
  const out = new Encoder(options).encode(value, 0);
  if (out === undefined) throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
  return out;
}

class Encoder {
  readonly #ensureAscii: boolean;
  readonly #indent: number | undefined;
  readonly #sortKeys: boolean;

  constructor(options: PythonJsonOptions) {
    this.#ensureAscii = options.ensureAscii ?? true;
    this.#indent = options.indent;
    this.#sortKeys = options.sortKeys ?? false;
  }

  encode(value: unknown, level: number): string | undefined {
    if (value === null) return 'null';
    switch (typeof value) {
      case 'string':
        return this.#string(value);
      case 'boolean':
        return value ? 'true' : 'false';
      case 'number':
        return encodeNumber(value);
      case 'bigint':
        return value.toString();
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
      default:
        break;
    }
    if (value instanceof PyFloat) return pyFloatRepr(value.value);
    const withToJson = value as { toJSON?: () => unknown };
    if (typeof withToJson.toJSON === 'function') return this.encode(withToJson.toJSON(), level);
    if (Array.isArray(value)) {
      // JSON.stringify's rule for holes/undefined in arrays: null.
      return this.#container('[', ']', value.map((v) => this.encode(v, level + 1) ?? 'null'), level);
    }
    const entries = value instanceof Map ? [...(value as Map<unknown, unknown>)] : Object.entries(value as Record<string, unknown>);
    if (this.#sortKeys) entries.sort(([a], [b]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
    const items: string[] = [];
    for (const [k, v] of entries) {
      const encoded = this.encode(v, level + 1);
      if (encoded !== undefined) items.push(`${this.#string(String(k))}: ${encoded}`);
    }
    return this.#container('{', '}', items, level);
  }

  #container(open: string, close: string, items: string[], level: number): string {
    if (items.length === 0) return open + close;
    if (this.#indent === undefined) return `${open}${items.join(', ')}${close}`;
    const pad = ' '.repeat(this.#indent * (level + 1));
    return `${open}\n${pad}${items.join(`,\n${pad}`)}\n${' '.repeat(this.#indent * level)}${close}`;
  }

  /** Python's `py_encode_basestring(_ascii)`: escape `"`, `\`, controls, and with ensure_ascii anything past '~'. */
  #string(s: string): string {
    let out = '"';
    // UTF-16 code units: Python emits astral characters as surrogate pairs too.
    for (let i = 0; i < s.length; i++) {
      const ch = s[i] as string;
      const code = s.charCodeAt(i);
      const short = SHORT_ESCAPES[ch];
      if (short !== undefined) out += short;
      else if (code < 0x20 || (this.#ensureAscii && code > 0x7e)) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else out += ch;
    }
    return `${out}"`;
  }
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** int → decimal (exact beyond 2^53 too); float → `float.__repr__` (allow_nan=True writes NaN/Infinity). */
function encodeNumber(n: number): string {
  if (Number.isInteger(n)) return Object.is(n, -0) ? '0' : BigInt(n).toString();
  return pyFloatRepr(n);
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form outside 1e-4 ≤ |x| < 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument yields the shortest digits that round-trip.
  const [mant = '0', expPart = '0'] = x.toExponential().split('e');
  const exp = Number(expPart);
  const sign = mant.startsWith('-') ? '-' : '';
  const digits = mant.replace('-', '').replace('.', '');
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
