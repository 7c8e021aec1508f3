/**
 * Packer's `required_version` constraints, evaluated against the installed Packer before it runs.
 *
 * The syntax is hashicorp/go-version's (`version.NewConstraint`, which Packer uses for
 * `required_version` and plugin versions): comma-separated terms that must all hold, each an
 * operator (`=`, `!=`, `>`, `<`, `>=`, `<=`, `~>`, none meaning `=`) and a version. `~>` is the
 * pessimistic operator: `~> 1.2.3` means `>= 1.2.3, < 1.3.0`; `~> 1.2` means `>= 1.2, < 2.0`.
 * npm's semver has no `~>`, so the few lines are written here on top of compareVersions.
 */
import { compareVersions } from './packer-version.js';

const TERM = /^\s*(~>|>=|<=|!=|=|>|<)?\s*v?(\d+(?:\.\d+){0,2})(?:[-+][\w.-]*)?\s*$/;

/**
 * The terms of `constraint` that `version` does not meet ([] = satisfied). Throws on a term it
 * cannot read, so a caller never mistakes an unreadable constraint for a met one.
 */
export function unmetVersionTerms(version: string, constraint: string): string[] {
  const unmet: string[] = [];
  for (const raw of constraint.split(',')) {
    const m = TERM.exec(raw);
    if (!m) throw new Error(`cannot read the version constraint "${raw.trim()}"`);
    const op = m[1] ?? '=';
    const want = m[2]!;
    if (!termHolds(version, op, want)) unmet.push(`${op} ${want}`);
  }
  return unmet;
}

function termHolds(version: string, op: string, want: string): boolean {
  const c = compareVersions(version, want);
  switch (op) {
    case '>':
      return c > 0;
    case '<':
      return c < 0;
    case '>=':
      return c >= 0;
    case '<=':
      return c <= 0;
    case '!=':
      return c !== 0;
    case '~>':
      return c >= 0 && compareVersions(version, pessimisticCeiling(want)) < 0;
    default:
      return c === 0;
  }
}

/** `1.2.3` → `1.3.0`; `1.2` → `2.0.0`; `1` → `2.0.0`. */
function pessimisticCeiling(want: string): string {
  const parts = want.split('.').map((p) => parseInt(p, 10));
  if (parts.length <= 2) return `${(parts[0] ?? 0) + 1}.0.0`;
  return `${parts[0]}.${(parts[1] ?? 0) + 1}.0`;
}
