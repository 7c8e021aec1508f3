// Imported first by every test process (.taprc `node-arg`): registers scripts/swc-hooks.mjs, which
// transpiles the tests' TypeScript with swc alone (docs/dependencies.md#swc).
//
// .taprc keeps tap's @tapjs/typescript plugin for its `.ts` test-file extension and sets
// TAP_TYPE_STRIP_ONLY=1 for the test processes, which makes the plugin's own import skip ts-node
// (@tapjs/typescript src/import.mts): ts-node loads the TypeScript compiler in every process.
// That import has run by now, so the variable is removed here: left set, the plugin would add
// Node's `--no-warnings --experimental-strip-types` to NODE_OPTIONS on Node 22 (its src/index.ts),
// and every process a test starts would hide its warnings (test/scripts/swc-loader.test.ts).
import { register } from 'node:module';

delete process.env['TAP_TYPE_STRIP_ONLY'];
register('./swc-hooks.mjs', import.meta.url);
