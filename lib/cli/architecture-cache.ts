import { usableArchitectures } from '../upload/checks.js';
import { cachedWords, rememberWords } from './profile-cache.js';

/**
 * The architectures a profile's MAAS offers, remembered from the last `boot-resources read` for
 * completion (`architecture=<TAB>`). MAAS derives them from its boot resources: each resource's
 * architecture and `<arch>/<subarch>` for its subarches, leaving out hwe-/ga- kernels
 * (src/maasservicelayer/services/bootresources.py get_usable_architectures, used by
 * src/maasserver/forms/__init__.py list_all_usable_architectures).
 */
export async function rememberArchitectures(stateDir: string, profile: string, resources: readonly { architecture?: unknown; subarches?: unknown }[]): Promise<void> {
  const seen = usableArchitectures(resources);
  if (seen.length > 0) await rememberWords(stateDir, 'architectures', profile, seen);
}

export function cachedArchitectures(stateDir: string, profile: string): string[] {
  return cachedWords(stateDir, 'architectures', profile);
}
