import type { Argv } from 'yargs';
import type { AnyCommand, FieldDoc } from './command.js';

/** The FIELDS block of a command's --help: name, meaning, default (gh's help sections). */
export function renderFields(fields: readonly FieldDoc[]): string {
  const label = (f: FieldDoc): string => (f.file ? `${f.name}@=FILE` : `${f.name}=${f.values && f.values.length <= 3 ? f.values.join('|') : 'VALUE'}`);
  const width = Math.max(...fields.map((f) => label(f).length));
  const lines = fields.map((f) => {
    const values = f.values && f.values.length > 3 ? ` One of: ${f.values.join(', ')}.` : '';
    const dflt = f.default === undefined ? ' Required.' : ` Default: ${f.default}.`;
    return `  ${label(f).padEnd(width)}  ${f.meaning}.${dflt}${values}`;
  });
  return ['Fields (key=value, as the maas CLI):', ...lines].join('\n');
}

/** Fields, notes and examples under a command's own --help. */
export function withCommandHelp(y: Argv, spec: AnyCommand): Argv {
  let out = y;
  for (const [line, what] of spec.examples) out = out.example(line, what);
  const blocks = [spec.fields && spec.fields.length > 0 ? renderFields(spec.fields) : '', ...(spec.notes ?? [])].filter((b) => b !== '');
  return blocks.length > 0 ? out.epilogue(blocks.join('\n\n')) : out;
}
