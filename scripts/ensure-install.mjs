// Installs dependencies from the lockfile when node_modules is missing or stale, so that
// `npm test` and `npm run demo` work as the first command on a fresh clone.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  process.stderr.write('maas-esxi: installing dependencies (npm ci)…\n');
  // Native addons (better-sqlite3) are compiled with the local Node headers: no prebuilt binary
  // is downloaded at install time.
  execSync(existsSync(lock) ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund', {
    cwd: root,
    stdio: ['ignore', 2, 2],
    env: { ...process.env, npm_config_build_from_source: 'true' },
  });
}
