import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../fixtures/upload-env.js';

const bin = fileURLToPath(new URL('../../bin/maas-esxi.js', import.meta.url));
const preload = fileURLToPath(new URL('../fixtures/module-log.mjs', import.meta.url));

/** The module URLs the built CLI loads for `args` (dist/, as installed). */
function modulesLoadedBy(home: string, args: string[], name: string): string[] {
  const log = join(home, `${name}.log`);
  const r = spawnSync(process.execPath, ['--import', preload, bin, ...args], { env: { ...process.env, HOME: home, XDG_STATE_HOME: join(home, 'state'), MODULE_LOG: log }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

// Help and a completion Tab start instantly because they load only the
// registry; the parser, the HTTP client and the upload engine load when a command runs.
// (Time and memory are measured by bench/startup.mjs; this guards what makes them small.)
t.test('help and completion load no yargs, undici, SDK client or upload engine', async (t) => {
  if (!existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)))) throw new Error('dist/ is not built: run npm run build');
  const home = tempDir(t);
  const heavy = /node_modules\/(yargs|undici|oauth-1\.0a)\/|dist\/(upload\/uploader|client\/maas-client|http\/transport|packer\/index)\.js|node:(crypto|v8)$/;
  const lines: Array<[string, string[]]> = [
    ['help', ['--help']],
    ['create-help', ['admin', 'boot-resources', 'create', '--help']],
    ['login-help', ['login', '--help']],
    ['tab', ['__complete', '--cur', '', '--line', 'maas-esxi ']],
    ['tab-arch', ['__complete', '--cur', 'architecture=', '--line', 'maas-esxi admin create architecture=']],
  ];
  for (const [name, args] of lines) {
    const loaded = modulesLoadedBy(home, args, name);
    t.ok(loaded.some((u) => u.includes('dist/cli/commands/index.js')), `${name}: the log sees the registry load`);
    // A Tab reads the profile names: lib/profiles/ca-file.ts loads node:crypto (X509Certificate) with the store.
    const allowed = name.startsWith('tab') ? ['node:crypto'] : [];
    t.same(loaded.filter((u) => heavy.test(u) && !allowed.includes(u)), [], `${name}: nothing heavy loads`);
  }
  const run = modulesLoadedBy(home, ['env', 'boot-resources', 'read', '--help'], 'read-help');
  t.notOk(run.some((u) => u.includes('yargs')), 'a help line of a profile command loads no yargs either');
});
