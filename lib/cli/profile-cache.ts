import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../upload/atomic-file.js';

/**
 * Words a profile's MAAS offered last time (architectures, machine hostnames), remembered under
 * the state dir for completion: a Tab reads this file and never waits on the network.
 */
function cacheFile(stateDir: string, kind: string, profile: string): string {
  return join(stateDir, kind, `${encodeURIComponent(profile)}.json`);
}

export async function rememberWords(stateDir: string, kind: string, profile: string, words: readonly string[]): Promise<void> {
  await writeFileAtomic(cacheFile(stateDir, kind, profile), `${JSON.stringify(words)}\n`, false);
}

export function cachedWords(stateDir: string, kind: string, profile: string): string[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(cacheFile(stateDir, kind, profile), 'utf8'));
    return Array.isArray(parsed) ? parsed.filter((a): a is string => typeof a === 'string') : [];
  } catch {
    return [];
  }
}
