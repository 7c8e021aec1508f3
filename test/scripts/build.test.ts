// scripts/build.mjs (`npm run build`): incremental tsc keeps its build information in
// dist/.tsbuildinfo and trusts it, so the script drops it when an output is missing (else the
// output stays missing) and removes outputs whose lib/ source is gone (else they run and ship).
// The compile step is a stand-in here: what is checked is dist/ as tsc is handed it.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
// @ts-expect-error -- a plain .mjs script without types
import { build, buildPlan } from '../../scripts/build.mjs';

type Plan = { stale: string[]; missing: string[] };
const plan = buildPlan as (sources: string[], outputs: string[]) => Plan;
const run = build as (root: string, compile: () => number) => number;

const OUT = (name: string): string[] => [`${name}.js`, `${name}.js.map`, `${name}.d.ts`];

function tree(root: string, files: string[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), '');
  }
}

t.test('the plan: every source has its three outputs; anything else in dist/ but the build information is stale', async (t) => {
  t.same(plan(['a.ts', 'cli/b.ts'], [...OUT('a'), ...OUT('cli/b'), '.tsbuildinfo']), { stale: [], missing: [] });
  t.same(plan(['a.ts'], [...OUT('a'), ...OUT('gone')]), { stale: OUT('gone'), missing: [] });
  t.same(plan(['a.ts', 'cli/b.ts'], [...OUT('a'), 'cli/b.js.map', 'cli/b.d.ts']), { stale: [], missing: ['cli/b.js'] });
});

t.test('an output deleted from dist/: the build information goes before tsc runs, so tsc builds it again', async (t) => {
  const root = t.testdir();
  tree(root, ['lib/a.ts', 'lib/cli/run.ts', 'dist/.tsbuildinfo', ...OUT('dist/a'), 'dist/cli/run.js.map', 'dist/cli/run.d.ts']);
  let infoAtCompile: boolean | undefined;
  t.equal(run(root, () => ((infoAtCompile = existsSync(join(root, 'dist/.tsbuildinfo'))), 0)), 0);
  t.equal(infoAtCompile, false, 'tsc ran without build information');
});

t.test('nothing missing: the build information stays (the incremental build); a gone source loses its outputs', async (t) => {
  const root = t.testdir();
  tree(root, ['lib/a.ts', 'dist/.tsbuildinfo', ...OUT('dist/a'), ...OUT('dist/old/gone')]);
  let infoAtCompile: boolean | undefined;
  t.equal(run(root, () => ((infoAtCompile = existsSync(join(root, 'dist/.tsbuildinfo'))), 7)), 7, "tsc's status is the build's");
  t.equal(infoAtCompile, true);
  for (const file of OUT('dist/old/gone')) t.notOk(existsSync(join(root, file)), `${file} removed`);
  for (const file of OUT('dist/a')) t.ok(existsSync(join(root, file)), `${file} kept`);
});

t.test('a fresh clone (no dist/ yet) builds', async (t) => {
  const root = t.testdir();
  tree(root, ['lib/a.ts']);
  t.equal(run(root, () => 0), 0);
});
