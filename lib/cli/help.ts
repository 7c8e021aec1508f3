import type { AnyCommand, FieldDoc } from './command.js';
import { GROUPS, PROFILE, TOP_LEVEL, type CommandGroup } from './commands/index.js';
import { globalOptionDocs, recordOptions, type OptionDoc } from './option-docs.js';

/**
 * Help text, rendered from the command registry without yargs: `--help` must work before any
 * login (no profile is needed to read about a command) and start instantly (bench/startup.mjs).
 */

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
  for (const word of cmd.match(/'[^']*'|"[^"]*"|\S+/g) ?? []) {
    if (line.length + 1 + word.length > width - 2 && line !== '  $') {
      out.push(`${line} \\`);
      line = `      ${word}`;
    } else line = `${line} ${word}`;
  }
  out.push(line);
  return out;
}

/** `  left   text…` rows with the text column aligned and wrapped. */
function table(rows: readonly (readonly [string, string])[], width: number): string[] {
  const col = Math.min(44, Math.max(...rows.map(([l]) => l.length)) + 3);
  const lines: string[] = [];
  for (const [left, text] of rows) {
    const body = wrap(text, width, ' '.repeat(col));
    if (left.length + 3 > col) lines.push(left, ...body);
    else lines.push(left.padEnd(col) + (body[0] ?? '').trimStart(), ...body.slice(1));
  }
  return lines;
}

/** The FIELDS block of a command's --help: name, meaning, default (gh's help sections). */
function renderFields(fields: readonly FieldDoc[], width: number): string {
  const label = (f: FieldDoc): string => (f.file ? `${f.name}@=FILE` : `${f.name}=${f.values && f.values.length <= 3 ? f.values.join('|') : 'VALUE'}`);
  const lines = ['Fields (key=value, as the maas CLI):'];
  for (const f of fields) {
    const values = f.values && f.values.length > 3 ? ` Values: ${f.values.join(', ')}.` : '';
    const dflt = f.default === undefined ? ' Required.' : ` Default: ${f.default}.`;
    lines.push(`  ${label(f)}`, ...wrap(`${f.meaning}.${dflt}${values}`, width, '      '));
  }
  return lines.join('\n');
}

function renderExamples(examples: AnyCommand['examples'], width: number): string {
  const lines = ['Examples:'];
  for (const [cmd, what] of examples) lines.push(...wrap(what, width, '  # '), ...wrapCommand(cmd, width), '');
  return lines.join('\n').trimEnd();
}

/** `--[no-]resume` for a switch whose off form is the one people type (it defaults to on, or its text names `--no-…`). */
function negatable(o: OptionDoc): boolean {
  return o.type === 'boolean' && (o.default === true || (o.describe ?? '').includes(`--no-${o.name}`));
}

function optionRow(o: OptionDoc): [string, string] {
  const takesValue = o.type === 'string' || o.type === 'number' || o.choices !== undefined;
  const flag = `${o.alias && o.alias.length === 1 ? `-${o.alias}, ` : '    '}--${negatable(o) ? '[no-]' : ''}${o.name}${takesValue ? ` ${o.type === 'number' ? 'N' : 'VALUE'}` : ''}`;
  // The choices, unless the description already names each of them.
  const choices = o.choices && !o.choices.every((c) => (o.describe ?? '').includes(String(c))) ? ` (${o.choices.join(', ')})` : '';
  return [`  ${flag}`, `${o.describe ?? ''}${choices}`];
}

function globalOptions(width: number): string {
  return ['Global options:', ...table([...globalOptionDocs().map(optionRow), ['  -h, --help', 'show help'], ['      --version', 'show the version']], width)].join('\n');
}

/** `maas-esxi [PROFILE] [GROUP] COMMAND --help`: usage, arguments, options, fields, notes, examples. */
export function commandHelp(spec: AnyCommand, path: readonly string[], width: number): string {
  const docs = recordOptions(spec.builder);
  const args = spec.command.split(' ').slice(1).join(' ');
  const blocks = [
    `Usage: maas-esxi ${[...path, args].filter(Boolean).join(' ')} [options]`,
    wrap(`${spec.summary.charAt(0).toUpperCase()}${spec.summary.slice(1)}.`, width, '').join('\n'),
    docs.positionals.length > 0 ? ['Arguments:', ...table(docs.positionals.map((p) => [`  ${p.name}`, `${p.describe ?? ''}${p.choices ? ` (${p.choices.join(', ')})` : ''}`]), width)].join('\n') : '',
    docs.options.length > 0 ? ['Options:', ...table(docs.options.map(optionRow), width)].join('\n') : '',
    globalOptions(width),
    spec.fields && spec.fields.length > 0 ? renderFields(spec.fields, width) : '',
    ...(spec.notes ?? []).map((n) => wrap(n, width, '').join('\n')),
    spec.examples.length > 0 ? renderExamples(spec.examples, width) : '',
  ];
  return `${blocks.filter((b) => b !== '').join('\n\n')}\n`;
}

function profileRows(profile: string): [string, string][] {
  return [
    ...PROFILE.map((c): [string, string] => [`  maas-esxi ${profile} ${c.command}`, c.summary]),
    ...GROUPS.flatMap((g) => g.commands.map((c): [string, string] => [`  maas-esxi ${profile} ${g.name} ${c.command}`, c.summary])),
  ];
}

const PROFILE_NOTE =
  "PROFILE is a name saved by 'maas-esxi login' (shared with the maas CLI), or env to use MAAS_API_URL, MAAS_API_KEY and MAAS_API_CACERT; several profiles (site1,site2) run create, build-and-upload and wait-ready on each site.";

/** `maas-esxi --help`: every command, with the PROFILE it takes. */
export function topLevelHelp(width: number): string {
  const blocks = [
    'Usage: maas-esxi COMMAND [options]\n       maas-esxi PROFILE COMMAND [options]    (as the maas CLI: maas-esxi PROFILE boot-resources create …)',
    ['Commands:', ...table(TOP_LEVEL.map((c) => [`  maas-esxi ${c.command}`, c.summary]), width)].join('\n'),
    ['Commands as a profile:', ...table(profileRows('PROFILE'), width)].join('\n'),
    wrap(PROFILE_NOTE, width, '').join('\n'),
    globalOptions(width),
    "Run 'maas-esxi COMMAND --help' or 'maas-esxi PROFILE COMMAND --help' for a command's fields, options and examples.",
  ];
  return `${blocks.join('\n\n')}\n`;
}

/** `maas-esxi PROFILE --help` and `maas-esxi PROFILE GROUP --help`. */
export function profileHelp(profile: string, group: CommandGroup | undefined, width: number): string {
  const rows = group ? group.commands.map((c): [string, string] => [`  maas-esxi ${profile} ${group.name} ${c.command}`, c.summary]) : profileRows(profile);
  const usage = `Usage: maas-esxi ${profile}${group ? ` ${group.name}` : ''} ${group ? 'ACTION' : 'COMMAND'} [options]`;
  return `${[usage, [group ? 'Actions:' : 'Commands:', ...table(rows, width)].join('\n'), globalOptions(width)].join('\n\n')}\n`;
}

