// Installs dependencies from the lockfile when node_modules is missing or stale (always with
// --force, as .ci/run does), so that `npm test` and `npm run demo` work as the first command on a
// fresh clone.
//
// Nothing prebuilt is downloaded: install scripts are disabled, and better-sqlite3, the one
// dependency with a native addon, is then compiled from source by its own `build-release` script
// (node-gyp) against the headers of the Node.js running npm — the local ones, or those in
// npm_config_nodedir when set (.ci/run sets it for each Node.js line it tests). Its install script
// would otherwise fetch a prebuilt binary from GitHub; npm 11 no longer knows the
// `build-from-source` setting that used to switch that off.
import { existsSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const marker = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale || process.argv.includes('--force')) {
  process.stderr.write('maas-esxi: installing dependencies (npm ci), compiling better-sqlite3…\n');
  const run = (command) => execSync(command, { cwd: root, stdio: ['ignore', 2, 2] });
  run(existsSync(lock) ? 'npm ci --ignore-scripts --no-audit --no-fund' : 'npm install --ignore-scripts --no-audit --no-fund');
  run('npm run build-release --prefix node_modules/better-sqlite3 -- --jobs max');
}
