import type { Argv } from 'yargs';
import { login } from '../../client/login.js';
import { describeProfile, ProfileStore } from '../../profiles/index.js';
import type { CliContext, GlobalFlags } from '../context.js';
import { UsageError } from '../grammar.js';

async function readStdinLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return (text.split('\n')[0] ?? '').trim();
}

/** `login PROFILE URL [KEY|-]` (docs/maas-cli.md#login-sequence), writing the official profile row. */
export function loginCommand(ctx: CliContext, handle: (work: (flags: GlobalFlags, argv: Record<string, unknown>) => Promise<void>) => (argv: Record<string, unknown>) => void) {
  return {
    command: 'login <profile> <url> [apikey]',
    describe: 'log in to MAAS and save the profile in ~/.maascli.db (usable by the maas CLI too); KEY "-" or omitted reads stdin',
    builder: (y: Argv) =>
      y
        .positional('profile', { type: 'string', describe: 'profile name, e.g. admin' })
        .positional('url', { type: 'string', describe: 'MAAS URL, e.g. http://HOST:5240/MAAS/' })
        .positional('apikey', { describe: 'API key consumer:token:secret, or - to read it from stdin' }),
    handler: handle(async (flags, argv) => {
      // yargs turns a lone "-" into `true`.
      const raw = argv['apikey'];
      let apiKey = raw === undefined || raw === true || raw === '-' ? undefined : String(raw);
      if (apiKey === undefined) {
        if (ctx.io.stdin.isTTY && raw === undefined) {
          throw new UsageError('No API key given.', 'Pass it as the third argument, or pipe it in: echo "$KEY" | maas-esxi login PROFILE URL -');
        }
        apiKey = await readStdinLine(ctx.io.stdin);
      }
      ctx.out.protect(apiKey);
      const result = await login({
        profile: String(argv['profile']),
        url: String(argv['url']),
        apiKey,
        cacerts: flags.cacerts,
        insecure: flags.insecure,
        home: ctx.io.home,
        env: ctx.io.env,
        signal: ctx.signal,
        trace: flags.debug ? (line) => ctx.out.progress(`${line}\n`) : undefined,
      });
      ctx.out.info(`You are now logged in to the MAAS server at ${result.profile.url} with the profile name '${result.profile.name}'${result.user ? ` (user ${result.user.username}${result.user.is_superuser ? ', administrator' : ''})` : ' (anonymous)'}.`);
      if (result.user && !result.user.is_superuser) ctx.out.warn('This user is not a MAAS administrator: uploading boot resources will be refused.');
      ctx.out.result(describeProfile(result.profile));
    }),
  };
}

export function logoutCommand(ctx: CliContext, handle: (work: (flags: GlobalFlags, argv: Record<string, unknown>) => Promise<void>) => (argv: Record<string, unknown>) => void) {
  return {
    command: 'logout <profile>',
    describe: 'forget a profile (and its CA file)',
    builder: (y: Argv) => y.positional('profile', { type: 'string' }),
    handler: handle(async (_flags, argv) => {
      const store = ProfileStore.open({ home: ctx.io.home, env: ctx.io.env, create: true });
      try {
        const removed = store.remove(String(argv['profile']));
        ctx.out.info(removed ? `Logged out of '${String(argv['profile'])}'.` : `No profile '${String(argv['profile'])}'; nothing to do.`);
      } finally {
        store.close();
      }
    }),
  };
}

export function listCommand(ctx: CliContext, handle: (work: (flags: GlobalFlags, argv: Record<string, unknown>) => Promise<void>) => (argv: Record<string, unknown>) => void) {
  return {
    command: 'list',
    describe: 'list profiles (never prints API keys)',
    builder: (y: Argv) => y,
    handler: handle(async (flags) => {
      const store = ProfileStore.open({ home: ctx.io.home, env: ctx.io.env });
      try {
        const profiles = store.list().map(describeProfile);
        if (flags.json) ctx.out.result(profiles);
        else for (const p of store.list()) ctx.out.text(`${p.name} ${p.url}${p.credentials ? '' : ' (anonymous)'}`);
      } finally {
        store.close();
      }
    }),
  };
}
