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
/** The fixture without its directives: a file beside it that exists only in the compiler host. */
const strippedFixture = join(root, 'test/fixtures/types/wrong-calls.stripped.ts');
const DIRECTIVE = '// @ts-expect-error';

const source = readFileSync(fixture, 'utf8');
const lines = source.split('\n');
/** 0-based line numbers of the wrong calls: the line after each directive. */
const wrong = lines.flatMap((line, i) => (line.trim().startsWith(DIRECTIVE) ? [i + 1] : []));
const stripped = lines.map((line) => (line.trim().startsWith(DIRECTIVE) ? '' : line)).join('\n');

/**
 * One program holds both texts, with the repository's options: the SDK's sources and the lib
 * files are parsed and bound once, not once per text (a whole TypeScript program is the bulk of
 * this file's CPU). Each text's diagnostics are read from its own source file.
 */
function compileBoth(): { original: readonly ts.Diagnostic[]; stripped: readonly ts.Diagnostic[] } {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (file) => (file === strippedFixture ? stripped : readFile(file));
  host.fileExists = (file) => file === strippedFixture || fileExists(file);
  const program = ts.createProgram([fixture, strippedFixture], { ...options, noEmit: true }, host);
  return {
    original: ts.getPreEmitDiagnostics(program, program.getSourceFile(fixture)),
    stripped: ts.getPreEmitDiagnostics(program, program.getSourceFile(strippedFixture)),
  };
}

const diagnostics = compileBoth();

t.test('the fixture compiles: every @ts-expect-error marks a real error', async (t) => {
  t.equal(wrong.length, 15, 'the wrong calls');
  t.same(diagnostics.original.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
});

t.test('without the directives, exactly the marked lines fail', async (t) => {
  t.ok(diagnostics.stripped.every((d) => d.file?.fileName === strippedFixture), 'every error is in the stripped text');
  const failing = new Set(diagnostics.stripped.map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line));
  t.same([...failing].sort((a, b) => a - b), wrong, 'one error per wrong call, none elsewhere');
});
