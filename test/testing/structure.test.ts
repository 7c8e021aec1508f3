/**
 * The code stays readable — no file in lib/ over 400 lines, no
 * function over 60, and no import cycle anywhere in lib/ (a cycle makes load order matter).
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type * as TypeScript from 'typescript';

// Loaded as CommonJS: an ESM import of typescript.js (9 MB) makes Node scan it for its named
// exports first (cjs-module-lexer), ~0.5 CPU s of this process.
const ts: typeof TypeScript = createRequire(import.meta.url)('typescript');

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** `file:line name (n lines)` for every function longer than `max` lines. */
function longFunctions(file: string, max: number): string[] {
  const src = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: TypeScript.Node): void => {
    if (ts.isFunctionLike(n) && 'body' in n && n.body) {
      const first = src.getLineAndCharacterOfPosition(n.getStart()).line;
      const lines = src.getLineAndCharacterOfPosition(n.getEnd()).line - first + 1;
      if (lines > max) out.push(`${file}:${first + 1} ${n.name?.getText() ?? '<anonymous>'} (${lines} lines)`);
    }
    ts.forEachChild(n, visit);
  };
  visit(src);
  return out;
}

/** Every import cycle among lib/'s modules, as `a → b → a`. */
function importCycles(files: string[]): string[] {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const text = readFileSync(join(root, f), 'utf8');
    graph.set(f, [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => relative(root, resolve(root, dirname(f), m[1]!.replace(/\.js$/, '.ts')))));
  }
  const cycles: string[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (f: string): void => {
    if (path.includes(f)) {
      cycles.push([...path.slice(path.indexOf(f)), f].join(' → '));
      return;
    }
    if (done.has(f)) return;
    path.push(f);
    for (const d of graph.get(f) ?? []) visit(d);
    path.pop();
    done.add(f);
  };
  for (const f of files) visit(f);
  return cycles;
}

t.test('lib/: no file over 400 lines, no function over 60', async (t) => {
  const files = sources('lib');
  const long = files.filter((f) => readFileSync(join(root, f), 'utf8').split('\n').length > 401);
  t.same(long, [], 'files over 400 lines');
  t.same(files.flatMap((f) => longFunctions(f, 60)), [], 'functions over 60 lines');
});

t.test('no import cycle in lib/', async (t) => {
  t.same(importCycles(sources('lib')), []);
});
