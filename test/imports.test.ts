/**
 * One import statement per module in each file: `import type { A }` and `import { b }` from the
 * same module become `import { b, type A }` (docs/architecture.md, "Conventions").
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const IMPORT = /^import\s[^;]*?from\s+['"]([^'"]+)['"]/gms;

/** The files under `dir` (relative to the repository) whose names match `ext`, as repository paths. */
function sources(dir: string, ext: RegExp): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name), ext) : ext.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Every source file of lib/, test/, bench/, scripts/ and bin/ with its text, read once for all the checks below. */
const TREE: Record<string, string> = Object.fromEntries(
  ['lib', 'test', 'bench', 'scripts', 'bin'].flatMap((dir) => sources(dir, /\.(ts|mjs|js)$/)).map((file) => [file, readFileSync(join(root, file), 'utf8')]),
);

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
  for (const [file, text] of Object.entries(TREE)) {
    if (!/^(lib|test|bench|scripts)\//.test(file) || !/\.(ts|mjs)$/.test(file)) continue;
    for (const from of duplicatedImports(text)) found.push(`${file}: ${from}`);
  }
  t.same(found, []);
});

/** Files whose runtime imports (not `import type`) name node:http, as `import … from` or `import(…)`. */
function runtimeNodeHttp(files: Record<string, string>): string[] {
  const runtime = /^import\s(?!type\s)[^;]*?from\s+['"](?:node:)?http['"]|\bimport\(\s*['"](?:node:)?http['"]\s*\)/m;
  return Object.entries(files).filter(([, text]) => runtime.test(text)).map(([file]) => file);
}

t.test('the node:http scan: a runtime import, named, default or dynamic, is seen; a type-only one is not', async (t) => {
  t.same(runtimeNodeHttp({ a: "import { request } from 'node:http';", b: "import * as http from 'http';", c: "const h = await import('node:http');", d: "import type { Agent } from 'node:http';", e: "import { type Agent } from 'node:https';" }), ['a', 'b', 'c']);
});

// lib/http/node-http.ts says why: an ESM import of node:http loads Node's bundled undici on Node ≥ 22.
t.test('lib/ imports node:http at runtime only through lib/http/node-http.ts', async (t) => {
  const lib = Object.fromEntries(Object.entries(TREE).filter(([f]) => f.startsWith('lib/') && f.endsWith('.ts') && f !== 'lib/http/node-http.ts'));
  t.same(runtimeNodeHttp(lib), []);
});

/**
 * Nothing is exported that only its own file uses: an `export` is a promise to other modules
 * (or, through an entry point, to users), so one nobody takes up is noise a maintainer has to
 * read past. Entry points (pinned by exports.test.ts) count as users; the internal barrel
 * lib/profiles/index.ts does not, so a name it re-exports still needs a real importer.
 */
const ENTRY_POINTS = new Set(['lib/index.ts', 'lib/advanced.ts', 'lib/packer/index.ts', 'lib/testing/index.ts']);
const BARRELS = new Set(['lib/profiles/index.ts']);
const DECLARATION = /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:const|let|function\*?|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;

/** `file → name` for every declared export no other file mentions. */
function deadExports(files: Record<string, string>): string[] {
  const dead: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    if (!file.startsWith('lib/') || ENTRY_POINTS.has(file) || BARRELS.has(file)) continue;
    for (const [, name] of text.matchAll(DECLARATION)) {
      const word = new RegExp(`\\b${name!.replace(/\$/g, '\\$')}\\b`);
      const used = Object.entries(files).some(([other, body]) => other !== file && !BARRELS.has(other) && word.test(body));
      if (!used) dead.push(`${file} → ${name}`);
    }
  }
  return dead;
}

t.test('the scan finds an export only its own file uses, and accepts one used elsewhere', async (t) => {
  const files = {
    'lib/a.ts': 'export function lonely() {}\nexport const shared = 1;\nlonely();\n',
    'lib/b.ts': "import { shared } from './a.js';\n",
    'lib/profiles/index.ts': "export { lonely } from '../a.js';\n",
  };
  t.same(deadExports(files), ['lib/a.ts → lonely']);
});

t.test('no export in lib/ is used only by its own file', async (t) => {
  t.same(deadExports(TREE), [], 'drop `export` from these (or use them elsewhere)');
});
