// `npm run mutation`: Stryker mutation testing of the upload engine's decisions (not in CI: slow).
// Each mutant runs only the test files that cover it (coverageAnalysis perTest), one at a time
// (the machine is shared); the TypeScript checker drops mutants that would not compile.
const UNIT_TESTS = [
  'test/upload/retry-decision.test.ts',
  'test/upload/failure-handling-units.test.ts',
  'test/upload/server-watch-units.test.ts',
  'test/upload/upload-context-units.test.ts',
  'test/upload/create-resource-units.test.ts',
  'test/upload/chunk-put-units.test.ts',
  'test/upload/chunk-put-socket.test.ts',
  'test/upload/chunk-rules.test.ts',
  'test/upload/server-offset.test.ts',
  'test/upload/checks.test.ts',
  'test/upload/rate-limit.test.ts',
  'test/http/classify.test.ts',
];
// Against the in-process simulator, a few seconds each: uploader.ts's own steps, what it tells the
// caller, a file changed mid-upload or a chunk left in flight, the handle, and its state writes.
const UPLOADER_TESTS = [
  'test/upload/uploader-steps.test.ts',
  'test/upload/uploader-events.test.ts',
  'test/upload/uploader-file-changed.test.ts',
  'test/upload/upload-handle.test.ts',
  'test/upload/state.test.ts',
];
// The full end-to-end files (upload.test.ts alone takes ~12 s per mutant here).
const END_TO_END_TESTS = [...UPLOADER_TESTS, 'test/http/api-client.test.ts', 'test/upload/upload.test.ts', 'test/upload/failure-modes.test.ts'];
// MUTATION_TESTS=a.test.ts,b.test.ts runs only those (e.g. uploader.ts against uploader-steps.test.ts).
const CHOSEN_TESTS = process.env.MUTATION_TESTS?.split(',').filter((f) => f !== '');

// The test runner starts node with ts-node's loader itself (not through tap's plugin, which would
// set this): without it ts-node type-checks every file it loads, which the TypeScript checker
// (checkers, below) already does once per mutant. Measured on checks.test.ts: 3.6 s of CPU → 1.4 s.
process.env.TS_NODE_TRANSPILE_ONLY ??= '1';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'tap',
  checkers: ['typescript'],
  // lib/ only: smaller checks; a mutant that would only break a test's types is run and judged by the tests.
  tsconfigFile: 'tsconfig.mutation.json',
  plugins: ['@stryker-mutator/tap-runner', '@stryker-mutator/typescript-checker'],
  mutate: [
    'lib/upload/chunk-outcome.ts',
    'lib/upload/server-offset.ts',
    'lib/upload/uploader.ts',
    'lib/upload/chunk-put.ts',
    'lib/upload/create-resource.ts',
    'lib/upload/upload-context.ts',
    'lib/upload/retry-decision.ts',
    'lib/upload/failure-handling.ts',
    'lib/upload/server-watch.ts',
    'lib/upload/chunk-size.ts',
    'lib/upload/rate-limit.ts',
    'lib/upload/checks.ts',
    'lib/http/classify.ts',
  ],
  tap: {
    // Fast, focused tests first; upload.test.ts and failure-modes.test.ts drive uploader.ts end to
    // end (each takes seconds, so a surviving mutant elsewhere costs them too):
    // MUTATION_UNITS_ONLY=1 leaves them out, e.g. to measure the stable files quickly.
    testFiles: CHOSEN_TESTS ?? [...UNIT_TESTS, ...(process.env.MUTATION_UNITS_ONLY ? [] : END_TO_END_TESTS)],
    // tap's own loaders: TypeScript, and t.mockImport for the fake-clock rate limiter test.
    nodeArgs: ['--import=@tapjs/typescript/import', '--import=@tapjs/mock/import', '-r', '{{hookFile}}', '{{testFile}}'],
  },
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // .stryker-tmp*: the sandboxes of other runs (one temp dir per concurrent run, --tempDirName).
  ignorePatterns: ['dist', '.tap', 'reports', 'bench/out', '.stryker-tmp*'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
