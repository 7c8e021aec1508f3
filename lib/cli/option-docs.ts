import type { Argv } from 'yargs';
import type { AnyCommand } from './command.js';
import { declareGlobalFlags } from './flag-sets.js';

/** One option or positional as a builder declares it (the part of yargs' options we read). */
export interface OptionDoc {
  name: string;
  alias?: string | undefined;
  type?: string | undefined;
  describe?: string | undefined;
  choices?: readonly string[] | undefined;
  default?: unknown;
}

interface CommandOptionDocs {
  positionals: OptionDoc[];
  options: OptionDoc[];
}

interface Recorded {
  alias?: string | readonly string[];
  type?: string;
  describe?: string;
  choices?: readonly string[];
  default?: unknown;
}

/**
 * Run a builder against a recorder instead of yargs: help, completion and the unknown-option
 * check need only the declarations, and loading yargs costs more than the whole start-up budget
 * of `--help` and a completion Tab (bench/startup.mjs). Builders use `option` and `positional` only.
 */
export function recordOptions(builder: ((y: Argv) => Argv) | undefined): CommandOptionDocs {
  const docs: CommandOptionDocs = { positionals: [], options: [] };
  const doc = (name: string, o: Recorded): OptionDoc => ({
    name,
    alias: Array.isArray(o.alias) ? (o.alias as readonly string[])[0] : (o.alias as string | undefined),
    type: o.type,
    describe: o.describe,
    choices: o.choices,
    default: o.default,
  });
  const recorder = {
    option(name: string, o: Recorded) {
      docs.options.push(doc(name, o));
      return recorder;
    },
    positional(name: string, o: Recorded) {
      docs.positionals.push(doc(name, o));
      return recorder;
    },
  };
  if (builder) builder(recorder as unknown as Argv);
  return docs;
}

/** The global flags every command takes. */
export function globalOptionDocs(): OptionDoc[] {
  return recordOptions(declareGlobalFlags).options;
}

/** Every spelling a command accepts: `--name`, `--no-name` for booleans, `-a` aliases, and the globals. */
export function optionSpellings(spec: AnyCommand | undefined): string[] {
  const all = [...(spec ? recordOptions(spec.builder).options : []), ...globalOptionDocs()];
  const spellings = ['--help', '-h'];
  for (const o of all) {
    spellings.push(`--${o.name}`);
    if (o.type === 'boolean') spellings.push(`--no-${o.name}`);
    if (o.alias) spellings.push(o.alias.length === 1 ? `-${o.alias}` : `--${o.alias}`);
  }
  return spellings;
}
