import { existsSync } from 'node:fs';
import { formatApiKey, parseApiKey } from '../auth/api-key.js';
import { MaasConfigError, redactUrl } from '../errors/index.js';
import { normaliseApiUrl } from './api-url.js';
import { isSafeFileName, readCaFile } from './ca-file.js';
import { homeFromEnv } from './db-location.js';
import type { MaasProfile } from './profile-record.js';
import { ProfileStore } from './profile-store.js';

/** The pseudo-profile name that selects `MAAS_API_URL` / `MAAS_API_KEY`. */
const ENV_PROFILE = 'env';

/** Connection settings from the command line; `url` + `apiKey` come from `login URL KEY`. */
export interface ConnectionFlags {
  url?: string | undefined;
  apiKey?: string | undefined;
  /** Path of a PEM CA bundle (`--cacerts`). */
  cacerts?: string | undefined;
  insecure?: boolean | undefined;
}

export interface ConnectionSettings {
  /** Normalised API URL (docs/maas-cli.md#url-normalisation). */
  url: string;
  /** `consumer:token:secret`, or null for anonymous access. */
  apiKey: string | null;
  /** PEM text to trust in addition to Node's store; undefined = system trust. */
  ca: string | undefined;
  insecure: boolean;
  source: 'flags' | 'env' | 'profile';
  profileName?: string;
  profileDbPath?: string;
}

export interface ResolveConnectionOptions {
  /** Profile name from the command line, or 'env' for MAAS_API_URL/MAAS_API_KEY. */
  profile?: string | undefined;
  flags?: ConnectionFlags | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  home?: string | undefined;
  /** Use this profile database instead of searching for one. */
  dbPath?: string | undefined;
}

const LOGIN_HINT = (name: string) =>
  `Log in first: maas-esxi login ${name} http://HOST:5240/MAAS/ - with the API key on stdin (or set MAAS_API_URL and MAAS_API_KEY)`;

/**
 * Decide where to connect and with what, flag > env > profile:
 *
 * - Server and key travel together: the key is only ever sent to the URL it was configured
 *   with. `flags.url` (with `flags.apiKey`, else anonymous) wins; otherwise `MAAS_API_URL`
 *   (with `MAAS_API_KEY`, else anonymous) when no profile or the profile `env` is named;
 *   otherwise the named profile. An explicitly named profile is itself a command-line choice,
 *   so variables exported for another tool (terraform) do not redirect `maas-esxi admin …`.
 * - TLS, per setting: `insecure` from the flag only (the maas CLI never stores it,
 *   docs/maas-cli.md#compatibility-rules rule 5); CA from `--cacerts`, then `MAAS_API_CACERT` (the terraform
 *   provider's variable: a file path), then for a profile `~/.maascli.certs/<name>.pem`, then
 *   the profile's `cacerts` — the official CLI prefers the file (docs/maas-cli.md#compatibility-rules rule 5).
 *
 * Throws MaasConfigError for every local mistake; no message ever contains the key.
 */
export function resolveConnection(opts: ResolveConnectionOptions = {}): ConnectionSettings {
  const env = opts.env ?? process.env;
  const flags = opts.flags ?? {};
  if (nonEmpty(flags.cacerts) && flags.insecure) {
    // docs/maas-cli.md#login-sequence step 1, the official text.
    throw new MaasConfigError('You cannot use both cacerts and insecure arguments.', {
      code: 'CA_AND_INSECURE',
      hint: 'Use --cacerts FILE to trust the MAAS CA certificate, or -k/--insecure to skip verification — not both.',
    });
  }
  const envUrl = nonEmpty(env['MAAS_API_URL']);
  const envKey = nonEmpty(env['MAAS_API_KEY']);
  const envCa = nonEmpty(env['MAAS_API_CACERT']);
  const insecure = flags.insecure === true;
  const wantsEnv = opts.profile === undefined || opts.profile === ENV_PROFILE;

  let settings: ConnectionSettings;
  let profile: { record: MaasProfile; store: ProfileStore } | undefined;
  const flagUrl = nonEmpty(flags.url);
  if (flagUrl) {
    settings = base('flags', checkUrl(flagUrl, 'The MAAS URL argument'), checkKey(flags.apiKey, 'The API key argument'));
  } else if (nonEmpty(flags.apiKey)) {
    throw new MaasConfigError('An API key was given without a MAAS URL.', {
      hint: 'Give the MAAS URL with the key: the key is only ever sent to the URL given with it.',
    });
  } else if (wantsEnv && envUrl) {
    settings = base('env', checkUrl(envUrl, 'MAAS_API_URL'), checkKey(envKey, 'MAAS_API_KEY'));
  } else if (wantsEnv && envKey) {
    throw new MaasConfigError('MAAS_API_KEY is set but MAAS_API_URL is not.', {
      hint: 'Set MAAS_API_URL too (e.g. http://HOST:5240/MAAS/), or name a profile.',
    });
  } else if (opts.profile === undefined) {
    throw new MaasConfigError('No MAAS profile given and MAAS_API_URL is not set.', { hint: LOGIN_HINT('PROFILE') });
  } else {
    profile = loadProfile(opts.profile, opts, env);
    const { record, store } = profile;
    settings = {
      ...base('profile', checkUrl(record.url, `The URL of profile '${record.name}'`), record.credentials?.join(':') ?? null),
      profileName: record.name,
      profileDbPath: store.path,
    };
  }

  if (!insecure) {
    const flagCa = nonEmpty(flags.cacerts);
    if (flagCa) settings.ca = readCaFile(flagCa, '--cacerts');
    else if (envCa) settings.ca = readCaFile(envCa, 'MAAS_API_CACERT');
    else if (profile) settings.ca = profileCa(profile.record, profile.store);
  }
  settings.insecure = insecure;
  return settings;
}

function base(source: ConnectionSettings['source'], url: string, apiKey: string | null): ConnectionSettings {
  return { url, apiKey, ca: undefined, insecure: false, source };
}

function loadProfile(
  name: string,
  opts: ResolveConnectionOptions,
  env: NodeJS.ProcessEnv,
): { record: MaasProfile; store: ProfileStore } {
  const home = opts.home ?? homeFromEnv(env);
  const store = ProfileStore.open({ path: opts.dbPath, home, env });
  try {
    const record = store.get(name);
    if (record) return { record, store };
    if (name === ENV_PROFILE) {
      throw new MaasConfigError(`MAAS_API_URL is not set (profile '${ENV_PROFILE}' means: use MAAS_API_URL and MAAS_API_KEY).`, {
        hint: 'export MAAS_API_URL=http://HOST:5240/MAAS/ MAAS_API_KEY=API_KEY, or name a logged-in profile.',
      });
    }
    const names = store.names();
    const known = names.length > 0 ? `profiles: ${names.join(', ')}` : `no profiles in ${store.path}`;
    throw new MaasConfigError(`Unknown profile '${name}' (${known}).`, { hint: LOGIN_HINT(name) });
  } finally {
    // Everything needed is read; the cert file path only needs `store.path`.
    store.close();
  }
}

/** `~/.maascli.certs/<name>.pem` first, like the official CLI, then the profile's `cacerts`. */
function profileCa(record: MaasProfile, store: ProfileStore): string | undefined {
  if (isSafeFileName(record.name)) {
    const file = store.caCertPath(record.name);
    if (existsSync(file)) return readCaFile(file, `CA file of profile '${record.name}'`);
  }
  return record.cacerts ?? undefined;
}

function checkUrl(raw: string, what: string): string {
  const url = normaliseApiUrl(raw);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
    throw new MaasConfigError(`${what} is not an http(s) URL: ${redactUrl(raw)}`, {
      hint: 'Use the MAAS URL, e.g. http://HOST:5240/MAAS/',
    });
  }
  return url;
}

/** Validate the shape early; blank means anonymous (as `maas login` reads it, docs/maas-cli.md#login-sequence step 3). */
function checkKey(raw: string | undefined, what: string): string | null {
  const key = nonEmpty(raw?.trim());
  if (!key) return null;
  try {
    return formatApiKey(parseApiKey(key));
  } catch (err) {
    // parseApiKey's text never quotes the key; keep it that way and say where it came from.
    const e = err as MaasConfigError;
    throw new MaasConfigError(`${what}: ${e.message}`, { hint: e.hint });
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
