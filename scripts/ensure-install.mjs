// Installs dependencies from the lockfile when node_modules is missing or stale, so that
// `npm test` and `npm run demo` work as the first command on a fresh clone. `--force` installs
// whatever the state (.ci/run on a fresh clone).
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

/**
 * The environment for `npm ci`: native addons (better-sqlite3) are compiled with the local Node
 * headers, no prebuilt binary is downloaded at install time. prebuild-install reads its
 * settings through rc (`prebuild-install_<key>` variables); `npm_config_build_from_source`
 * would work too, but npm 11 warns `Unknown env config "build-from-source"` for it.
 */
export function installEnv(env) {
  const out = { ...env, 'prebuild-install_buildFromSource': 'true' };
  delete out.npm_config_build_from_source;
  return out;
}

function main() {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
  if (!stale && !process.argv.includes('--force')) return;
  process.stderr.write('maas-esxi: installing dependencies (npm ci)…\n');
  execSync(existsSync(lock) ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund', {
    cwd: root,
    stdio: ['ignore', 2, 2],
    env: installEnv(process.env),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
