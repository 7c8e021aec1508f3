import { MaasClient } from '../client/maas-client.js';
import { resolveConnection } from '../profiles/index.js';
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
  /** Connect as PROFILE (or `env` for MAAS_API_URL/MAAS_API_KEY), flags > env > profile. */
  connect(profile: string, flags: GlobalFlags, onRetry?: (n: RetryNotice) => void): MaasClient;
  /** Where resume state lives: `$XDG_STATE_HOME/maas-esxi` of the command's environment. */
  stateDir: string;
}

export function connectWith(io: CliIO, out: Output) {
  return (profile: string, flags: GlobalFlags, onRetry?: (n: RetryNotice) => void): MaasClient => {
    const settings = resolveConnection({
      profile,
      flags: { cacerts: flags.cacerts, insecure: flags.insecure },
      env: io.env,
      home: io.home,
    });
    out.protect(settings.apiKey);
    if (settings.insecure) out.warn('TLS certificate verification is disabled (--insecure).');
    return MaasClient.connect({
      url: settings.url,
      apiKey: settings.apiKey,
      ca: settings.ca,
      insecure: settings.insecure,
      env: io.env,
      profile: settings.profileName,
      onRetry,
      trace: flags.debug ? (line) => out.progress(`${line}\n`) : undefined,
    });
  };
}
