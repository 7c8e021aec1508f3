import type { Argv } from 'yargs';
import type { MaasClient } from '../client/maas-client.js';
import type { CliContext, GlobalFlags } from './context.js';

/** What yargs hands a handler: parsed flags by name, positionals, `_`. Read once, in `parse`. */
export type ParsedArgs = Readonly<Record<string, unknown>>;

/** Everything `run` may use: IO through `out`, the parsed global flags and, for profile commands, MAAS. */
export interface RunContext extends CliContext {
  flags: GlobalFlags;
  /** The profile the command runs as (`env` for MAAS_API_URL/MAAS_API_KEY); undefined at top level. */
  profile: string | undefined;
  /** The MAAS client of `profile`, connected on first use and closed after `run` (profile commands only). */
  maas(): MaasClient;
}

/** One `key=value` field of a command (documented in its help, offered by completion). */
export interface FieldDoc {
  name: string;
  meaning: string;
  /** What applies when the field is left out; undefined when the field is required. */
  default?: string | undefined;
  /** Known values, offered by completion (`filetype=ddgz|ddtgz|…`). */
  values?: readonly string[] | undefined;
  /** `content@=FILE`: completion offers file paths. */
  file?: boolean | undefined;
}

/**
 * One command, gh style (cli/cli `pkg/cmd/*`): a typed options object parsed once from the
 * command line, and `run(options, context)` — the test seam, callable without yargs.
 */
export interface CommandSpec<O> {
  /** yargs command string, e.g. `create [data..]`; the first word is the name. */
  command: string;
  summary: string;
  /** `key=value` fields, shown in help with meaning and default. */
  fields?: readonly FieldDoc[];
  /** 2–3 `[command line, what it does]` pairs; `PROFILE` stands for a profile name. */
  examples: readonly (readonly [string, string])[];
  /** Extra lines under the fields in --help (environment variables, notes). */
  notes?: readonly string[];
  /** Declare positionals and options (use the flag sets in lib/cli/flag-sets.ts). */
  builder?: (y: Argv) => Argv;
  /** Turn yargs' record into the typed options; throw UsageError on bad input. */
  parse(argv: ParsedArgs, context: RunContext): O | Promise<O>;
  run(options: O, context: RunContext): Promise<void>;
}

/** A spec in the registry; `run` is a method, so any `CommandSpec<O>` is assignable. */
export type AnyCommand = CommandSpec<unknown>;

export function defineCommand<O>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

export function commandName(spec: { command: string }): string {
  return spec.command.split(' ')[0]!;
}
