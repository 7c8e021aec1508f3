import { MaasConfigError } from '../errors/index.js';

/** One `key=value` or `key@=file` argument of the maas CLI grammar. */
export type DataPair = { key: string; value: string; fromFile: false } | { key: string; path: string; fromFile: true };

/**
 * Split at the first `=` or `@=`, scanning left to right, exactly as the maas CLI's
 * `re.split(r"(=|@=)", arg, maxsplit=1)` (docs/maas-cli.md#command-grammar): `a=b=c` → (a, "b=c"),
 * `a@b=c` → ("a@b", c), `content@=x` → file x, `novalue` → the CLI's own error text.
 */
export function parseDataPair(arg: string): DataPair {
  const m = /=|@=/.exec(arg);
  if (!m) {
    throw new UsageError(`'${arg}' is not a name=value or name@=filename pair`);
  }
  const key = arg.slice(0, m.index);
  const rest = arg.slice(m.index + m[0].length);
  return m[0] === '@=' ? { key, path: rest, fromFile: true } : { key, value: rest, fromFile: false };
}

/** Repeated keys collapse, last wins — as `boot-resources create` does with `dict(options.data)` (docs/maas-cli.md#boot-resources-create). */
export function pairsToRecord(pairs: readonly DataPair[]): Record<string, DataPair> {
  const out: Record<string, DataPair> = {};
  for (const p of pairs) out[p.key] = p;
  return out;
}

/** A command-line mistake: exit code 2, like argparse and the maas CLI. */
export class UsageError extends MaasConfigError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'USAGE', hint });
  }
}
