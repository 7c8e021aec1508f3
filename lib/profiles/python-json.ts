/**
 * `json.dumps(value)` with Python's defaults, byte for byte: separators `", "` and `": "`,
 * `ensure_ascii=True` (every character outside ' '..'~' becomes `\uXXXX`, lowercase hex,
 * astral characters as surrogate pairs), insertion order of keys. The maas CLI writes profile
 * rows with exactly this call (maas-cli.md §1.2, §1.3), so a row we write is indistinguishable
 * from one `maas login` wrote.
 *
 * JavaScript cannot tell `1` from `1.0` once parsed; integral numbers are written as Python
 * ints and the rest as Python's float repr. The describe/ document (the only free-form value we
 * store) carries no floats, so this never changes a real profile.
 */
export function pythonJsonDumps(value: unknown): string {
  const out = encode(value);
  if (out === undefined) throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
  return out;
}

function encode(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return encodeString(value);
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
  const obj = value as { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return encode(obj.toJSON());
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    // JSON.stringify's rule for holes/undefined in arrays: null.
    return `[${value.map((v) => encode(v) ?? 'null').join(', ')}]`;
  }
  const items: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const encoded = encode(v);
    if (encoded !== undefined) items.push(`${encodeString(k)}: ${encoded}`);
  }
  return items.length === 0 ? '{}' : `{${items.join(', ')}}`;
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

/** Python's `py_encode_basestring_ascii`: escape `"`, `\` and anything not in ' '..'~'. */
function encodeString(s: string): string {
  let out = '"';
  // Iterate UTF-16 code units: Python emits astral characters as surrogate pairs too.
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** int → decimal; float → `float.__repr__` (allow_nan=True writes NaN/Infinity like Python). */
function encodeNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Number.isInteger(n)) {
    // Python's json.loads('-0') is the int 0; beyond 2^53 integers are exact in both.
    return Object.is(n, -0) ? '0' : BigInt(n).toString();
  }
  // Shortest round-trip digits are the same in both languages; only the exponent layout
  // differs. Python uses scientific notation below 1e-4 with a two-digit exponent ('1e-05');
  // non-integers are always below 2^53, so the large-exponent branch never applies here.
  if (Math.abs(n) < 1e-4) {
    const [mantissa, exp = '0'] = n.toExponential().split('e');
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return String(n);
}
