import type { Argv } from 'yargs';
import { commandName, type AnyCommand, type ParsedArgs } from './command.js';
import { declareGlobalFlags, VALUE_FLAGS } from './flag-sets.js';
import { UsageError } from './grammar.js';
import { optionSpellings, recordOptions } from './option-docs.js';
import { didYouMean } from './suggest.js';
import { loadYargs } from './yargs-loader.js';

/** `args` without the command words in `path` (the first occurrences, options left in place). */
function withoutPath(args: readonly string[], path: readonly string[]): string[] {
  const rest: string[] = [];
  let next = 0;
  for (let i = 0; i < args.length; i += 1) {
    const a = args[i]!;
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      rest.push(a);
      if (VALUE_FLAGS.has(a) && i + 1 < args.length) rest.push(args[(i += 1)]!);
    } else if (next < path.length && a === path[next]) next += 1;
    else rest.push(a);
  }
  return rest;
}

/** Refuse an option the command does not take, naming the close match (before yargs' raw text can). */
function checkOptions(spec: AnyCommand, args: readonly string[], helpHint: string): void {
  const known = optionSpellings(spec);
  for (const a of args) {
    if (a === '--') return;
    if (!a.startsWith('-') || a === '-' || /^-\d/.test(a)) continue;
    const flag = a.split('=')[0]!;
    if (known.includes(flag)) continue;
    const suggestion = didYouMean(flag, known.filter((k) => k.startsWith('--') === flag.startsWith('--')));
    throw new UsageError(`Unknown option ${flag}${suggestion || '.'}`, helpHint);
  }
}

/** yargs' failure texts, as one line each (its own are multi-line and name internals such as `limitRat`). */
function explainYargs(message: string, spec: AnyCommand, path: readonly string[]): string {
  // Profile commands read best without the profile: `boot-resource read needs <id>.`
  const where = (path.length > 1 ? path.slice(1) : path).join(' ');
  const name = path.slice(-1)[0] ?? commandName(spec);
  const invalid = /Argument: ([\w-]+), Given: "([^"]*)", Choices: (.*)/.exec(message);
  if (invalid) {
    const [, arg, given, list] = invalid;
    const choices = [...list!.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
    const isOption = recordOptions(spec.builder).options.some((o) => o.name === arg);
    const choose = `${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`;
    return `'${given}' is not a valid ${isOption ? `--${arg}` : arg} for ${name}${didYouMean(given!, choices) || `; choose ${choose}.`}`;
  }
  const missing = /Not enough non-option arguments: got (\d+), need at least (\d+)/.exec(message);
  if (missing) {
    const demanded = spec.command.split(' ').filter((w) => w.startsWith('<'));
    return `${where} needs ${demanded.slice(Number(missing[1])).join(' ')}.`;
  }
  const required = /Missing required arguments?: (.*)/.exec(message);
  if (required) return `${where} needs ${required[1]!.split(', ').map((f) => `--${f}`).join(' and ')}.`;
  const tooMany = /Too many non-option arguments: got (\d+), maximum of (\d+)/.exec(message);
  if (tooMany) return `${where} takes at most ${tooMany[2]} argument${tooMany[2] === '1' ? '' : 's'} (got ${tooMany[1]}).`;
  const unknown = /Unknown arguments?: (.*)/.exec(message);
  if (unknown) return `Unexpected argument '${unknown[1]!.split(', ')[0]}' for ${where}.`;
  const following = /Not enough arguments following: (.*)/.exec(message);
  if (following) return `--${following[1]} needs a value.`;
  return `${message.replace(/\s*\n\s*/g, ' ').trim().replace(/([^.?!])$/, '$1.')}`;
}

/**
 * Parse one command's flags and positionals with yargs (loaded only now: help and completion
 * never need it). Usage errors are one line naming the fix, and exit 2.
 */
export async function parseCommandArgs(spec: AnyCommand, path: readonly string[], args: readonly string[]): Promise<ParsedArgs> {
  const helpHint = `Run 'maas-esxi ${path.join(' ')} --help' for usage.`;
  const rest = withoutPath(args, path);
  checkOptions(spec, rest, helpHint);
  const yargs = await loadYargs();
  let parsed: ParsedArgs | undefined;
  // Declared as the default command ('$0 …') and parsed without its name: yargs renders the whole
  // help text (cliui, string-width) before it runs a named command's handler, in case the handler
  // asks for it — ~60 ms of CPU on every run for a text nobody reads (yargs command.js,
  // cacheHelpMessage). Our help is our own (lib/cli/help.ts).
  const parser = declareGlobalFlags(yargs() as Argv)
    .command(spec.command.replace(/^\S+/, '$0'), spec.summary, (b: Argv) => (spec.builder ? spec.builder(b) : b), (argv: ParsedArgs) => {
      parsed = argv;
    })
    .strict()
    .help(false)
    .version(false)
    .exitProcess(false);
  try {
    await new Promise<void>((resolve, reject) => {
      void parser.parse(rest, {}, (err) => (err ? reject(err) : resolve()));
    });
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(explainYargs(err instanceof Error ? err.message : String(err), spec, path), helpHint);
  }
  if (!parsed) throw new UsageError(`Could not read the arguments of ${path.join(' ')}.`, helpHint);
  return parsed;
}
