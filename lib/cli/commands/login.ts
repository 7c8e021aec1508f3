import { defineCommand, type RunContext } from '../command.js';
import { UsageError } from '../grammar.js';
import { readHiddenLine } from '../hidden-prompt.js';
import { checkMaasUrl, explainMissingMaasPath } from '../maas-url.js';

export interface LoginOptions {
  profile: string;
  url: string;
  /** The key as given; `-` reads one line from stdin; undefined when left out. */
  apiKey: string | undefined;
  /** Save a profile without a key (`maas login` does so for an empty key; we ask for this flag). */
  anonymous: boolean;
}

async function readStdinLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return (text.split('\n')[0] ?? '').trim();
}

/**
 * The key from the argument or stdin. An empty key would silently save an anonymous profile
 * (src/maascli/auth.py obtain_credentials), which then fails every upload: refuse it, and
 * make anonymous access the explicit `--anonymous`.
 */
async function obtainKey(o: LoginOptions, ctx: RunContext): Promise<string> {
  if (o.anonymous) return '';
  if (o.apiKey !== undefined && o.apiKey !== '-') {
    if (o.apiKey.trim() === '') throw new UsageError('The API key is empty.', 'Pass the key (consumer:token:secret), or --anonymous for a profile without one.');
    return o.apiKey;
  }
  if (ctx.io.stdin.isTTY && o.apiKey === undefined) {
    const typed = await readHiddenLine(ctx.io, `API key for profile '${o.profile}' (input hidden): `);
    if (typed === '') throw new UsageError('No API key typed.', `Paste the key (MAAS UI: your user > API keys), pass it as the third argument, or pass --anonymous for a profile without one.`);
    return typed;
  }
  const key = await readStdinLine(ctx.io.stdin);
  if (key === '') {
    throw new UsageError('No API key on stdin (it was empty).', `Pipe the key in (sudo maas apikey --username USER | maas-esxi login ${o.profile} URL -), or pass --anonymous for a profile without one.`);
  }
  return key;
}

/**
 * A profile called like a command (`login inspect URL -`) would be saved and then never reached:
 * `maas-esxi inspect …` runs the command. Say so, rather than the SDK's character rule.
 */
async function refuseCommandWord(profile: string): Promise<void> {
  // Loaded here: command-path imports every command, this one included.
  const { RESERVED_WORDS } = await import('../command-path.js');
  if (!RESERVED_WORDS.includes(profile)) return;
  const why = profile === 'env' ? 'it names the profile read from MAAS_API_URL and MAAS_API_KEY' : `'maas-esxi ${profile}' runs that command`;
  throw new UsageError(`'${profile}' cannot be a profile name: ${why}.`, 'Choose another name, e.g. admin.');
}

/** `login PROFILE URL [KEY|-]`, as `maas login` (src/maascli/cli.py cmd_login), writing the official profile row. */
export const loginCommand = defineCommand<LoginOptions>({
  command: 'login <profile> <url> [apikey]',
  summary: 'log in to a MAAS: check the key, save the profile in ~/.maascli.db (shared with the maas CLI)',
  examples: [
    ['maas-esxi login admin http://maas.example:5240/MAAS/ - < ~/maas-api-key', 'log in as profile admin, the key on stdin (kept out of ps)'],
    ['sudo maas apikey --username admin | maas-esxi login admin http://10.0.0.2:5240/MAAS/ -', 'read the key from stdin'],
    ['maas-esxi login guest http://maas.example:5240/MAAS/ --anonymous', 'a profile without a key (read-only endpoints)'],
  ],
  builder: (y) =>
    y
      .positional('profile', { type: 'string', describe: 'profile name, e.g. admin' })
      .positional('url', { type: 'string', describe: 'MAAS URL, e.g. http://HOST:5240/MAAS/' })
      .positional('apikey', { describe: 'API key consumer:token:secret, or - to read it from stdin' })
      .option('anonymous', { type: 'boolean', default: false, describe: 'save the profile without an API key' }),
  async parse(argv) {
    const o: LoginOptions = {
      profile: String(argv['profile']),
      url: String(argv['url']),
      // yargs turns a lone "-" into `true`.
      apiKey: argv['apikey'] === undefined ? undefined : argv['apikey'] === true ? '-' : String(argv['apikey']),
      anonymous: argv['anonymous'] === true,
    };
    await refuseCommandWord(o.profile);
    checkMaasUrl(o.url, 'the login URL', true);
    if (o.anonymous && o.apiKey !== undefined) throw new UsageError('--anonymous and an API key exclude each other.', 'Drop one of them.');
    return o;
  },
  async run(o, ctx) {
    const apiKey = await obtainKey(o, ctx);
    ctx.out.protect(apiKey);
    // Loaded when the command runs, not for --help or a completion Tab (bench/startup.mjs).
    const { login } = await import('../../client/login.js');
    const result = await login({
      profile: o.profile,
      url: o.url,
      apiKey,
      cacerts: ctx.flags.cacerts,
      insecure: ctx.flags.insecure,
      home: ctx.io.home,
      env: ctx.io.env,
      signal: ctx.signal,
      trace: ctx.flags.debug ? (line) => ctx.out.trace(line) : undefined,
    }).catch((err: unknown) => {
      throw explainMissingMaasPath(err, o.url, true);
    });
    // The result line goes to stdout, as the maas CLI prints it; with --json stdout keeps its one
    // document (the profile) and the line becomes a log event on stderr.
    const loggedIn = `You are now logged in to the MAAS server at ${result.profile.url} with the profile name '${result.profile.name}'${result.user ? ` (user ${result.user.username}${result.user.is_superuser ? ', administrator' : ''})` : ' (anonymous)'}.`;
    if (ctx.flags.json) ctx.out.info(loggedIn);
    else ctx.out.text(loggedIn);
    if (result.user && !result.user.is_superuser) ctx.out.warn('This user is not a MAAS administrator: uploading boot resources will be refused.');
    // The line above is what a person reads; the profile document is for --json (as gh prints).
    if (ctx.flags.json) {
      const { describeProfile } = await import('../../profiles/index.js');
      ctx.out.result(describeProfile(result.profile));
    }
  },
});
