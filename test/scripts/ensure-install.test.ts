// scripts/ensure-install.mjs: how `npm test` / `npm run demo` run `npm ci` on a fresh clone.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without types
import * as ensureInstall from '../../scripts/ensure-install.mjs';

const { installEnv, installArgs, addonArgs, missingAddon } = ensureInstall as {
  installEnv: (env: NodeJS.ProcessEnv, execPath?: string) => NodeJS.ProcessEnv;
  installArgs: (hasLock?: boolean) => string[];
  addonArgs: (version?: string) => string[] | undefined;
  missingAddon: (root: string, version?: string) => boolean;
};
const sqliteDir = fileURLToPath(new URL('../../node_modules/better-sqlite3/', import.meta.url));
const base = { PATH: process.env['PATH'], HOME: process.env['HOME'] };

t.test('where a native build happens it uses the running Node.js headers, not a download', async (t) => {
  // A Node.js laid out as the official tarballs and Debian's package do: bin/node, include/node/common.gypi.
  const prefix = t.testdir({ bin: { node: '' }, include: { node: { 'common.gypi': '{}' } } });
  t.equal(installEnv(base, join(prefix, 'bin', 'node'))['npm_config_nodedir'], prefix);
  const bare = t.testdir({ bin: { node: '' } });
  t.notOk('npm_config_nodedir' in installEnv(base, join(bare, 'bin', 'node')), 'no headers on the machine: node-gyp decides');
  t.equal(installEnv({ ...base, npm_config_nodedir: '/opt/node' }, join(prefix, 'bin', 'node'))['npm_config_nodedir'], '/opt/node', "the user's setting is kept");
  // This machine's own Node.js, checked against the file itself.
  const own = dirname(dirname(process.execPath));
  t.equal(installEnv(base)['npm_config_nodedir'], existsSync(join(own, 'include', 'node', 'common.gypi')) ? own : undefined);
});

t.test('npm ci runs no install script (no `prepare` build); better-sqlite3 is built after only where Node.js has no node:sqlite', async (t) => {
  t.same(installArgs(), ['ci', '--no-audit', '--no-fund', '--ignore-scripts']);
  t.same(installArgs(false), ['install', '--no-audit', '--no-fund', '--ignore-scripts'], 'no lockfile: npm install');
  t.same(addonArgs('20.19.0'), ['rebuild', 'better-sqlite3']);
  t.same(addonArgs('22.12.0'), ['rebuild', 'better-sqlite3']);
  t.equal(addonArgs('22.13.0'), undefined);
  t.equal(addonArgs('24.0.0'), undefined);
});

t.test('npm ci builds better-sqlite3 from source without npm warning about the setting', async (t) => {
  const env = installEnv({ ...base, npm_config_build_from_source: 'true' });
  t.notOk('npm_config_build_from_source' in env, 'no npm_config_ key npm does not know');
  const npm = spawnSync('npm', ['config', 'get', 'registry'], { env, encoding: 'utf8' });
  t.equal(npm.status, 0);
  t.notMatch(npm.stderr, /Unknown env config/, 'npm prints no warning');
  // prebuild-install (better-sqlite3's install step) reads the setting through its own rc config;
  // it is on disk where npm ci ran under Node 20 (CI's first run), or on a line without node:sqlite.
  if (existsSync(join(sqliteDir, 'package.json'))) {
    const rc = spawnSync(process.execPath, ['-e', "process.stdout.write(String(require('prebuild-install/rc.js')(require('./package.json')).buildFromSource))"], { cwd: sqliteDir, env, encoding: 'utf8' });
    t.equal(rc.stdout, 'true', rc.stderr);
  } else {
    t.equal(addonArgs(), undefined, 'better-sqlite3 not built only because this line does not build it');
  }
});

t.test('an install whose better-sqlite3 addon did not build is not done on Node 20 (npm dropped the optional package)', async (t) => {
  const root = t.testdir({ node_modules: { '.package-lock.json': '{}' } });
  t.equal(missingAddon(root, '20.19.0'), true, 'no addon: install again');
  t.equal(missingAddon(root, '22.13.0'), false, 'node:sqlite: nothing to build');
  t.equal(missingAddon(root, '24.0.0'), false);
  const release = join(root, 'node_modules', 'better-sqlite3', 'build', 'Release');
  mkdirSync(release, { recursive: true });
  writeFileSync(join(release, 'better_sqlite3.node'), '');
  t.equal(missingAddon(root, '20.19.0'), false, 'the addon is there');
});

t.test('a fresh install: npm ci without scripts, then the addon build where needed; a failed build drops the package as npm ci did', async (t) => {
  // The script in a scratch project, with an `npm` on PATH that logs its arguments, installs
  // nothing, and fails `npm rebuild` as a machine without a C++ toolchain does.
  const root = t.testdir({
    scripts: {},
    'package-lock.json': '{}',
    node_modules: { 'better-sqlite3': { 'package.json': '{}' } },
    bin: { npm: '#!/bin/sh\necho "$*" >> "$NPM_LOG"\n[ "$1" != rebuild ]\n' },
  });
  copyFileSync(fileURLToPath(new URL('../../scripts/ensure-install.mjs', import.meta.url)), join(root, 'scripts', 'ensure-install.mjs'));
  spawnSync('chmod', ['+x', join(root, 'bin', 'npm')]);
  const log = join(root, 'npm.log');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'ensure-install.mjs'), '--force'], {
    env: { ...base, PATH: `${join(root, 'bin')}:${process.env['PATH'] ?? ''}`, NPM_LOG: log },
    encoding: 'utf8',
  });
  t.equal(r.status, 0, r.stderr);
  const calls = readFileSync(log, 'utf8').trim().split('\n');
  // Node ≥ 22.13 reads profiles through node:sqlite and builds nothing (lib/profiles/sqlite.ts).
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 13)) {
    t.same(calls, ['ci --no-audit --no-fund --ignore-scripts'], 'no install script, no prepare (tsc): the callers build dist/');
    t.ok(existsSync(join(root, 'node_modules', 'better-sqlite3')), 'better-sqlite3 left as installed');
  } else {
    t.same(calls, ['ci --no-audit --no-fund --ignore-scripts', 'rebuild better-sqlite3'], 'no prepare (tsc); the addon built on its own');
    t.notOk(existsSync(join(root, 'node_modules', 'better-sqlite3')), 'the unbuilt optional package is removed');
  }
});
