import type { MaasApiClient } from '../http/api-client.js';
import { eraOf } from './era.js';
import type { MaasDescription, MaasEra, MaasUser, MaasVersionInfo } from './types.js';

/** `GET version/` (anonymous) and the era it implies. */
export async function readVersion(api: MaasApiClient, signal?: AbortSignal): Promise<MaasVersionInfo & { era: MaasEra }> {
  const info = await api.json<MaasVersionInfo>('GET', 'version/', { signal, anonymous: true });
  return { ...info, era: eraOf(info.version) };
}

/** `GET users/?op=whoami` — validates the key, as `maas login` does (docs/maas-cli.md#login-sequence step 4). */
export function whoami(api: MaasApiClient, signal?: AbortSignal): Promise<MaasUser> {
  return api.json('GET', 'users/', { query: { op: 'whoami' }, signal });
}

/** `GET describe/` (anonymous), stored in profiles so the official CLI can build its commands. */
export function describe(api: MaasApiClient, signal?: AbortSignal): Promise<MaasDescription> {
  return api.json('GET', 'describe/', { signal, anonymous: true });
}
