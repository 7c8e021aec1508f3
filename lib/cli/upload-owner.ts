import type { UploadState } from '../upload/state-store.js';
import { UsageError } from './grammar.js';

/**
 * Saved state records the MAAS an upload went to (lib/upload/locate.ts: the fingerprint's
 * apiUrl). Resuming it, or deleting its resource, through another profile would write to the
 * wrong MAAS, so it is refused with the command line that reaches the right one.
 */
/** The MAAS URL a person logs in with (`…/MAAS/`), from the API URL state records (`…/MAAS/api/2.0/`). */
export function maasUrlOf(apiUrl: string): string {
  return apiUrl.replace(/api\/2\.0\/$/, '');
}

export function assertUploadOwner(states: readonly UploadState[], typedId: string, apiUrl: string, retry: (profile: string) => string): void {
  const matches = states.filter((s) => s.id.startsWith(typedId));
  // An unknown or ambiguous id is the SDK's error to report (lib/client/maas-client.ts).
  if (matches.length !== 1) return;
  const state = matches[0]!;
  const recorded = state.fingerprint.apiUrl;
  if (recorded === apiUrl) return;
  const fix = state.profile ? `run ${retry(state.profile)}` : 'run it with a profile of that MAAS';
  throw new UsageError(`Upload ${typedId} belongs to ${state.profile ?? 'another MAAS'} (${maasUrlOf(recorded)}); ${fix}.`);
}
