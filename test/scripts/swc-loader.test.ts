// Every test process runs its TypeScript through scripts/swc-loader.mjs (swc alone), not through
// @tapjs/typescript's ts-node, which loads the TypeScript compiler in each of ~150 processes
// (docs/dependencies.md#swc). .taprc keeps @tapjs/typescript for its `.ts` test-file extension and
// turns its loader off with TAP_TYPE_STRIP_ONLY=1 (@tapjs/typescript src/import.mts); the swc
// loader then removes that variable, so the plugin does not add Node's `--no-warnings
// --experimental-strip-types` to NODE_OPTIONS of the processes a test starts (src/index.ts).
import t from 'tap';
import { spawnSync } from 'node:child_process';

t.test('this test process did not load ts-node', async (t) => {
  // ts-node's register() records its service here (ts-node src/index.ts, REGISTER_INSTANCE).
  t.equal(Reflect.get(process, Symbol.for('ts-node.register.instance')), undefined);
  t.ok(process.execArgv.includes('--import=./scripts/swc-loader.mjs'), process.execArgv.join(' '));
});

t.test('the processes a test starts get no --no-warnings or type stripping from tap', async (t) => {
  const options = process.env['NODE_OPTIONS'] ?? '';
  t.notMatch(options, /--experimental-strip-types/);
  // Node 26 and later: @tapjs/typescript silences ts-node's module.register() warning whatever the loader.
  if (Number(process.versions.node.split('.')[0]) < 26) t.notMatch(options, /--no-warnings/);
  const child = spawnSync(process.execPath, ['-e', 'process.emitWarning("seen")'], { encoding: 'utf8' });
  t.match(child.stderr, /Warning: seen/, 'a child process still prints warnings');
});

t.test('a .js specifier of a .ts file loads, and stack positions map back to the .ts source', async (t) => {
  const { errorFromResponse } = await import('../../lib/http/classify.js');
  t.type(errorFromResponse, 'function');
  const here = new Error('where').stack ?? '';
  // Line 28 of this file: --enable-source-maps maps the transpiled position back to the .ts source.
  t.match(here, /swc-loader\.test\.ts:28:\d+/);
});
