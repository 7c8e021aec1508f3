// .ci/run's accounting, run for real in a scratch copy with stand-ins for dpkg, npm and the
// install script: a tap summary that reports a skip under CI=true fails the run, and the summary
// lists each step's time and the slowest test files.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';

function ciRun(t: Test, tapOutput: string) {
  const dir = t.testdir({ scripts: { 'ensure-install.mjs': '' }, bin: {} });
  mkdirSync(join(dir, '.ci'));
  copyFileSync('.ci/run', join(dir, '.ci', 'run'));
  const stub = (name: string, body: string) => {
    writeFileSync(join(dir, 'bin', name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  };
  stub('dpkg', 'exit 0'); // every Debian package "installed"
  // `npm test` prints what tap would; `npm run typecheck` passes.
  writeFileSync(join(dir, 'tap-output.txt'), tapOutput);
  stub('npm', `[ "$1" = test ] && cat "${join(dir, 'tap-output.txt')}"; exit 0`);
  const r = spawnSync('bash', [join(dir, '.ci', 'run')], {
    encoding: 'utf8',
    env: { PATH: `${join(dir, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir, CI_NODE_LINES: ' ' } // no other Node.js line,
  });
  return { status: r.status, lines: r.stdout.trimEnd().split('\n') };
}

const files = 'ok 1 - test/a/slow.test.ts # time=65000.2ms\nok 2 - test/b/fast.test.ts # time=1200ms\n';

t.test('a clean tap run passes and ends with the plain summary line', async (t) => {
  const r = ciRun(t, `${files}# { total: 12, pass: 12 }\n`);
  t.equal(r.status, 0);
  t.equal(r.lines.at(-1), '12 passed, 0 failed');
  const slowest = r.lines.indexOf('the 10 slowest test files:');
  t.ok(slowest > 0, 'the slowest files are listed');
  t.match(r.lines[slowest + 1], /^\s+65 s {2}test\/a\/slow\.test\.ts \(Node\.js v[\d.]+, whole suite\)$/);
  t.match(r.lines[slowest + 2], /^\s+1 s {2}test\/b\/fast\.test\.ts/);
  t.ok(r.lines.some((l) => /^\s+\d+ s {2}npm test under Node\.js/.test(l)), "each step's time");
});

t.test('a skip under CI=true fails the run', async (t) => {
  const r = ciRun(t, `${files}# { total: 12, pass: 11, skip: 1 }\n`);
  t.not(r.status, 0);
  t.ok(r.lines.includes('1 skipped under CI=true, counted as failures: CI installs every prerequisite, so a test must run or fail.'));
  t.equal(r.lines.at(-1), '11 passed, 1 failed');
});
