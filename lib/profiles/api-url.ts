/**
 * The maas CLI's `api_url()` (docs/maas-cli.md#url-normalisation, canonical/maas `src/maascli/utils.py:78-91`), reproduced
 * exactly so that a URL we store is byte-identical to the one `maas login` would store:
 * ensure the path ends with `/`; if it does not end with `/api/<digits and dots>/`, append
 * `api/2.0/`. Nothing else: no `/MAAS` is added and garbage stays garbage.
 *
 * Python splits with `urllib.parse.urlparse`, which keeps the query, fragment and `;params` of
 * the last path segment outside the path and lowercases the scheme; we mirror that so a URL
 * with a query string normalises the same way (verified against CPython 3.11).
 */
export function normaliseApiUrl(url: string): string {
  // Python 3.11 drops tab/CR/LF anywhere and leading blanks; we also drop trailing blanks
  // (a pasted URL with a trailing space is never meant to have it).
  const parts = splitUrl(url.replace(/[\t\r\n]/g, '').trim());
  let path = parts.path.endsWith('/') ? parts.path : `${parts.path}/`;
  if (!/\/api\/[0-9.]+\/?$/.test(path)) path += 'api/2.0/';
  return joinUrl({ ...parts, path });
}

interface UrlParts {
  scheme: string | undefined;
  netloc: string | undefined;
  path: string;
  params: string | undefined;
  query: string | undefined;
  fragment: string | undefined;
}

// urlsplit(): scheme = leading [A-Za-z][A-Za-z0-9+.-]* before ':'; netloc after '//' up to
// the first '/', '?' or '#'; then path, '?query', '#fragment'.
const URL_RE = /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;

function splitUrl(url: string): UrlParts {
  const m = URL_RE.exec(url);
  // The regex matches every string (all groups are optional), so `m` is never null.
  const [, scheme, netloc, rawPath = '', query, fragment] = m ?? [];
  // urlparse() moves `;params` of the *last* segment out of the path.
  let path = rawPath;
  let params: string | undefined;
  const semi = path.indexOf(';', path.lastIndexOf('/') + 1);
  if (semi !== -1) {
    params = path.slice(semi + 1);
    path = path.slice(0, semi);
  }
  return { scheme: scheme?.toLowerCase(), netloc, path, params, query, fragment };
}

// Schemes for which urlunparse() writes '//' even when the netloc is empty.
const USES_NETLOC = new Set(['', 'http', 'https', 'ws', 'wss', 'ftp', 'file']);

function joinUrl(p: UrlParts): string {
  // urlunparse(): params only when non-empty; '//' + netloc when there was one.
  let out = p.params ? `${p.path};${p.params}` : p.path;
  if (p.netloc || (p.scheme && USES_NETLOC.has(p.scheme) && !out.startsWith('//'))) {
    if (out && !out.startsWith('/')) out = `/${out}`;
    out = `//${p.netloc ?? ''}${out}`;
  }
  if (p.scheme) out = `${p.scheme}:${out}`;
  if (p.query) out += `?${p.query}`;
  if (p.fragment) out += `#${p.fragment}`;
  return out;
}
