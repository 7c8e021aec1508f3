/**
 * Redaction helpers: the API key must never reach output, logs, errors or --debug traces.
 */

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** A copy of `headers` with secret-bearing values replaced. */
export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k] = SECRET_HEADERS.has(k.toLowerCase()) ? redactAuthorization(String(v)) : v;
  }
  return out;
}

/** Keep the scheme and the parameter names of an OAuth header so traces stay useful. */
export function redactAuthorization(value: string): string {
  if (!value.startsWith('OAuth ')) return '[REDACTED]';
  return value.replace(/(oauth_(?:signature|token|consumer_key|nonce))="[^"]*"/g, '$1="[REDACTED]"');
}

/**
 * Replace every occurrence of any of `secrets` (and their percent-encoded forms) in `text`.
 * Used as a last line of defence on anything the CLI prints.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    forms.add(secret).add(encodeURIComponent(secret)).add(`%26${secret}`);
  }
  // Longest first, so that `%26<secret>` goes as a whole rather than leaving `%26` behind.
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('[REDACTED]');
  return out;
}
