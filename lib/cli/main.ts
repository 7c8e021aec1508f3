import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import type { MaasClient } from '../client/maas-client.js';
import { MaasAbortError } from '../errors/index.js';
import { ProfileStore } from '../profiles/index.js';
import { defaultStateDir } from '../upload/state-dir.js';
import { cachedArchitectures } from './architecture-cache.js';
import { complete, forShellWord, shellSplit } from './completion.js';
import { commandName, type AnyCommand, type ParsedArgs, type RunContext } from './command.js';
import { GROUPS, PROFILE, TOP_LEVEL } from './commands/index.js';
import { connectWith, explainMissingKey, type CliContext, type Connection, type GlobalFlags } from './context.js';
import { exitCodeFor, EXIT } from './exit-codes.js';
import { declareGlobalFlags } from './flag-sets.js';
import { commandWords, earlyGlobalFlags, moveLeadingFlags } from './global-args.js';
import { UsageError } from './grammar.js';
import { withCommandHelp } from './help.js';
import { Output, wantsColor, type CliIO } from './output.js';

/** Words that are not profile names (a profile cannot be called like these). */
const RESERVED_WORDS = [...TOP_LEVEL.map(commandName), 'help', 'env', '__complete'];

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Profile names from the profile DB; none when there is no DB. */
function knownProfiles(io: Pick<CliIO, 'home' | 'env'>): string[] {
  try {
    const store = ProfileStore.open({ home: io.home, env: io.env });
    try {
      return store.list().map((p) => p.name);
    } finally {
      store.close();
    }
  } catch {
    return [];
  }
}

function flagsOf(argv: ParsedArgs, io: CliIO): GlobalFlags {
  return {
    json: argv['json'] === true,
    quiet: argv['quiet'] === true,
    debug: argv['debug'] === true,
    insecure: argv['insecure'] === true,
    cacerts: typeof argv['cacerts'] === 'string' ? argv['cacerts'] : undefined,
    color: wantsColor(io, argv['color'] as boolean | undefined),
  };
}

/** The context `run` gets: the CLI context, the flags, and MAAS connected on first use. */
function runContext(ctx: CliContext, flags: GlobalFlags, profile: string | undefined, connections: Connection[]): RunContext {
  let client: MaasClient | undefined;
  return {
    ...ctx,
    flags,
    profile,
    maas() {
      if (profile === undefined) throw new Error('maas() is only available to profile commands.');
      if (profile.includes(',')) {
        throw new UsageError(`Only create, boot-resources create, build-and-upload and wait-ready take several profiles (${profile}).`, 'Run other commands once per profile.');
      }
      if (!client) {
        const connection = ctx.connect(profile, flags, (n) => {
          if (!flags.quiet) ctx.out.info(`${n.method} failed (${n.error.message}); retrying in ${Math.round(n.delayMs / 100) / 10}s.`);
        });
        connections.push(connection);
        client = connection.client;
      }
      return client;
    },
  };
}

/** The help command for what the user typed: only words that name commands. */
function helpHint(words: readonly string[], profiles: readonly string[]): string {
  const path: string[] = [];
  const [first, second, third] = words;
  if (first !== undefined && (RESERVED_WORDS.includes(first) || profiles.includes(first))) {
    path.push(first);
    const group = GROUPS.find((g) => g.name === second);
    if (group) {
      path.push(group.name);
      if (group.commands.some((c) => commandName(c) === third)) path.push(third!);
    } else if (second !== undefined && PROFILE.some((c) => commandName(c) === second)) path.push(second);
  }
  return `Run 'maas-esxi ${[...path, '--help'].join(' ')}' for usage.`;
}

/** `maas-esxi __complete --cur WORD --line LINE`: one candidate per line, for the completion scripts. */
function completeForShell(args: readonly string[], io: CliIO): number {
  const value = (flag: string): string => {
    const i = args.indexOf(flag);
    return i === -1 ? '' : (args[i + 1] ?? '');
  };
  const words = shellSplit(value('--line'));
  const stateDir = defaultStateDir(io.env, io.home);
  const candidates = complete(words, {
    profiles: knownProfiles(io).filter((p) => !RESERVED_WORDS.includes(p)),
    cwd: io.cwd,
    architectures: (profile) => cachedArchitectures(stateDir, profile),
  });
  const lines = forShellWord(candidates, words[words.length - 1] ?? '', value('--cur'));
  if (lines.length > 0) io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.OK;
}

/** What a command line asks for: a command with its parsed arguments, or help/version text. */
type Dispatch =
  | { kind: 'text'; text: string }
  | { kind: 'command'; spec: AnyCommand; argv: ParsedArgs; profile: string | undefined };

/**
 * Parse a command line into the command it names (the seam for tests of the grammar: nothing
 * runs and nothing connects). Throws UsageError for an unknown profile or bad usage.
 */
export async function parseCommandLine(rawArgs: readonly string[], io: CliIO): Promise<Dispatch> {
  const args = moveLeadingFlags(rawArgs);
  const width = Math.min(110, io.stdout.columns ?? 100);
  const words = commandWords(args);
  const first = words[0];
  // Profile names become commands; a top-level command does not need them (nor SQLite loaded).
  const needsProfiles = first === undefined || !RESERVED_WORDS.includes(first) || first === 'completion' || first === 'help';
  const profiles = needsProfiles ? knownProfiles(io) : [];
  // `site1,site2,site3 COMMAND`: several profiles (env included), for the commands that fan out.
  const multiSite = first !== undefined && first.includes(',') && first.split(',').every((p) => p === 'env' || profiles.includes(p));
  if (multiSite) profiles.push(first);
  if (first !== undefined && !RESERVED_WORDS.includes(first) && !profiles.includes(first)) {
    throw new UsageError(
      `Unknown profile '${first}'${profiles.length ? ` (profiles: ${profiles.join(', ')})` : ''}.`,
      `Log in first: maas-esxi login ${first} http://HOST:5240/MAAS/ API_KEY — or run 'maas-esxi env …' with MAAS_API_URL and MAAS_API_KEY set.`,
    );
  }
  let chosen: Dispatch | undefined;
  const register = (y: Argv, spec: AnyCommand, profile: string | undefined): Argv =>
    y.command({
      command: spec.command,
      describe: spec.summary,
      builder: (b: Argv) => withCommandHelp(spec.builder ? spec.builder(b) : b, spec, width),
      handler: (argv: ParsedArgs) => {
        chosen = { kind: 'command', spec, argv, profile };
      },
    });

  const profileCommands =
    (profile: string) =>
    (y: Argv): Argv => {
      let p = y;
      for (const spec of PROFILE) p = register(p, spec, profile);
      for (const group of GROUPS) {
        p = p.command(group.name, group.summary, (g: Argv) => {
          let gg = g;
          for (const spec of group.commands) gg = register(gg, spec, profile);
          return gg.demandCommand(1, `Choose an action: ${group.commands.map(commandName).join(', ')}.`);
        });
      }
      return p.demandCommand(1, `Choose a command: ${[...PROFILE.map(commandName), ...GROUPS.map((g) => g.name)].join(', ')}.`);
    };

  let parser: Argv = declareGlobalFlags(
    (yargs() as Argv).scriptName('maas-esxi').usage('$0 <command>\n$0 PROFILE <command> (profile commands mirror the maas CLI: maas-esxi PROFILE boot-resources create …)'),
  );
  for (const spec of TOP_LEVEL) parser = register(parser, spec, undefined);
  parser = parser.command('env', 'commands using MAAS_API_URL / MAAS_API_KEY / MAAS_API_CACERT instead of a profile', profileCommands('env'));
  for (const name of profiles.filter((p) => !RESERVED_WORDS.includes(p))) {
    parser = parser.command(name, `commands as profile '${name}'`, profileCommands(name));
  }
  parser = parser
    .demandCommand(1, 'Choose a command, or a profile followed by a command.')
    .recommendCommands()
    .strict()
    .help()
    .alias('help', 'h')
    .version(packageVersion())
    .wrap(width)
    .exitProcess(false);

  try {
    const text = await new Promise<string>((resolve, reject) => {
      void parser.parse(args, {}, (err, _argv, output) => (err ? reject(err) : resolve(output)));
    });
    return chosen ?? { kind: 'text', text };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(err instanceof Error ? err.message : String(err), helpHint(words, profiles));
  }
}

/**
 * Run the CLI on `args` (without node and script) and return the exit code. Every command is a
 * thin shell over an SDK call; this function only parses, dispatches and renders.
 */
export async function runCli(rawArgs: string[], io: CliIO, opts: { signal?: AbortSignal } = {}): Promise<number> {
  if (rawArgs[0] === '__complete') return completeForShell(rawArgs.slice(1), io);
  const early = earlyGlobalFlags(rawArgs);
  const out = new Output(io, { json: early.json, quiet: early.quiet, color: wantsColor(io, early.noColor ? false : undefined) });
  const signal = opts.signal ?? new AbortController().signal;
  const ctx: CliContext = { io, out, signal, connect: connectWith(io, out), stateDir: defaultStateDir(io.env, io.home) };
  const connections: Connection[] = [];
  let dispatch: Dispatch;
  try {
    dispatch = await parseCommandLine(rawArgs, io);
  } catch (err) {
    out.error(err);
    return exitCodeFor(err);
  }
  if (dispatch.kind === 'text') {
    if (dispatch.text) out.text(dispatch.text);
    return EXIT.OK;
  }
  try {
    const context = runContext(ctx, flagsOf(dispatch.argv, io), dispatch.profile, connections);
    await dispatch.spec.run(await dispatch.spec.parse(dispatch.argv, context), context);
    return EXIT.OK;
  } catch (err) {
    // Ctrl-C may surface as the signal's own reason from any await (a timer, a file read).
    let cause = signal.aborted && !(err instanceof MaasAbortError) ? new MaasAbortError('Interrupted.', { code: 'ABORTED', cause: err }) : err;
    if (connections.some((c) => c.anonymous) && dispatch.profile !== undefined) cause = explainMissingKey(cause, dispatch.profile);
    out.error(cause);
    return exitCodeFor(cause);
  } finally {
    await Promise.all(connections.map((c) => c.client.close()));
  }
}
