import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { kickstartExtraProblem, rootPasswordProblems } from '../../lib/packer/kickstart-extra.js';
import { ROOT_PASSWORD_ENV } from '../../lib/packer/kickstart.js';
import { buildOptionsOf } from '../../lib/cli/build-run.js';
import { parseBuildFlags } from '../../lib/cli/flag-sets.js';
import { cli, runContext } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';

const scripts = fileURLToPath(new URL('../../packer/vmware-esxi/scripts/', import.meta.url));

/** The template's own checks (run at build time inside the kickstart step), for parity. */
function python(code: string, input: string): string {
  const r = spawnSync('python3', ['-c', `import sys, json; sys.path.insert(0, ${JSON.stringify(scripts)}); ${code}`], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

const SNIPPETS: Array<[string, boolean]> = [
  ['esxcli system settings advanced set -o /UserVars/SuppressShellWarning -i 1\n', true],
  ['# comment\nkeyboard German\n%firstboot --interpreter=busybox\nvim-cmd hostsvc/enable_ssh\n', true],
  ['%pre --interpreter=busybox\necho hi\n%post --interpreter=busybox\nrootpw inside-a-section-is-shell\n', true],
  ['vmaccepteula\naccepteula\n', true],
  ['rootpw Secret-Pass1\n', false],
  ['network --bootproto=dhcp\n', false],
  ['  Install --firstdisk\n', false],
  ['dryrun\n', false],
  ['%packages\nfoo\n', false],
  ['%end\n', false],
];

t.test('snippet rules agree with the template script (kickstart.py split_snippet)', async (t) => {
  for (const [snippet, ok] of SNIPPETS) {
    const ours = kickstartExtraProblem(snippet);
    t.equal(ours === undefined, ok, `ours: ${JSON.stringify(snippet)} → ${ours ?? 'ok'}`);
    const theirs = python('import kickstart\ntry:\n    kickstart.split_snippet(sys.stdin.read()); print("ok")\nexcept kickstart.KickstartError as e: print("refused")', snippet);
    t.equal(theirs, ok ? 'ok' : 'refused', `python agrees on ${JSON.stringify(snippet)}`);
  }
  t.equal(kickstartExtraProblem('keyboard US\nrootpw x\n'), "line 2: 'rootpw' is not allowed: set the root password with MAAS_ESXI_ROOT_PASSWORD instead");
  t.equal(kickstartExtraProblem('%packages\n'), "line 1: unknown section '%packages' (allowed: %pre, %post, %firstboot)");
});

t.test('root password rules agree with the template script (esxi_password.py)', async (t) => {
  const passwords = ['Maas-Esxi%42x', 'password123!', 'short1!', 'Abcdefg1', 'abcdefgh', 'ABCdef12', 'my root Pass1', 'Xroot-pass-99', 'a'.repeat(38) + 'B1', 'qu"ote-Pass1', 'Éclair-Pass12'];
  for (const pw of passwords) {
    const ours = rootPasswordProblems(pw).length;
    const theirs = Number(python('import esxi_password; print(len(esxi_password.password_problems(sys.stdin.read())))', pw));
    t.equal(ours, theirs, `${pw}: ${ours} problem(s), as the script finds`);
  }
  t.same(rootPasswordProblems('Maas-Esxi%42x'), []);
});

t.test('build and build-and-upload check --kickstart-extra and the root password before building', async (t) => {
  const home = tempDir(t);
  writeFileSync(join(home, 'bad.ks'), 'keyboard US\nnetwork --bootproto=dhcp\n');
  writeFileSync(join(home, 'good.ks'), '%firstboot --interpreter=busybox\nvim-cmd hostsvc/enable_ssh\n');
  const env = { PATH: '/nonexistent', MAAS_API_URL: 'http://127.0.0.1:9/MAAS/', MAAS_API_KEY: 'a:b:c' };
  const bad = await cli(['build', '--iso', 'esxi.iso', '--kickstart-extra', 'bad.ks'], { home, env });
  t.equal(bad.code, 1);
  t.equal(
    bad.stderr,
    `maas-esxi: error: --kickstart-extra ${join(home, 'bad.ks')} line 2: 'network' is not allowed: the build VM's network is ours; MAAS configures the deployed host's network. It may hold kickstart commands and %pre, %post and %firstboot sections.\n`,
  );
  const missing = await cli(['env', 'build-and-upload', '--iso', 'esxi.iso', '--kickstart-extra', 'nope.ks', 'name=esxi/8.0', 'architecture=amd64/generic'], { home, env });
  t.equal(missing.code, 1);
  t.match(missing.stderr, /Cannot read --kickstart-extra .*nope\.ks: ENOENT\./);
  const weak = await cli(['env', 'build-and-upload', '--iso', 'esxi.iso', '--kickstart-extra', 'good.ks', 'name=esxi/8.0', 'architecture=amd64/generic'], { home, env: { ...env, [ROOT_PASSWORD_ENV]: 'rootroot' } });
  t.equal(weak.code, 1);
  t.match(weak.stderr, /MAAS_ESXI_ROOT_PASSWORD does not meet ESXi's password rules: it must mix at least 3 of: .*; it must not contain the user name 'root'\./);
  t.notMatch(weak.stderr, /rootroot/, 'the password itself is never printed');
  const other = join(home, 'other-template');
  mkdirSync(other);
  const foreign = await cli(['build', '--iso', 'esxi.iso', '--template', 'other-template', '--kickstart-extra', 'good.ks'], { home, env });
  t.equal(foreign.code, 2);
  t.match(foreign.stderr, /--kickstart-extra needs our template's kickstart step, which .*other-template does not have\./);
  // A good snippet and password pass the checks; the build then stops at its prerequisites (no packer on PATH).
  const good = await cli(['build', '--iso', 'esxi.iso', '--kickstart-extra', 'good.ks'], { home, env: { ...env, [ROOT_PASSWORD_ENV]: 'Maas-Esxi%42x' } });
  t.equal(good.code, 1);
  t.match(good.stderr, /build prerequisite/);
});

t.test('paths of the build flags resolve against the command\'s working directory', async (t) => {
  const home = tempDir(t);
  const h = runContext({ home, cwd: join(home, 'sub') });
  const flags = parseBuildFlags({ iso: 'esxi.iso', template: 'tpl', output: 'out', 'kickstart-extra': 'site.ks', var: ['a=b'] }, h.ctx.io.cwd);
  const opts = buildOptionsOf(h.ctx, flags);
  t.equal(opts.iso, join(home, 'sub', 'esxi.iso'));
  t.equal(opts.templateDir, join(home, 'sub', 'tpl'));
  t.equal(opts.outputDir, join(home, 'sub', 'out'));
  t.equal(opts.kickstartExtra, join(home, 'sub', 'site.ks'), 'the SDK gets the snippet');
  t.same(opts.vars, { a: 'b' });
  t.equal(parseBuildFlags({ iso: '/abs/esxi.iso' }, '/x').outputDir, '/x', 'output defaults to the working directory');
  t.equal(opts.prepare, false, 'no --prepare: nothing is made');
  t.equal(buildOptionsOf(h.ctx, parseBuildFlags({ iso: 'esxi.iso', prepare: true }, h.ctx.io.cwd)).prepare, true, '--prepare reaches the SDK');
});
