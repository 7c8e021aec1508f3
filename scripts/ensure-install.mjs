// Installs dependencies from the lockfile when node_modules is missing or stale, so that
// `npm test` and `npm run demo` work as the first command on a fresh clone. `--force` installs
// whatever the state (.ci/run on a fresh clone).
import { existsSync, rmSync, statSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

/** Node.js ≥ 22.13 has SQLite built in (node:sqlite), so the optional better-sqlite3 is not needed. */
export function hasBuiltinSqlite(version = process.versions.node) {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 13);
}

/**
 * The Node.js headers of the running Node when they are on the machine (`<prefix>/include/node`,
 * as distributions and the official tarballs lay them out), so node-gyp compiles with them
 * instead of downloading them (https://github.com/nodejs/node-gyp#configuring: `nodedir`).
 */
export function localNodedir(execPath = process.execPath) {
  const prefix = dirname(dirname(execPath));
  return existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? prefix : undefined;
}

/**
 * The environment for `npm ci`: a native addon (better-sqlite3, Node 20 only) is compiled with the
 * running Node's own headers and no prebuilt binary is downloaded at install time. prebuild-install
 * reads its settings through rc (`prebuild-install_<key>` variables); `npm_config_build_from_source`
 * would work too, but npm 11 warns `Unknown env config "build-from-source"` for it. A nodedir the
 * user set is kept.
 */
export function installEnv(env, execPath = process.execPath) {
  const out = { ...env, 'prebuild-install_buildFromSource': 'true' };
  delete out.npm_config_build_from_source;
  const nodedir = localNodedir(execPath);
  if (nodedir && !out.npm_config_nodedir) out.npm_config_nodedir = nodedir;
  return out;
}

/**
 * `npm ci` without install scripts: the root package's `prepare` (tsc) would build dist/, which
 * the callers build anyway (`npm test`, `npm run demo`), so a fresh clone compiled it twice; and
 * where Node has SQLite, better-sqlite3 (never loaded there) is not compiled. Where it is needed,
 * addonArgs() builds it after. Not `--omit=optional`: that would also drop @swc/core's platform
 * binary (an optional dependency; the tests' TypeScript transpiler, docs/dependencies.md#swc).
 */
export function installArgs(hasLock = true) {
  return [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund', '--ignore-scripts'];
}

/** Where Node has no SQLite of its own: the npm command that builds better-sqlite3's addon (its install script). */
export function addonArgs(version = process.versions.node) {
  return hasBuiltinSqlite(version) ? undefined : ['rebuild', 'better-sqlite3'];
}

/**
 * Where Node has no SQLite of its own, an install whose better-sqlite3 addon did not build (a plain
 * `npm ci` whose node-gyp tried to download headers offline: npm then drops the optional package)
 * is not done, whatever the lockfile's age says.
 */
export function missingAddon(root, version = process.versions.node) {
  return !hasBuiltinSqlite(version) && !existsSync(join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'));
}

function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
  if (!stale && !missingAddon(root) && !process.argv.includes('--force')) return;
  const args = installArgs(existsSync(lock));
  process.stderr.write(`maas-esxi: installing dependencies (npm ${args.join(' ')})…\n`);
  execFileSync('npm', args, { cwd: root, stdio: ['ignore', 2, 2], env: installEnv(process.env) });
  const addon = addonArgs();
  if (!addon) return;
  const built = spawnSync('npm', addon, { cwd: root, stdio: ['ignore', 2, 2], env: installEnv(process.env) });
  // As `npm ci` does with an optional package whose install script fails: drop it, so that reading
  // a profile says in one line what to do (lib/profiles/sqlite.ts) instead of failing in its loader.
  if (built.status !== 0) rmSync(join(root, 'node_modules', 'better-sqlite3'), { recursive: true, force: true });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
