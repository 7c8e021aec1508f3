import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** Our own override; the maas CLI has none (docs/maas-cli.md#profile-database-location). */
const PROFILE_DB_ENV = 'MAAS_ESXI_PROFILE_DB';

/** `$HOME` of `env` (or the process), as Python's `expanduser` would use it. */
export function homeFromEnv(env: NodeJS.ProcessEnv): string {
  return env['HOME'] || homedir();
}

/** Where the snap's `maas` keeps its files: snapd sets HOME=~/snap/maas/<rev> (docs/maas-cli.md#profile-database-location). */
function snapMaasHome(home: string): string {
  return join(home, 'snap', 'maas', 'current');
}

/**
 * The profile databases to look at, in order (docs/maas-cli.md#profile-database-location recommendation):
 * `$MAAS_ESXI_PROFILE_DB`, `~/.maascli.db` (deb/pip CLI), `~/snap/maas/current/.maascli.db`
 * (snap CLI). When the override is set it is the only candidate: a mistyped override must not
 * silently fall back to the user's real profiles.
 */
export function profileDbCandidates(opts: { home: string; env: NodeJS.ProcessEnv }): string[] {
  const override = opts.env[PROFILE_DB_ENV];
  if (override) return [expandPath(override, opts.home)];
  return [join(opts.home, '.maascli.db'), join(snapMaasHome(opts.home), '.maascli.db')];
}

/**
 * The database a command should use: the first candidate that exists; when none does, the
 * one `login` should create — the override, else the snap's when the snap CLI has been run by
 * this user (so `maas` sees the profile), else `~/.maascli.db`.
 */
export function chooseProfileDb(opts: { home: string; env: NodeJS.ProcessEnv }): { path: string; exists: boolean } {
  const candidates = profileDbCandidates(opts);
  for (const path of candidates) if (isFile(path)) return { path, exists: true };
  if (candidates.length === 1) return { path: candidates[0] as string, exists: false };
  const [homeDb, snapDb] = candidates as [string, string];
  return { path: isDirectory(snapMaasHome(opts.home)) ? snapDb : homeDb, exists: false };
}

function expandPath(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return isAbsolute(p) ? p : resolve(p);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
