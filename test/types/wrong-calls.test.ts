/**
 * The SDK's types refuse wrong calls. The fixture holds each wrong call under a
 * `@ts-expect-error`; compiled as is it must be clean (every directive used, so every line is an
 * error), and compiled with the directives removed, exactly those lines must fail.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = join(root, 'test/fixtures/types/wrong-calls.ts');
const DIRECTIVE = '// @ts-expect-error';

/** Diagnostics of the fixture, compiled with the repository's options and `text` as its content. */
function compile(text: string): readonly ts.Diagnostic[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => (file === fixture ? text : readFile(file));
  const program = ts.createProgram([fixture], { ...options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program, program.getSourceFile(fixture));
}

const source = readFileSync(fixture, 'utf8');
const lines = source.split('\n');
/** 0-based line numbers of the wrong calls: the line after each directive. */
const wrong = lines.flatMap((line, i) => (line.trim().startsWith(DIRECTIVE) ? [i + 1] : []));

t.test('the fixture compiles: every @ts-expect-error marks a real error', async (t) => {
  t.equal(wrong.length, 15, 'the wrong calls');
  const diagnostics = compile(source);
  t.same(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
});

t.test('without the directives, exactly the marked lines fail', async (t) => {
  const stripped = lines.map((line) => (line.trim().startsWith(DIRECTIVE) ? '' : line)).join('\n');
  const diagnostics = compile(stripped);
  const failing = new Set(diagnostics.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line));
  t.same([...failing].sort((a, b) => a - b), wrong, 'one error per wrong call, none elsewhere');
});
