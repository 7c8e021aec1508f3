import { assertMaasUrl } from '../client/maas-url.js';
import { MaasConfigError, MaasNotFoundError } from '../errors/index.js';
import { UsageError } from './grammar.js';

/** The SDK's URL check (lib/client/maas-url.ts); on the command line a bad URL is a usage error. */
export function checkMaasUrl(url: string, source: string, asUsage = false): void {
  try {
    assertMaasUrl(url, source);
  } catch (err) {
    if (asUsage && err instanceof MaasConfigError) throw new UsageError(err.message, err.hint);
    throw err;
  }
}

/**
 * `login admin http://HOST:5240/` (or `MAAS_API_URL=http://HOST:5240/`) reaches a web server that
 * answers the API paths with a bare 404: the region serves its API under /MAAS/
 * (docs/maas-cli.md#login-sequence), so say that. The fix is the origin plus /MAAS/: what the user
 * wrote after the host (`/api/2.0/`, `/MAS/`) is the mistake, not a prefix to keep. A 404 with
 * MAAS's own text ("No BootResource matches the given query.") is MAAS answering: left as it is.
 * On the command line (`login`) this is a usage error; from a profile or MAAS_API_URL, a config error.
 */
export function explainMissingMaasPath(err: unknown, url: string | undefined, asUsage: boolean): unknown {
  if (!(err instanceof MaasNotFoundError) || url === undefined) return err;
  const body = err.body?.trim() ?? '';
  if (body !== '' && !body.startsWith('<')) return err;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return err;
  }
  if (/\/MAAS(\/|$)/.test(u.pathname)) return err;
  const message = `No MAAS API at ${url} (HTTP 404): the URL needs the /MAAS/ path.`;
  const hint = `Write it as ${u.origin}/MAAS/.`;
  return asUsage ? new UsageError(message, hint) : new MaasConfigError(message, { hint, cause: err });
}
