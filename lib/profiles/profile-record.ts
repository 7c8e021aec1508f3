import { MaasConfigError } from '../errors/index.js';
import { parseApiKey } from '../auth/api-key.js';
import { pythonJsonDumps } from '../python/json-dumps.js';

/** One row of the maas CLI's profile database (docs/maas-cli.md#profile-record). */
export interface MaasProfile {
  name: string;
  /** Normalised API URL ending in `/api/<version>/` (docs/maas-cli.md#url-normalisation). */
  url: string;
  /** `[consumer_key, token_key, token_secret]`; null = anonymous profile. */
  credentials: [string, string, string] | null;
  /** The `GET <url>describe/` document; the official CLI builds its command tree from it. */
  description: unknown;
  /** PEM given to `login --cacerts`; the key is absent in rows written before MAAS 3.2. */
  cacerts: string | null;
}

/** What `list` may show: everything but the secret. */
export interface ProfileSummary {
  name: string;
  url: string;
  anonymous: boolean;
  cacerts: boolean;
}

export function describeProfile(p: MaasProfile): ProfileSummary {
  return { name: p.name, url: p.url, anonymous: p.credentials === null, cacerts: p.cacerts !== null };
}

/**
 * The `data` column exactly as `maas login` writes it: `json.dumps()` of a dict whose keys
 * were inserted as credentials, description, name, url, cacerts (docs/maas-cli.md#profile-record).
 */
export function encodeProfileData(p: MaasProfile): string {
  return pythonJsonDumps({
    credentials: p.credentials,
    description: p.description,
    name: p.name,
    url: p.url,
    cacerts: p.cacerts,
  });
}

/**
 * Parse one row. `data` is TEXT when Python wrote it (a `str` bound to a BLOB column) but may be
 * a BLOB from other writers (docs/maas-cli.md#profile-database-schema, #compatibility-rules rules 1–2); extra keys are ignored, a missing
 * `cacerts` reads as null. Errors name the profile and the file, never the row's content (it
 * holds the key).
 */
export function decodeProfileData(name: string, data: unknown, dbPath: string): MaasProfile {
  const fail = (reason: string): never => {
    throw new MaasConfigError(`Profile '${name}' in ${dbPath} is not a valid maas CLI profile: ${reason}.`, {
      hint: `Log in again: maas-esxi login ${name} http://HOST:5240/MAAS/ - (the API key on stdin).`,
    });
  };
  let text: string;
  if (typeof data === 'string') text = data;
  // better-sqlite3 returns a BLOB as a Buffer, node:sqlite as a plain Uint8Array.
  else if (data instanceof Uint8Array) text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  else return fail('the data column is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return fail('the data column is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return fail('the data is not an object');
  const record = parsed as Record<string, unknown>;
  if (typeof record['url'] !== 'string' || record['url'] === '') return fail('it has no url');
  const creds = record['credentials'];
  let credentials: [string, string, string] | null = null;
  if (creds !== null && creds !== undefined) {
    if (!Array.isArray(creds) || creds.length !== 3 || !creds.every((c) => typeof c === 'string')) {
      return fail('its credentials are not three strings');
    }
    credentials = [creds[0], creds[1], creds[2]] as [string, string, string];
  }
  const cacerts = typeof record['cacerts'] === 'string' ? record['cacerts'] : null;
  return { name, url: record['url'], credentials, description: record['description'] ?? null, cacerts };
}

/**
 * `maas login`'s reading of the key argument (docs/maas-cli.md#login-sequence step 3): empty or blank means an
 * anonymous profile; anything else must be `consumer:token:secret`.
 */
export function credentialsFromApiKey(apiKey: string | null | undefined): [string, string, string] | null {
  if (apiKey === null || apiKey === undefined || apiKey.trim() === '') return null;
  const c = parseApiKey(apiKey);
  return [c.consumerKey, c.tokenKey, c.tokenSecret];
}
