import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { commandName, type AnyCommand, type FieldDoc } from './command.js';
import { GROUPS, PROFILE, TOP_LEVEL } from './commands/index.js';
import { VALUE_FLAGS } from './flag-sets.js';
import { optionSpellings, recordOptions } from './option-docs.js';

/** What completion may consult: the profile names, and where relative paths start. */
interface CompletionEnv {
  profiles: readonly string[];
  cwd: string;
  /** Architectures the profile's MAAS offered last time (boot-resources read), if known. */
  architectures(profile: string): readonly string[];
  /** Hostnames of the profile's machines, as a command last read them (deploy), if known. */
  machines(profile: string): readonly string[];
}

/** Options whose value is a path. */
const PATH_FLAGS = new Set(['--iso', '--template', '--output', '--kickstart-extra', '--cacerts']);

/** Split a command line as a shell would, well enough for completion: quotes and backslashes. */
export function shellSplit(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      if (line[i + 1] !== '\n') word += line[i + 1];
      i += 1;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  words.push(inWord || quote ? word : '');
  return words;
}

/** `--long` options of a command (and the globals), `--no-resume` but no other negations, no `-x` aliases. */
function optionNames(spec: AnyCommand | undefined): string[] {
  return optionSpellings(spec).filter((o) => o.startsWith('--') && (!o.startsWith('--no-') || o === '--no-resume'));
}

/** The values an option takes (`--same-image refuse|reuse|rebuild`), from its declaration. */
function optionChoices(spec: AnyCommand | undefined, flag: string): readonly string[] {
  return (spec ? recordOptions(spec.builder).options : []).find((o) => `--${o.name}` === flag)?.choices ?? [];
}

/** The values of the `index`th positional after the command words (`uploads list|resume|forget`). */
function positionalChoices(spec: AnyCommand | undefined, index: number): readonly string[] {
  return (spec ? recordOptions(spec.builder).positionals : [])[index]?.choices ?? [];
}

/** The name of the `index`th positional (`deploy <machine>`). */
function positionalName(spec: AnyCommand | undefined, index: number): string | undefined {
  return (spec ? recordOptions(spec.builder).positionals : [])[index]?.name;
}

/** Files and directories (with a trailing `/`) under `cwd` that start with `partial`. */
function pathCandidates(partial: string, cwd: string): string[] {
  const slash = partial.lastIndexOf('/');
  const dirPart = slash === -1 ? '' : partial.slice(0, slash + 1);
  const base = slash === -1 ? partial : partial.slice(slash + 1);
  const dir = join(partial.startsWith('/') ? '/' : cwd, dirPart);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.startsWith(base) && (base.startsWith('.') || !e.startsWith('.')))
    .map((e) => {
      let isDir = false;
      try {
        isDir = statSync(join(dir, e)).isDirectory();
      } catch {
        /* a dangling link: offer it as a file */
      }
      return `${dirPart}${e}${isDir ? '/' : ''}`;
    })
    .sort();
}

/** `key=`, `key=value`, `content@=path` for a command's fields. */
function fieldCandidates(cur: string, fields: readonly FieldDoc[], used: ReadonlySet<string>, cwd: string, architectures: readonly string[]): string[] {
  const m = /=|@=/.exec(cur);
  if (!m) return fields.filter((f) => !used.has(f.name)).map((f) => `${f.name}${f.file ? '@=' : '='}`);
  const key = cur.slice(0, m.index);
  const value = cur.slice(m.index + m[0].length);
  const field = fields.find((f) => f.name === key);
  if (!field) return [];
  if (m[0] === '@=') return field.file ? pathCandidates(value, cwd).map((p) => `${key}@=${p}`) : [];
  const values = key === 'architecture' && architectures.length > 0 ? architectures : (field.values ?? []);
  return values.map((v) => `${key}=${v}`);
}

/**
 * Candidates for the last word of `words` (the word being completed; '' after a space).
 * `words[0]` is the program name.
 */
export function complete(words: readonly string[], env: CompletionEnv): string[] {
  const cur = words[words.length - 1] ?? '';
  const before = words.slice(1, -1);
  const prev = before[before.length - 1];
  // The positional words so far (options and their values left out).
  const positional: string[] = [];
  for (let i = 0; i < before.length; i += 1) {
    const w = before[i]!;
    if (w.startsWith('-') && w !== '-') {
      if (VALUE_FLAGS.has(w)) i += 1;
    } else positional.push(w);
  }
  const filter = (list: readonly string[]): string[] => [...new Set(list)].filter((c) => c.startsWith(cur));
  if (prev !== undefined && PATH_FLAGS.has(prev)) return pathCandidates(cur, env.cwd);

  const [first, second, third] = positional;
  const profileWords = ['env', ...env.profiles];
  let spec: AnyCommand | undefined;
  let words0: string[] = [];
  if (first === undefined) words0 = [...TOP_LEVEL.map(commandName), 'completion', ...profileWords];
  else if (profileWords.includes(first)) {
    const group = GROUPS.find((g) => g.name === second);
    if (second === undefined) words0 = [...PROFILE.map(commandName), ...GROUPS.map((g) => g.name)];
    else if (group) {
      if (third === undefined) words0 = group.commands.map(commandName);
      else spec = group.commands.find((c) => commandName(c) === third);
    } else spec = PROFILE.find((c) => commandName(c) === second);
  } else if (first === 'completion') words0 = positional.length === 1 ? ['bash', 'zsh'] : [];
  else {
    spec = TOP_LEVEL.find((c) => commandName(c) === first);
    if (spec && commandName(spec) === 'logout' && positional.length === 1) words0 = [...env.profiles];
  }
  if (prev !== undefined && VALUE_FLAGS.has(prev)) return filter(optionChoices(spec, prev));
  if (cur.startsWith('-')) return filter(optionNames(spec));
  if (words0.length > 0) return filter(words0);
  const pathLength = first !== undefined && profileWords.includes(first) ? (GROUPS.some((g) => g.name === second) ? 3 : 2) : 1;
  const index = positional.length - pathLength;
  const choices = positionalChoices(spec, index);
  if (choices.length > 0) return filter(choices);
  if (positionalName(spec, index) === 'machine' && first !== undefined && profileWords.includes(first)) return filter(env.machines(first));
  if (spec?.fields) {
    const used = new Set(positional.map((w) => w.split(/=|@=/)[0]!));
    const architectures = first !== undefined && profileWords.includes(first) ? env.architectures(first) : [];
    return filter(fieldCandidates(cur, spec.fields, used, env.cwd, architectures));
  }
  return [];
}

/**
 * What the shell gets back: candidates for the whole word, less what the shell treats as a
 * separate word before it (bash splits `name=esxi` at `=`, COMP_WORDBREAKS).
 */
export function forShellWord(candidates: readonly string[], fullWord: string, shellWord: string): string[] {
  const cut = fullWord.endsWith(shellWord) ? fullWord.length - shellWord.length : 0;
  return candidates.map((c) => c.slice(cut));
}
