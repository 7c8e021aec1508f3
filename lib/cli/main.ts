import type { MaasClient } from '../client/maas-client.js';
import { packageVersion } from '../package-version.js';
import { MaasAbortError, MaasError } from '../errors/index.js';
import { defaultStateDir } from '../upload/state-dir.js';
import type { AnyCommand, ParsedArgs, RunContext } from './command.js';
import { RESERVED_WORDS, resolveCommandPath } from './command-path.js';
import { knownProfiles } from './profile-names.js';
import type { CliContext, Connection, GlobalFlags } from './context.js';
import { exitCodeFor, EXIT } from './exit-codes.js';
import { commandWords, earlyGlobalFlags, moveLeadingFlags } from './global-args.js';
import { UsageError } from './grammar.js';
import { commandHelp, profileHelp, topLevelHelp } from './help.js';
import { explainMissingMaasPath } from './maas-url.js';
import { Output, wantsColor, type CliIO } from './output.js';

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
        throw new UsageError(`Only create, boot-resources create, build-and-upload, wait-ready and images take several profiles (${profile}).`, 'Run other commands once per profile.');
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

/** What a command line asks for: a command with its parsed arguments, or help/version text. */
type Dispatch =
  | { kind: 'text'; text: string }
  | { kind: 'command'; spec: AnyCommand; argv: ParsedArgs; profile: string | undefined };

/**
 * Parse a command line into the command it names (the seam for tests of the grammar: nothing
 * runs and nothing connects). Help needs no profile and no yargs (lib/cli/help.ts); only a
 * command that runs loads yargs to read its flags. Throws UsageError for an unknown profile or bad usage.
 */
export async function parseCommandLine(rawArgs: readonly string[], io: CliIO): Promise<Dispatch> {
  const args = helpWordAsFlag(moveLeadingFlags(rawArgs));
  const width = Math.min(110, io.stdout.columns ?? 100);
  const words = commandWords(args);
  const wantsHelp = args.includes('--help') || args.includes('-h');
  if (words.length === 0 && args.includes('--version')) return { kind: 'text', text: packageVersion() };
  const first = words[0];
  // No command: only --help and --version mean something (new-user trial: `maas-esxi --bogus`
  // printed the help and exited 0).
  const stray = first === undefined && !wantsHelp ? args.find((a) => a.startsWith('-')) : undefined;
  if (stray !== undefined) throw new UsageError(`'${stray}' is not an option without a command.`, "Run 'maas-esxi --help' for the commands and their options.");
  // Help and top-level commands do not need the profile names (nor SQLite loaded).
  const profiles = first === undefined || RESERVED_WORDS.includes(first) || wantsHelp ? [] : await knownProfiles(io);
  const path = resolveCommandPath(words, profiles, wantsHelp);
  if (path.kind === 'top-help') return { kind: 'text', text: topLevelHelp(width) };
  if (path.kind === 'profile-help') return { kind: 'text', text: profileHelp(path.profile, path.group, width) };
  if (wantsHelp) return { kind: 'text', text: commandHelp(path.spec, path.path, width) };
  const { parseCommandArgs } = await import('./parse-args.js');
  return { kind: 'command', spec: path.spec, argv: await parseCommandArgs(path.spec, path.path, args), profile: path.profile };
}

/** `maas-esxi help create …` is `maas-esxi create … --help` (as git and npm read `help COMMAND`). */
function helpWordAsFlag(args: readonly string[]): readonly string[] {
  const words = commandWords(args);
  if (words[0] !== 'help' || words.length < 2) return args;
  const at = args.indexOf('help');
  return [...args.slice(0, at), ...args.slice(at + 1), '--help'];
}

/**
 * Run the CLI on `args` (without node and script) and return the exit code. Every command is a
 * thin shell over an SDK call; this function only parses, dispatches and renders.
 */
export async function runCli(rawArgs: string[], io: CliIO, opts: { signal?: AbortSignal; forceSignal?: AbortSignal } = {}): Promise<number> {
  if (rawArgs[0] === '__complete') return (await import('./complete-for-shell.js')).completeForShell(rawArgs.slice(1), io);
  const early = earlyGlobalFlags(rawArgs);
  const out = new Output(io, { json: early.json, quiet: early.quiet, color: wantsColor(io, early.noColor ? false : undefined) });
  const signal = opts.signal ?? new AbortController().signal;
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
  out.profile = dispatch.profile;
  // The SDK (undici, the upload engine) loads only for a command that runs: help stays instant.
  const { connectWith, explainMissingKey } = await import('./context.js');
  const ctx: CliContext = { io, out, signal, forceSignal: opts.forceSignal, connect: connectWith(io, out), stateDir: defaultStateDir(io.env, io.home) };
  // Ctrl-C (lib/cli/run.ts aborts with the signal's name): said through the output, so a bar on
  // the terminal stops before the notice, and the notice comes before what the command says next.
  const onInterrupt = (): void => {
    const sig = (signal.reason as { signal?: unknown } | undefined)?.signal;
    if (typeof sig === 'string') out.notice(`${sig} received; stopping cleanly (press Ctrl-C again to quit at once)…`);
  };
  signal.addEventListener('abort', onInterrupt, { once: true });
  if (signal.aborted) onInterrupt(); // pressed while the command line was parsed
  // A second Ctrl-C quits at once (lib/cli/run.ts exits right after this signal): its closing
  // line, or the --json error document, is written now, as the only one.
  let forced = false;
  const onForce = (): void => {
    forced = true;
    out.error(new MaasAbortError('Interrupted twice: stopped at once.', { code: 'ABORTED', fix: { rerun: true } }));
  };
  opts.forceSignal?.addEventListener('abort', onForce, { once: true });
  try {
    const context = runContext(ctx, flagsOf(dispatch.argv, io), dispatch.profile, connections);
    await dispatch.spec.run(await dispatch.spec.parse(dispatch.argv, context), context);
    return EXIT.OK;
  } catch (err) {
    // Ctrl-C may surface as the signal's own reason from any await (a timer, a file read).
    let cause = signal.aborted && !(err instanceof MaasAbortError) ? new MaasAbortError('Interrupted.', { code: 'ABORTED', cause: err }) : err;
    if (connections.some((c) => c.anonymous) && dispatch.profile !== undefined) cause = explainMissingKey(cause, dispatch.profile);
    // A profile or MAAS_API_URL without /MAAS/ fails on its first request; the request's URL shows it.
    cause = explainMissingMaasPath(cause, cause instanceof MaasError ? cause.url : undefined, false);
    if (!forced) out.error(cause);
    return exitCodeFor(cause);
  } finally {
    signal.removeEventListener('abort', onInterrupt);
    opts.forceSignal?.removeEventListener('abort', onForce);
    await Promise.all(connections.map((c) => c.client.close()));
  }
}
