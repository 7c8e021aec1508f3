import { MaasConfigError } from '../errors/index.js';

/** A MAAS API key split into its parts; the consumer secret is always empty (docs/maas-api.md#signing-each-request). */
export interface MaasCredentials {
  readonly consumerKey: string;
  readonly tokenKey: string;
  readonly tokenSecret: string;
}

/**
 * Parse `consumer_key:token_key:token_secret`. The error text is the maas CLI's own
 * (docs/maas-cli.md#credentials), minus the key itself: we never echo a secret, even a malformed one.
 */
export function parseApiKey(apiKey: string): MaasCredentials {
  const parts = apiKey.trim().split(':');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
    throw new MaasConfigError(
      `Malformed credentials string.  Expected 3 colon-separated items, got ${parts.length}.`,
      { hint: 'Copy the whole API key from the MAAS UI (User preferences → API keys) or run `sudo maas apikey --username=USER`.' },
    );
  }
  const [consumerKey, tokenKey, tokenSecret] = parts as [string, string, string];
  return { consumerKey, tokenKey, tokenSecret };
}

/** The inverse of parseApiKey, for writing profiles. */
export function formatApiKey(c: MaasCredentials): string {
  return `${c.consumerKey}:${c.tokenKey}:${c.tokenSecret}`;
}
