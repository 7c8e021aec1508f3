import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import type { MaasClient } from '../client/maas-client.js';
import { ProfileStore } from '../profiles/index.js';
import { defaultStateDir } from '../upload/state-dir.js';
import { connectWith, type CliContext, type GlobalFlags } from './context.js';
import { MaasAbortError } from '../errors/index.js';
import { exitCodeFor, EXIT } from './exit-codes.js';
import { UsageError } from './grammar.js';
import { Output, wantsColor, type CliIO } from './output.js';
import { bootResourceCommand, bootResourcesCommand, createCommand, type Run } from './commands/resources.js';
import { listCommand, loginCommand, logoutCommand } from './commands/session.js';
import { uploadsCommand } from './commands/uploads.js';
import { registerBuildCommands, registerPipelineCommand } from './commands/build.js';

/** Commands that are not profile names (a profile cannot be called like these). */
const TOP_LEVEL = ['login', 'logout', 'list', 'build', 'doctor', 'completion', 'help', 'env'];

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function knownProfiles(io: CliIO): string[] {
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

function flagsOf(argv: Record<string, unknown>, io: CliIO): GlobalFlags {
  return {
    json: Boolean(argv['json']),
    quiet: Boolean(argv['quiet']),
    debug: Boolean(argv['debug']),
    insecure: Boolean(argv['insecure']),
    cacerts: typeof argv['cacerts'] === 'string' ? argv['cacerts'] : undefined,
    color: wantsColor(io, argv['color'] as boolean | undefined),
  };
}

/** Pre-scan for the flags that shape error output, before yargs has parsed anything. */
function earlyFlags(args: readonly string[], io: CliIO): { json: boolean; quiet: boolean; color: boolean } {
  return {
    json: args.includes('--json'),
    quiet: args.includes('--quiet') || args.includes('-q'),
    color: wantsColor(io, args.includes('--no-color') ? false : undefined),
  };
}

/**
 * Run the CLI on `args` (without node and script) and return the exit code. Every command is a
 * thin shell over an SDK call; this function only parses, dispatches and renders.
 */
export async function runCli(args: string[], io: CliIO, opts: { signal?: AbortSignal } = {}): Promise<number> {
  const out = new Output(io, earlyFlags(args, io));
  const signal = opts.signal ?? new AbortController().signal;
  const ctx: CliContext = { io, out, signal, connect: connectWith(io, out), stateDir: defaultStateDir(io.env, io.home) };
  let pending: Promise<void> | undefined;

  const run: Run = (work) => (argv) => {
    pending = (async () => {
      const flags = flagsOf(argv, io);
      const profile = String((argv['_'] as unknown[])[0]);
      const client: MaasClient = ctx.connect(profile, flags, (n) => {
        if (!flags.quiet) out.info(`${n.method} failed (${n.error.message}); retrying in ${Math.round(n.delayMs / 100) / 10}s.`);
      });
      try {
        await work(client, flags, argv);
      } finally {
        await client.close();
      }
    })();
  };
  const handle =
    (work: (flags: GlobalFlags, argv: Record<string, unknown>) => Promise<void>) =>
    (argv: Record<string, unknown>): void => {
      pending = work(flagsOf(argv, io), argv);
    };

  const first = args[0];
  // Profile names become commands; a top-level command does not need them (nor SQLite loaded).
  const needsProfiles = first === undefined || first.startsWith('-') || !TOP_LEVEL.includes(first) || first === 'completion' || first === 'help';
  const profiles = needsProfiles ? knownProfiles(io) : [];
  if (first !== undefined && !first.startsWith('-') && !TOP_LEVEL.includes(first) && !profiles.includes(first)) {
    const err = new UsageError(
      `Unknown profile '${first}'${profiles.length ? ` (profiles: ${profiles.join(', ')})` : ''}.`,
      `Log in first: maas-esxi login ${first} http://HOST:5240/MAAS/ API_KEY — or run 'maas-esxi env …' with MAAS_API_URL and MAAS_API_KEY set.`,
    );
    out.error(err);
    return exitCodeFor(err);
  }

  const profileCommands = (y: Argv): Argv =>
    y
      .command(createCommand(ctx, run))
      .command(bootResourcesCommand(ctx, run))
      .command(bootResourceCommand(ctx, run))
      .command(uploadsCommand(ctx, run))
      .command(registerPipelineCommand(ctx, run))
      .demandCommand(1, 'Choose a command: create, boot-resources, boot-resource, uploads, build-and-upload.');

  let parser: Argv = (yargs() as Argv)
    .scriptName('maas-esxi')
    .usage('$0 <command>\n$0 PROFILE <command> (profile commands mirror the maas CLI: maas-esxi PROFILE boot-resources create …)')
    .option('json', { type: 'boolean', global: true, describe: 'print exactly one JSON document on stdout' })
    .option('quiet', { alias: 'q', type: 'boolean', global: true, describe: 'no progress or log lines on stderr' })
    .option('debug', { alias: 'd', type: 'boolean', global: true, describe: 'trace HTTP requests on stderr (credentials redacted)' })
    .option('insecure', { alias: 'k', type: 'boolean', global: true, describe: 'do not verify the MAAS TLS certificate' })
    .option('cacerts', { type: 'string', global: true, describe: 'PEM file of the CA that signed the MAAS certificate' })
    .option('color', { type: 'boolean', global: true, describe: 'colour on stderr (default: on a TTY, unless NO_COLOR is set)' })
    .command(loginCommand(ctx, handle))
    .command(logoutCommand(ctx, handle))
    .command(listCommand(ctx, handle))
    .command('env', 'commands using MAAS_API_URL / MAAS_API_KEY / MAAS_API_CACERT instead of a profile', profileCommands) as unknown as Argv;
  parser = registerBuildCommands(parser, ctx, handle);
  for (const name of profiles.filter((p) => !TOP_LEVEL.includes(p))) {
    parser = parser.command(name, `commands as profile '${name}'`, profileCommands);
  }
  parser = parser
    .completion('completion', 'print a bash/zsh completion script (maas-esxi completion >> ~/.bashrc)')
    .demandCommand(1, 'Choose a command, or a profile followed by a command.')
    .recommendCommands()
    .strict()
    .help()
    .alias('help', 'h')
    .version(packageVersion())
    .wrap(Math.min(110, io.stdout.columns ?? 100))
    .exitProcess(false);

  try {
    const helpText = await new Promise<string>((resolve, reject) => {
      void parser.parse(args, {}, (err, _argv, output) => (err ? reject(Object.assign(err, { usageText: output })) : resolve(output)));
    });
    if (helpText) out.text(helpText);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const usage = new UsageError(message, `Run 'maas-esxi ${args.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ')} --help' for usage.`.replace(/\s+--help/, ' --help'));
    out.error(usage);
    return EXIT.REJECTED;
  }
  if (!pending) return EXIT.OK;
  try {
    await pending;
    return EXIT.OK;
  } catch (err) {
    // Ctrl-C may surface as the signal's own reason from any await (a timer, a file read).
    const cause = signal.aborted && !(err instanceof MaasAbortError) ? new MaasAbortError('Interrupted.', { code: 'ABORTED', cause: err }) : err;
    out.error(cause);
    return exitCodeFor(cause);
  }
}
