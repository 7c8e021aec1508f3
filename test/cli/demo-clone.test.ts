import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { tempDir } from '../fixtures/upload-env.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

// The README's quick start (`npm run demo`) works from a fresh clone — what is
// committed, built from scratch; node_modules is shared through a symlink instead of reinstalled.
t.test('npm run demo works in a fresh clone', async (t) => {
  const dir = join(tempDir(t), 'clone');
  const { stdout: head } = await run('git', ['rev-parse', 'HEAD'], { cwd: root });
  await run('git', ['clone', '--quiet', '--shared', '--no-checkout', root, dir]);
  await run('git', ['checkout', '--quiet', '--detach', head.trim()], { cwd: dir });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  // The checkout's lockfile is newer than the shared install, so scripts/ensure-install.mjs would
  // run `npm ci` — through the symlink, into the real node_modules. Date it back, and make sure.
  utimesSync(join(dir, 'package-lock.json'), new Date(0), new Date(0));
  const marker = join(dir, 'node_modules', '.package-lock.json');
  if (!existsSync(marker) || statSync(join(dir, 'package-lock.json')).mtimeMs > statSync(marker).mtimeMs) throw new Error('the shared node_modules would be reinstalled');
  const r = await run('npm', ['run', 'demo'], { cwd: dir, env: { ...process.env, CI: 'true' }, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }).catch((err: { code?: number; stdout?: string; stderr?: string }) => err);
  t.equal('code' in r ? (r.code ?? 0) : 0, 0, `npm run demo exits 0: ${'stderr' in r ? String(r.stderr).slice(-2000) : ''}`);
});
