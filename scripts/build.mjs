// `npm run build` and `prepare`: tsc on tsconfig.build.json, incremental (dist/.tsbuildinfo), and
// safe where incremental tsc is not:
// - an output deleted from dist/ is built again: tsc trusts its build information and does not
//   look for its outputs (TypeScript 5.9: after `rm dist/cli/run.js`, `tsc -p` and `tsc -b` both
//   leave it missing), so a missing output drops the build information and the build is a full one;
// - the output of a source that is gone (a lib/ file deleted or renamed) is removed, so that it
//   neither runs nor ships (package.json `files` takes dist/ whole).
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What tsc writes for each lib/ source (tsconfig.json: declaration and sourceMap, no declarationMap). */
const OUTPUTS = ['.js', '.js.map', '.d.ts'];
const BUILD_INFO = '.tsbuildinfo';

/**
 * Given the sources (`a/b.ts`, relative to lib/) and the files in dist/ (relative to it): the
 * outputs whose source is gone, and whether an expected output is missing.
 */
export function buildPlan(sources, outputs) {
  const expected = new Set(sources.flatMap((source) => OUTPUTS.map((ext) => source.replace(/\.ts$/, ext))));
  const present = new Set(outputs);
  return {
    stale: outputs.filter((file) => file !== BUILD_INFO && !expected.has(file)),
    missing: [...expected].filter((file) => !present.has(file)),
  };
}

/** Files under `dir`, relative to it ('/'-separated); none when it does not exist. */
function filesUnder(dir) {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath ?? entry.path, entry.name).slice(dir.length + 1).split('\\').join('/'));
  } catch (err) {
    if (err.code === 'ENOENT') return [];
    throw err;
  }
}

/** Tidy dist/ as above, then `compile()` (tsc); returns its exit status. */
export function build(root, compile) {
  const lib = join(root, 'lib');
  const dist = join(root, 'dist');
  const { stale, missing } = buildPlan(filesUnder(lib).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), filesUnder(dist));
  for (const file of stale) rmSync(join(dist, file), { force: true });
  if (missing.length > 0) rmSync(join(dist, BUILD_INFO), { force: true });
  return compile();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  process.exitCode = build(root.replace(/\/$/, ''), () => spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' }).status ?? 1);
}
