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
 * `login admin http://HOST:5240/` reaches MAAS's web server, which answers the API paths with 404:
 * the region serves its API under /MAAS/ (docs/maas-cli.md#login-sequence), so say that.
 */
export function explainMissingMaasPath(err: unknown, url: string): unknown {
  if (!(err instanceof MaasNotFoundError)) return err;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return err;
  }
  if (/\/MAAS(\/|$)/i.test(u.pathname)) return err;
  const fixed = `${u.origin}${u.pathname.replace(/\/?$/, '/')}MAAS/`;
  return new UsageError(`No MAAS API at ${url} (HTTP 404): the URL needs the /MAAS/ path.`, `Write it as ${fixed}.`);
}
