import { MaasConfigError, MaasNotFoundError } from '../errors/index.js';
import { UsageError } from './grammar.js';

/** `maas.example:5240/MAAS` → `http://maas.example:5240/MAAS/`: what the user most likely meant. */
function suggestion(url: string): string {
  const m = /^([^/:?#\s]+)(?::(\d+))?(\/[^?#]*)?$/.exec(url.replace(/^\/\//, ''));
  if (!m) return 'http://HOST:5240/MAAS/';
  const path = m[3] && m[3] !== '/' ? (m[3].endsWith('/') ? m[3] : `${m[3]}/`) : '/MAAS/';
  return `http://${m[1]}:${m[2] ?? '5240'}${path}`;
}

/**
 * A MAAS URL must be http(s)://HOST…: without a scheme Node's URL parser says only "Invalid URL"
 * (and `host:5240` even parses as scheme `host`). Names the URL, where it came from, and a fix.
 */
export function checkMaasUrl(url: string, source: string, asUsage = false): void {
  const trimmed = url.trim();
  let ok = false;
  try {
    const u = new URL(trimmed);
    ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (ok) return;
  const message = `'${url}' (${source}) is not a MAAS URL: it needs http:// or https:// and a host.`;
  const hint = `Write it as ${suggestion(trimmed)}`;
  throw asUsage ? new UsageError(message, `${hint}.`) : new MaasConfigError(message, { code: 'BAD_URL', hint: `${hint}.` });
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
