/**
 * The code stays readable — no file in lib/ over 400 lines, no
 * function over 60, and no import cycle anywhere in lib/ (a cycle makes load order matter).
 */
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync } from '@swc/core';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** swc's nodes that are functions with a body (TypeScript's isFunctionLike with a body). */
const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ClassMethod', 'PrivateMethod', 'Constructor', 'MethodProperty', 'GetterProperty', 'SetterProperty']);

interface SwcNode {
  type?: string;
  span?: { start: number; end: number };
  body?: unknown;
  function?: { body?: unknown };
  identifier?: { value?: string };
  key?: { type?: string; value?: string };
}

/**
 * `file:line name (n lines)` for every function longer than `max` lines. Parsed by swc, which
 * every test process has loaded for its TypeScript (scripts/swc-loader.mjs): ~0.4 CPU s for
 * lib/, where loading TypeScript and parsing with it cost ~2 s; both give the same start line
 * and length for each of lib/'s functions (checked on all 1,808 of them when this replaced TypeScript's parser).
 */
function longFunctions(file: string, max: number): string[] {
  const bytes = readFileSync(join(root, file));
  // swc's spans count on across parses, and a module's starts at its first token: the byte
  // offset of `0;`, put before the text, is this parse's zero (its two bytes come off again).
  const module = parseSync(`0;${bytes.toString('utf8')}`, { syntax: 'typescript' });
  const zero = module.body[0]!.span.start + 2;
  const newlines: number[] = [];
  for (let at = bytes.indexOf(0x0a); at !== -1; at = bytes.indexOf(0x0a, at + 1)) newlines.push(at);
  /** The 0-based line of a span offset: how many newlines come before it. */
  const lineAt = (offset: number): number => {
    let [low, high] = [0, newlines.length];
    while (low < high) {
      const mid = (low + high) >> 1;
      if (newlines[mid]! < offset - zero) low = mid + 1;
      else high = mid;
    }
    return low;
  };
  const out: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    const n = value as SwcNode;
    if (n.type && FUNCTIONS.has(n.type) && n.span && (n.body ?? n.function?.body)) {
      const first = lineAt(n.span.start);
      const lines = lineAt(n.span.end) - first + 1;
      const name = n.identifier?.value ?? (n.key?.value === undefined ? '<anonymous>' : `${n.key.type === 'PrivateName' ? '#' : ''}${n.key.value}`);
      if (lines > max) out.push(`${file}:${first + 1} ${name} (${lines} lines)`);
    }
    for (const [key, child] of Object.entries(n)) if (key !== 'span') visit(child);
  };
  visit(module.body.slice(1));
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
