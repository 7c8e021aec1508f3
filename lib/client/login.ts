import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { inspect, type InspectOptions } from 'node:util';
import { parseApiKey } from '../auth/api-key.js';
import { MaasAuthError, MaasConfigError } from '../errors/index.js';
import type { TransportOptions } from '../http/transport.js';
import { normaliseApiUrl, ProfileStore, writeProfileCaCert, type MaasProfile } from '../profiles/index.js';
import type { MaasUser } from '../resources/types.js';
import { MaasClient } from './maas-client.js';

export interface LoginOptions extends Pick<TransportOptions, 'trace' | 'env'> {
  profile: string;
  url: string;
  /** `consumer:token:secret`; empty for an anonymous profile. */
  apiKey: string;
  /** Path of a PEM CA bundle to trust, stored as the official CLI does (docs/maas-cli.md#login-sequence). */
  cacerts?: string | undefined;
  insecure?: boolean | undefined;
  home?: string | undefined;
  dbPath?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface LoginResult {
  /** The row written; `credentials` hold the key, so JSON and console.log show them as [REDACTED]. */
  profile: MaasProfile;
  user: MaasUser | undefined;
  dbPath: string;
}

/**
 * `maas login`, step for step (docs/maas-cli.md#login-sequence): validate the key with `users/?op=whoami`, fetch
 * `describe/`, then write the profile row in the official format so the `maas` CLI can use it.
 * Unlike the official CLI, nothing is written until every check has passed.
 */
export async function login(opts: LoginOptions): Promise<LoginResult> {
  if (opts.insecure && opts.cacerts) {
    throw new MaasConfigError('You cannot use both cacerts and insecure arguments.', { code: 'CA_AND_INSECURE', hint: 'Pass either --cacerts FILE or -k/--insecure.' });
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(opts.profile) || ['login', 'logout', 'list', 'refresh', 'env'].includes(opts.profile)) {
    throw new MaasConfigError(`'${opts.profile}' cannot be used as a profile name.`, { hint: 'Use letters, digits, dot, dash or underscore, e.g. admin.' });
  }
  let ca: string | undefined;
  if (opts.cacerts) {
    try {
      ca = await readFile(opts.cacerts, 'utf8');
      new X509Certificate(ca);
    } catch (cause) {
      const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
      throw new MaasConfigError(missing ? `No such file: ${opts.cacerts}` : `Invalid PEM material in ${opts.cacerts}.`, {
        cause,
        hint: 'Pass the MAAS CA certificate in PEM form (-----BEGIN CERTIFICATE-----).',
      });
    }
  }
  const apiKey = opts.apiKey.trim();
  const credentials = apiKey === '' ? null : parseApiKey(apiKey);
  const url = normaliseApiUrl(opts.url);
  const client = MaasClient.connect({ url, apiKey: apiKey || null, ca, insecure: opts.insecure, trace: opts.trace, env: opts.env, backoff: { baseMs: 500, maxMs: 5_000, retries: 2 } });
  try {
    let user: MaasUser | undefined;
    if (credentials) {
      try {
        user = await client.whoami(opts.signal);
      } catch (err) {
        if (err instanceof MaasAuthError) {
          throw new MaasAuthError('The MAAS server rejected your API key.', { ...err, status: err.status, body: err.body, url: err.url, method: err.method, code: err.code, hint: err.hint, cause: err });
        }
        throw err;
      }
    }
    const description = await client.describe(opts.signal);
    const home = opts.home ?? homedir();
    const store = ProfileStore.open({ path: opts.dbPath, home, env: opts.env, create: true });
    const profile: MaasProfile = {
      name: opts.profile,
      url,
      credentials: credentials ? [credentials.consumerKey, credentials.tokenKey, credentials.tokenSecret] : null,
      description,
      cacerts: ca ?? null,
    };
    try {
      // CA files live beside the database (.maascli.certs/), as the snap CLI sees HOME there.
      if (ca) writeProfileCaCert(store.certsHome, opts.profile, ca);
      store.save(profile);
    } finally {
      store.close();
    }
    return { profile: withRedactedCredentials(profile), user, dbPath: store.path };
  } finally {
    await client.close();
  }
}

/**
 * The profile as written, but printing it (JSON.stringify, console.log, util.inspect) shows the
 * credentials as [REDACTED]: the key must never reach output or logs by accident. Reading
 * `profile.credentials` still gives the key, for code that means to use it.
 */
function withRedactedCredentials(profile: MaasProfile): MaasProfile {
  const printable = (): Record<string, unknown> => ({ ...profile, credentials: profile.credentials === null ? null : '[REDACTED]' });
  return Object.defineProperties({ ...profile }, {
    toJSON: { value: printable, enumerable: false },
    [inspect.custom]: { value: (_depth: number, options: InspectOptions) => inspect(printable(), options), enumerable: false },
  });
}
