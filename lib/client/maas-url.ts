import { MaasConfigError, redactUrl } from '../errors/index.js';

/** `maas.example:5240/MAAS` → `http://maas.example:5240/MAAS/`: what the caller most likely meant. */
function suggestion(url: string): string {
  const m = /^([^/:?#\s]+)(?::(\d+))?(\/[^?#]*)?$/.exec(url.replace(/^\/\//, ''));
  if (!m) return 'http://HOST:5240/MAAS/';
  const path = m[3] && m[3] !== '/' ? (m[3].endsWith('/') ? m[3] : `${m[3]}/`) : '/MAAS/';
  return `http://${m[1]}:${m[2] ?? '5240'}${path}`;
}

/**
 * A MAAS URL must be http(s)://HOST…: without a scheme Node's URL parser says only "Invalid URL"
 * (and `host:5240` even parses as scheme `host`), at the first request rather than at connect.
 * Throws a MaasConfigError naming the URL, where it came from, and the expected form.
 */
export function assertMaasUrl(url: string, source: string): void {
  const trimmed = url.trim();
  let ok = false;
  try {
    const u = new URL(trimmed);
    ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    ok = false;
  }
  if (ok) return;
  // Userinfo may hold a password: only then is the URL rewritten for display.
  const shown = url.includes('@') ? redactUrl(url) : url;
  const fixed = suggestion(trimmed);
  throw new MaasConfigError(`'${shown}' (${source}) is not a MAAS URL: it needs http:// or https:// and a host.`, {
    code: 'BAD_URL',
    hint: `Write it as ${fixed}.`,
    fix: { option: 'url', value: fixed },
  });
}
