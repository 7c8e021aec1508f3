// `npm test`'s coverage is measured on the TypeScript sources: scripts/run-tests.mjs runs the real
// tap with the repository's .taprc on a scratch project whose one test calls one of two functions,
// and the report must name the other function's lines as uncovered. A TypeScript loader whose
// source maps lack the sources makes tap's report call every line covered: tsx does so unless
// NODE_V8_COVERAGE is set (tsx's src/utils/transform/get-esbuild-options.ts, `sourcesContent`),
// so a change of loader must keep this test green.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { NO_TAP_HOOK } from '../fixtures/no-tap-hook.js';

const script = resolve('scripts/run-tests.mjs');

// Lines 4–6 are the function the test never calls, line 5 its one statement; line 2 is the called one's.
const half = ['export function used(): number {', '  return 1;', '}', 'export function unused(): number {', '  return 2;', '}', ''].join('\n');

t.test('the coverage report maps back to lib/*.ts: a function no test calls is reported uncovered', async (t) => {
  // Outside the repository, so that tap takes the scratch folder as its project, not the repository.
  const dir = mkdtempSync(join(tmpdir(), 'maas-esxi-coverage-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib', 'half.ts'), half);
  mkdirSync(join(dir, 'test'));
  writeFileSync(join(dir, 'test', 'half.test.ts'), "import t from 'tap';\nimport { used } from '../lib/half.js';\nt.equal(used(), 1);\n");
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  copyFileSync('.taprc', join(dir, '.taprc'));
  // .taprc's node-arg: the swc loader every test process imports (docs/dependencies.md#swc).
  mkdirSync(join(dir, 'scripts'));
  for (const file of ['swc-loader.mjs', 'swc-hooks.mjs']) copyFileSync(join('scripts', file), join(dir, 'scripts', file));
  // and the one that keeps tap's hook out of the processes a test marks (test/fixtures/child-env.mjs).
  mkdirSync(join(dir, 'test', 'fixtures'), { recursive: true });
  copyFileSync(join('test', 'fixtures', 'child-env.mjs'), join(dir, 'test', 'fixtures', 'child-env.mjs'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  // run-tests.mjs checks that each of its groups matches a file: the repository's test names, empty.
  for (const file of (readdirSync('test', { recursive: true }) as string[]).filter((f) => f.endsWith('.test.ts'))) {
    mkdirSync(join(dir, 'test', dirname(file)), { recursive: true });
    writeFileSync(join(dir, 'test', file), '', { flag: 'a' });
  }
  const r = spawnSync(process.execPath, [script, '--allow-incomplete-coverage', '--coverage-report=text', 'test/half.test.ts'], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', CI: 'true' },
  });
  t.equal(r.status, 0, r.stderr);
  const row = r.stdout.split('\n').find((l) => /^\s*half\.ts\s*\|/.test(l));
  t.ok(row, 'lib/half.ts is in the report');
  // File | % Stmts | % Branch | % Funcs | % Lines | Uncovered Line #s ("5-6" or "5,6").
  const cells = (row ?? '').split('|').map((c) => c.trim());
  t.ok(Number(cells[3]) < 100, `not every function covered (${cells[3]} %)`);
  const uncovered = (cells[5] ?? '').split(',').filter(Boolean).flatMap((range) => {
    const [from = 0, to = from] = range.split('-').map(Number);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });
  t.ok(uncovered.includes(5), `unused()'s statement (line 5) is uncovered: ${cells[5]}`);
  t.ok(uncovered.every((line) => line >= 4 && line <= 6), `only unused()'s lines are uncovered: ${cells[5]}`);
});

// What .taprc's node-arg test/fixtures/child-env.mjs promises: a child marked NO_TAP_HOOK (npm
// on a scratch copy, a shell running the built CLI) and the built CLI itself (bin/maas-esxi.js
// runs dist/, which the report leaves out) run without tap's hook and its V8 coverage; any other
// child (one that runs lib/ through the swc loader) keeps them, and so does this test process.
t.test("a child marked NO_TAP_HOOK runs without tap's coverage hook; others keep it", async (t) => {
  const show = 'process.stdout.write(JSON.stringify([process.env.NODE_OPTIONS ?? null, process.env._TAPJS_PROCESSINFO_COVERAGE_ ?? null]))';
  const seen = (env?: NodeJS.ProcessEnv, args: string[] = []) => JSON.parse(spawnSync(process.execPath, ['-e', show, ...args], { encoding: 'utf8', env }).stdout) as [string | null, string | null];
  t.same(seen({ ...process.env, ...NO_TAP_HOOK }), [null, null], 'no hook, no processinfo variables in the marked child');
  t.same(seen({ ...process.env, ...NO_TAP_HOOK, NODE_OPTIONS: '--max-old-space-size=200' }), ['--max-old-space-size=200', null], "the test's own NODE_OPTIONS stays");
  t.same(seen(process.env, [resolve('bin/maas-esxi.js'), '--help']), [null, null], 'a child started on the built CLI: no hook, unmarked');
  const [options, coverage] = seen();
  t.match(options, /@tapjs\/processinfo/, 'an unmarked child loads the hook');
  // '1' in `npm test`; '0' in this process too under --disable-coverage.
  t.equal(coverage, process.env['_TAPJS_PROCESSINFO_COVERAGE_'] ?? null, 'and collects coverage when this process does');
  t.match(process.env['NODE_OPTIONS'] ?? '', /@tapjs\/processinfo/, 'this process was started with the hook');
});
