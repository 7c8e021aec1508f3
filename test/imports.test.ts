/**
 * One import statement per module in each file: `import type { A }` and `import { b }` from the
 * same module become `import { b, type A }` (docs/architecture.md, "Conventions").
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const IMPORT = /^import\s[^;]*?from\s+['"]([^'"]+)['"]/gms;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

function duplicatedImports(text: string): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const [, from] of text.matchAll(IMPORT)) {
    if (seen.has(from!)) twice.push(from!);
    seen.add(from!);
  }
  return twice;
}

t.test('the scan sees a module imported twice, type-only or not', async (t) => {
  t.same(duplicatedImports("import type { A } from './a.js';\nimport { b } from './a.js';\nimport { c } from './c.js';\n"), ['./a.js']);
  t.same(duplicatedImports("import { b, type A } from './a.js';\n"), []);
});

t.test('no file in lib/, test/, bench/ or scripts/ imports a module twice', async (t) => {
  const found: string[] = [];
  for (const dir of ['lib', 'test', 'bench', 'scripts']) {
    for (const file of sources(join(root, dir))) {
      for (const from of duplicatedImports(readFileSync(file, 'utf8'))) found.push(`${relative(root, file)}: ${from}`);
    }
  }
  t.same(found, []);
});
