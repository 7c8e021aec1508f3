import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { usableArchitectures } from '../upload/checks.js';

/**
 * The architectures a profile's MAAS offers, remembered from the last `boot-resources read` for
 * completion (`architecture=<TAB>`). MAAS derives them from its boot resources: each resource's
 * architecture and `<arch>/<subarch>` for its subarches, leaving out hwe-/ga- kernels
 * (src/maasservicelayer/services/bootresources.py get_usable_architectures, used by
 * src/maasserver/forms/__init__.py list_all_usable_architectures).
 */
function cacheFile(stateDir: string, profile: string): string {
  return join(stateDir, 'architectures', `${encodeURIComponent(profile)}.json`);
}

export async function rememberArchitectures(stateDir: string, profile: string, resources: readonly { architecture?: unknown; subarches?: unknown }[]): Promise<void> {
  const seen = usableArchitectures(resources);
  // node:crypto (atomic-file's temporary names) loads only to write: a completion Tab only reads.
  const { writeFileAtomic } = await import('../upload/atomic-file.js');
  if (seen.length > 0) await writeFileAtomic(cacheFile(stateDir, profile), `${JSON.stringify(seen)}\n`, false);
}

export function cachedArchitectures(stateDir: string, profile: string): string[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(cacheFile(stateDir, profile), 'utf8'));
    return Array.isArray(parsed) ? parsed.filter((a): a is string => typeof a === 'string') : [];
  } catch {
    return [];
  }
}
