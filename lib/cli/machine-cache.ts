import type { MaasClient } from '../client/maas-client.js';
import { cachedWords, rememberWords } from './profile-cache.js';

/**
 * The hostnames of a profile's machines (`GET machines/`, src/maasserver/api/machines.py
 * MachinesHandler.read), remembered when `deploy` runs so that `PROFILE deploy <TAB>` offers them.
 * Best effort: a failure to list or to write never changes what the command reports.
 */
export async function refreshMachines(client: MaasClient, stateDir: string, profile: string | undefined, signal?: AbortSignal): Promise<void> {
  if (profile === undefined) return;
  try {
    const hostnames = (await client.machines.list({}, signal)).map((m) => m.hostname).filter((h): h is string => typeof h === 'string' && h !== '');
    await rememberWords(stateDir, 'machines', profile, [...new Set(hostnames)].sort());
  } catch {
    /* completion just offers what it knew before */
  }
}

export function cachedMachines(stateDir: string, profile: string): string[] {
  return cachedWords(stateDir, 'machines', profile);
}
