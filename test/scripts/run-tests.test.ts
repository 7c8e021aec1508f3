// scripts/run-tests.mjs (`npm test`) run for real, with a stand-in for tap that records the
// arguments it was given, in a scratch directory laid out like the repository's root.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const script = resolve('scripts/run-tests.mjs');

/** The repository's test files (run-tests.mjs derives its groups from them), as empty files. */
const testFiles = (readdirSync('test', { recursive: true }) as string[]).filter((f) => f.endsWith('.test.ts')).map((f) => join('test', f));

function runTests(t: Test, argv: string[], env: Record<string, string> = {}, without: string[] = []) {
  const dir = t.testdir({ node_modules: { '.bin': { tap: '#!/bin/sh\nprintf "%s\\n" "$@" > "$0.args"\nexit "${FAKE_TAP_EXIT:-0}"\n' } } });
  for (const file of testFiles.filter((f) => !without.includes(f))) {
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    writeFileSync(join(dir, file), '');
  }
  const tap = join(dir, 'node_modules', '.bin', 'tap');
  chmodSync(tap, 0o755);
  const res = spawnSync(process.execPath, [script, ...argv], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', CI: 'true', ...env } });
  const tapArgs = existsSync(`${tap}.args`) ? readFileSync(`${tap}.args`, 'utf8').split('\n').slice(0, -1) : undefined;
  return { status: res.status, stderr: res.stderr, tapArgs };
}

/** The files given to tap as --exclude. */
const excludes = (args: string[]): string[] => args.flatMap((a, i) => (args[i - 1] === '--exclude' ? [a] : []));

t.test('in CI with every tool, tap gets the arguments unchanged and the coverage gate stays', async (t) => {
  const r = runTests(t, ['--disable-coverage', 'test/upload/hash.test.ts']);
  t.equal(r.status, 0);
  t.same(r.tapArgs, ['--disable-coverage', 'test/upload/hash.test.ts']);
  t.equal(r.stderr, '');
});

t.test('--leave-out packer,qemu leaves those suites out, says so, and relaxes the gate', async (t) => {
  const r = runTests(t, ['--leave-out', 'packer,qemu', '--disable-coverage']);
  t.equal(r.status, 0);
  const args = r.tapArgs ?? [];
  const ex = excludes(args);
  t.equal(ex[0], 'test/fixtures/**', '.taprc exclusion kept (a command-line --exclude replaces it)');
  const expected = testFiles.filter((f) => /^test\/packer\/runner-.*\.test\.ts$|^test\/recipe\/packer-build.*\.test\.ts$/.test(f));
  t.ok(expected.length >= 5, 'the runner and recipe build files exist (four runner-*, packer-build)');
  for (const f of [...expected, 'test/packer/template.test.ts', 'test/cli/pipeline.test.ts']) t.ok(ex.includes(f), `${f} left out`);
  t.equal(new Set(ex).size, ex.length, 'each pattern once');
  t.notOk(ex.includes('test/http/tls-proxy.test.ts'), 'other groups still run');
  t.ok(args.includes('--allow-incomplete-coverage'));
  t.equal(args[args.length - 1], '--disable-coverage', 'other arguments passed on');
  t.notOk(args.some((a) => a.startsWith('--leave-out')), 'our flag is not passed to tap');
  t.match(r.stderr, /leaving out the packer, qemu suites as asked \(--leave-out\)/);
});

t.test("CI's Node.js 22 and 24 runs cover every Node.js API the product drives", async (t) => {
  // The group .ci/run runs under those lines, read from .ci/run itself.
  const only = /^NODE_LINES_ONLY=(\S+)$/m.exec(readFileSync('.ci/run', 'utf8'))?.[1];
  t.ok(only, '.ci/run names the group it runs');
  const r = runTests(t, ['--only', only ?? '', '--disable-coverage']);
  t.equal(r.status, 0);
  const args = r.tapArgs ?? [];
  const files = args.filter((a) => a.endsWith('.test.ts'));
  t.ok(args.includes('--allow-incomplete-coverage'), 'the coverage gate is relaxed for a partial run');
  t.match(r.stderr, new RegExp(`only the ${only} suites as asked \\(--only\\), ${files.length} files`));
  // Each area whose behaviour changes with the Node.js line, by the files that drive it (hand-written,
  // not read from the group): every one of these runs there.
  const required = [
    ...testFiles.filter((f) => /^test\/(profiles|http|auth|client)\//.test(f)), // node:sqlite, node:http, TLS, undici, crypto
    'test/upload/upload.test.ts', // streams, fs, the chunk PUTs against the simulator
    'test/upload/kill-resume.test.ts', // signals, child processes
    'test/upload/lost-tail-reset.test.ts', // socket resets
    'test/testing/serve.test.ts', // the simulator's node:http server
    'test/inspect/inspect-image.test.ts', // zlib
    'test/cli/startup.test.ts', // module loading, module.enableCompileCache
    'test/install/fresh-clone.test.ts', // npm ci on a fresh clone
    'test/install/package.test.ts', // the package's entry points
  ];
  t.same(required.filter((f) => !files.includes(f)), [], 'none of them is missing');
  t.same(files.filter((f) => !testFiles.includes(f)), [], 'every file exists');
  t.ok(files.length < testFiles.length / 2, `${files.length} of ${testFiles.length} files: the unit and text suites run under Node 20 only`);
});

t.test('--only runs exactly its groups, less what --leave-out names; an unknown group stops the run', async (t) => {
  const r = runTests(t, ['--only', 'openssl,zsh']);
  t.equal(r.status, 0);
  t.same(r.tapArgs, ['--allow-incomplete-coverage', 'test/http/tls-proxy.test.ts', 'test/cli/completion-zsh.test.ts']);
  const less = runTests(t, ['--only', 'openssl,zsh', '--leave-out', 'zsh']);
  t.same(
    (less.tapArgs ?? []).filter((a) => a.endsWith('.test.ts') && !excludes(less.tapArgs ?? []).includes(a)),
    ['test/http/tls-proxy.test.ts'],
  );
  const unknown = runTests(t, ['--only', 'nodelines']);
  t.equal(unknown.status, 2);
  t.match(unknown.stderr, /--only: unknown group 'nodelines'; use one or more of /);
});

t.test('--only whose files are all left out is a usage error: tap is not started (it would run every file)', async (t) => {
  const r = runTests(t, ['--only', 'zsh', '--leave-out', 'zsh']);
  t.equal(r.status, 2);
  t.match(r.stderr, /maas-esxi tests: --only zsh: nothing to run, every file of it is left out \(zsh\)\. Drop it from --leave-out, or install the tools named above\.\n$/);
  t.equal(r.tapArgs, undefined, 'tap did not run');
  const one = runTests(t, ['--only', 'zsh']);
  t.match(one.stderr, /--only\), 1 file, coverage gate relaxed/, 'one file, not "1 files"');
});

t.test('named test files alone: the whole-suite coverage gate is relaxed, and said so', async (t) => {
  const r = runTests(t, ['test/upload/hash.test.ts']);
  t.equal(r.status, 0);
  t.same(r.tapArgs, ['--allow-incomplete-coverage', 'test/upload/hash.test.ts']);
  t.match(r.stderr, /only the named test files: the coverage gate, which is for the whole suite, is relaxed/);
  const grep = runTests(t, ['--grep', 'x']);
  t.same(grep.tapArgs, ['--grep', 'x'], 'options alone keep the gate');
});

t.test('--leave-out=GROUP and repeated flags add up', async (t) => {
  const r = runTests(t, ['--leave-out=openssl', '--leave-out', 'file']);
  t.equal(r.status, 0);
  t.same(excludes(r.tapArgs ?? []), ['test/fixtures/**', 'test/http/tls-proxy.test.ts', 'test/packer/iso-inspect.test.ts']);
});

t.test('an unknown or missing group name is a usage error and tap does not run', async (t) => {
  const unknown = runTests(t, ['--leave-out', 'packer,qmeu']);
  t.equal(unknown.status, 2);
  t.match(unknown.stderr, /--leave-out: unknown group 'qmeu'; use one or more of packer, qemu, mtools, python, openssl, file, zsh, install/);
  t.equal(unknown.tapArgs, undefined);
  for (const argv of [['--leave-out'], ['--leave-out='], ['--leave-out', '--disable-coverage']]) {
    const r = runTests(t, argv);
    t.equal(r.status, 2, argv.join(' '));
    t.match(r.stderr, /--leave-out needs group names, e\.g\. --leave-out packer,qemu/);
    t.equal(r.tapArgs, undefined);
  }
});

t.test('a group pattern that matches no file stops the run before tap', async (t) => {
  const r = runTests(t, [], {}, ['test/http/tls-proxy.test.ts']);
  t.equal(r.status, 2);
  t.equal(r.stderr, "maas-esxi tests: group 'openssl' lists test/http/tls-proxy.test.ts, which matches no file; update GROUPS in scripts/run-tests.mjs.\n");
  t.equal(r.tapArgs, undefined);
});

t.test("tap's exit status is npm test's", async (t) => {
  t.equal(runTests(t, [], { FAKE_TAP_EXIT: '3' }).status, 3);
});

t.test('outside CI, a missing tool leaves out its suites with the packages to install', async (t) => {
  // A PATH with none of the tools (the stand-in tap is started by its path, node by process.execPath).
  const noTools = mkdtempSync(join(tmpdir(), 'no-tools-'));
  t.teardown(() => rmSync(noTools, { recursive: true, force: true }));
  const r = runTests(t, [], { CI: '', PATH: noTools });
  t.equal(r.status, 0);
  t.match(r.stderr, /not found; leaving out the suites that need them/);
  t.match(r.stderr, /sudo apt-get install packer qemu-system-x86 qemu-utils mtools gdisk python3 openssl file zsh/);
  t.ok(excludes(r.tapArgs ?? []).includes('test/packer/runner-qemu.test.ts'));
  t.ok((r.tapArgs ?? []).includes('--allow-incomplete-coverage'));
});
