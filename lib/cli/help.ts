import type { Argv } from 'yargs';
import type { AnyCommand, FieldDoc } from './command.js';

/** Words of `text` in lines of at most `width`, each line starting with `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== indent && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else line = line === indent ? indent + word : `${line} ${word}`;
  }
  if (line !== indent) lines.push(line);
  return lines;
}

/** A command line split with ` \` continuations, so a long example still pastes into a shell. */
function wrapCommand(cmd: string, width: number): string[] {
  const out: string[] = [];
  let line = '  $';
  for (const word of cmd.match(/'[^']*'|\S+/g) ?? []) {
    if (line.length + 1 + word.length > width - 2 && line !== '  $') {
      out.push(`${line} \\`);
      line = `      ${word}`;
    } else line = `${line} ${word}`;
  }
  out.push(line);
  return out;
}

/** The FIELDS block of a command's --help: name, meaning, default (gh's help sections). */
function renderFields(fields: readonly FieldDoc[], width = 100): string {
  const label = (f: FieldDoc): string => (f.file ? `${f.name}@=FILE` : `${f.name}=${f.values && f.values.length <= 3 ? f.values.join('|') : 'VALUE'}`);
  const lines = ['Fields (key=value, as the maas CLI):'];
  for (const f of fields) {
    const values = f.values && f.values.length > 3 ? ` Values: ${f.values.join(', ')}.` : '';
    const dflt = f.default === undefined ? ' Required.' : ` Default: ${f.default}.`;
    lines.push(`  ${label(f)}`, ...wrap(`${f.meaning}.${dflt}${values}`, width, '      '));
  }
  return lines.join('\n');
}

function renderExamples(examples: AnyCommand['examples'], width = 100): string {
  const lines = ['Examples:'];
  for (const [cmd, what] of examples) lines.push(...wrap(what, width, '  # '), ...wrapCommand(cmd, width), '');
  return lines.join('\n').trimEnd();
}

/** Fields, notes and examples under a command's own --help. */
export function withCommandHelp(y: Argv, spec: AnyCommand, width: number): Argv {
  const blocks = [
    spec.fields && spec.fields.length > 0 ? renderFields(spec.fields, width) : '',
    ...(spec.notes ?? []).map((n) => wrap(n, width, '').join('\n')),
    spec.examples.length > 0 ? renderExamples(spec.examples, width) : '',
  ].filter((b) => b !== '');
  return blocks.length > 0 ? y.epilogue(blocks.join('\n\n')) : y;
}
