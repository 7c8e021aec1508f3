import { statSync } from 'node:fs';
import { chooseProfileDb } from '../profiles/db-location.js';
import { cachedWords, rememberWords } from './profile-cache.js';

interface ProfileIO {
  home: string;
  env: NodeJS.ProcessEnv;
}

/** Profile names from the profile DB; none when there is no DB. */
export async function knownProfiles(io: ProfileIO): Promise<string[]> {
  try {
    const { ProfileStore } = await import('../profiles/profile-store.js');
    const store = ProfileStore.open({ home: io.home, env: io.env });
    try {
      return store.list().map((p) => p.name);
    } finally {
      store.close();
    }
  } catch {
    return [];
  }
}

/**
 * Profile names for a completion Tab. Opening the DB loads SQLite and the profile store (a fifth
 * of a Tab's memory, bench/startup.mjs), so the names are remembered with the DB's size and mtime:
 * every login or logout, ours or the maas CLI's (SQLite's default rollback journal writes the DB
 * file itself), changes them, and only then is the DB read again.
 */
export async function profileNamesForTab(io: ProfileIO, stateDir: string): Promise<string[]> {
  const db = chooseProfileDb(io);
  if (!db.exists) return [];
  let stamp: string;
  try {
    const st = statSync(db.path);
    stamp = `${st.size} ${st.mtimeMs}`;
  } catch {
    return [];
  }
  const cached = cachedWords(stateDir, 'profile-names', db.path);
  if (cached[0] === stamp) return cached.slice(1);
  const names = await knownProfiles(io);
  // A Tab never fails for a cache it could not write (read-only state dir): it reads the DB next time.
  await rememberWords(stateDir, 'profile-names', db.path, [stamp, ...names]).catch(() => undefined);
  return names;
}
