import { assertMaasUrl } from '../client/maas-url.js';
import { MaasConfigError } from '../errors/index.js';
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
