import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without types
import { installEnv } from '../../scripts/ensure-install.mjs';

const sqliteDir = fileURLToPath(new URL('../../node_modules/better-sqlite3/', import.meta.url));

t.test('npm ci builds better-sqlite3 from source without npm warning about the setting', async (t) => {
  const env = (installEnv as (e: NodeJS.ProcessEnv) => NodeJS.ProcessEnv)({ PATH: process.env['PATH'], HOME: process.env['HOME'], npm_config_build_from_source: 'true' });
  t.notOk('npm_config_build_from_source' in env, 'no npm_config_ key npm does not know');
  // prebuild-install (better-sqlite3's install step) reads the setting through its own rc config.
  const rc = spawnSync(process.execPath, ['-e', "process.stdout.write(String(require('prebuild-install/rc.js')(require('./package.json')).buildFromSource))"], { cwd: sqliteDir, env, encoding: 'utf8' });
  t.equal(rc.stdout, 'true', rc.stderr);
  const npm = spawnSync('npm', ['config', 'get', 'registry'], { env, encoding: 'utf8' });
  t.equal(npm.status, 0);
  t.notMatch(npm.stderr, /Unknown env config/, 'npm prints no warning');
});
