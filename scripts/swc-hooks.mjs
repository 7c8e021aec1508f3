// Module hooks (https://nodejs.org/api/module.html#customization-hooks) that run the tests'
// TypeScript through swc, as ts-node's `swc` option did without loading the TypeScript compiler
// (docs/dependencies.md#swc). Type checking is `npm run typecheck`'s job, not the loader's.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from '@swc/core';

/**
 * NodeNext imports name a `.ts` file by its `.js` output (`../lib/x.js`). The specifier goes down
 * the chain unchanged first, so that tap's mock hooks (registered before this one) match a mocked
 * module by the name the test gave it (`t.mockImport`); only a `.js` file that does not exist is
 * then tried as its `.ts` source.
 */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const ts = error?.code === 'ERR_MODULE_NOT_FOUND' ? tsSource(specifier, context.parentURL) : undefined;
    if (!ts) throw error;
    return nextResolve(ts, context);
  }
}

/** The `.ts` file a relative or file: `.js` specifier stands for, when it exists. */
function tsSource(specifier, parentURL) {
  if (!parentURL || !/^(\.{1,2}\/|\/|file:)/.test(specifier)) return undefined;
  const url = new URL(specifier, parentURL);
  if (!url.pathname.endsWith('.js')) return undefined;
  url.pathname = url.pathname.replace(/\.js$/, '.ts');
  return existsSync(url) ? url.href : undefined;
}

// What ts-node passed swc for this tsconfig (target ES2022, module NodeNext, strict): ES modules,
// no interop helpers, class names kept.
const OPTIONS = {
  swcrc: false,
  sourceMaps: true,
  module: { type: 'es6', noInterop: true, strictMode: true },
  jsc: { target: 'es2022', keepClassNames: true, parser: { syntax: 'typescript', importAttributes: true } },
};

/**
 * A `.ts` file as an ES module with its source map inline, the source named by its absolute path as
 * ts-node named it: tap's coverage report maps V8's counts back to lib/*.ts through it
 * (test/scripts/coverage-map.test.ts), and --enable-source-maps maps stack traces.
 */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !/\.ts$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  const { code, map } = transformSync(readFileSync(filename, 'utf8'), { ...OPTIONS, filename });
  const sourceMap = { ...JSON.parse(map), sources: [filename], sourceRoot: undefined };
  const inline = Buffer.from(JSON.stringify(sourceMap)).toString('base64');
  return { format: 'module', source: `${code}\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,${inline}\n`, shortCircuit: true };
}
