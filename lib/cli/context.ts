import { MaasClient } from '../client/maas-client.js';
import { MaasAuthError, MaasConfigError, MaasPermissionError } from '../errors/index.js';
import { UsageError } from './grammar.js';
import { resolveConnection } from '../profiles/index.js';
import { checkMaasUrl } from './maas-url.js';
import type { RetryNotice } from '../http/api-client.js';
import type { CliIO, Output } from './output.js';

/** Flags every command accepts (docs/architecture.md#the-cli). */
export interface GlobalFlags {
  json: boolean;
  quiet: boolean;
  debug: boolean;
  insecure: boolean;
  cacerts: string | undefined;
  color: boolean;
}

/** What a command handler gets: IO, output, flags, cancellation, and a way to reach MAAS. */
export interface CliContext {
  io: CliIO;
  out: Output;
  signal: AbortSignal;
  /** A second Ctrl-C: abandon even the wait for MAAS's answer to the last chunk. */
  forceSignal?: AbortSignal | undefined;
  /** Connect as PROFILE (or `env` for MAAS_API_URL/MAAS_API_KEY), flags > env > profile. */
  connect(profile: string, flags: GlobalFlags, onRetry?: (n: RetryNotice) => void): Connection;
  /** Where resume state lives: `$XDG_STATE_HOME/maas-esxi` of the command's environment. */
  stateDir: string;
}

/** A client, and whether it signs its requests (an anonymous profile, no MAAS_API_KEY). */
export interface Connection {
  client: MaasClient;
  anonymous: boolean;
}

export function connectWith(io: CliIO, out: Output) {
  return (profile: string, flags: GlobalFlags, onRetry?: (n: RetryNotice) => void): Connection => {
    const settings = usageFromEnv(profile, () =>
      resolveConnection({
        profile,
        flags: { cacerts: flags.cacerts, insecure: flags.insecure },
        env: io.env,
        home: io.home,
      }),
    );
    checkMaasUrl(settings.url, profile === 'env' ? 'MAAS_API_URL' : `profile '${profile}'`, profile === 'env');
    out.protect(settings.apiKey);
    if (settings.insecure) out.warn('TLS certificate verification is disabled (--insecure).');
    const client = MaasClient.connect({
      url: settings.url,
      apiKey: settings.apiKey,
      ca: settings.ca,
      insecure: settings.insecure,
      env: io.env,
      profile: settings.profileName,
      onRetry,
      trace: flags.debug ? (line) => out.trace(line) : undefined,
    });
    return { client, anonymous: !settings.apiKey };
  };
}

/**
 * MAAS_API_URL and MAAS_API_KEY are typed by the user as much as `login`'s arguments are: one
 * rule for usage errors (exit 2), whichever way the input came (README "Exit codes").
 */
function usageFromEnv<T>(profile: string, resolve: () => T): T {
  try {
    return resolve();
  } catch (err) {
    if (profile === 'env' && err instanceof MaasConfigError && err.code === undefined) throw new UsageError(err.message, err.hint);
    throw err;
  }
}

/**
 * MAAS answers an unsigned request for a protected endpoint with "Forbidden"; say that no key
 * was sent and how to send one, instead of "rejected the credentials".
 */
export function explainMissingKey(err: unknown, profile: string): unknown {
  if (!(err instanceof MaasAuthError || err instanceof MaasPermissionError)) return err;
  const env = profile === 'env';
  return new MaasAuthError(
    `MAAS refused the request (${err.status === undefined ? 'no status' : `HTTP ${err.status}`} ${err.body?.trim().slice(0, 80) || 'Forbidden'}): no API key was sent, because ${env ? 'MAAS_API_KEY is not set' : `profile '${profile}' is anonymous`}.`,
    {
      method: err.method,
      url: err.url,
      status: err.status,
      body: err.body,
      code: 'NO_API_KEY',
      cause: err,
      hint: env ? 'Set MAAS_API_KEY=consumer:token:secret (MAAS UI: your user > API keys).' : `Log in with a key: maas-esxi login ${profile} URL - (the API key on stdin).`,
    },
  );
}
