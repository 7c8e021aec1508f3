export { normaliseApiUrl } from './api-url.js';
export {
  type MaasProfile,
  type ProfileSummary,
  describeProfile,
  encodeProfileData,
  decodeProfileData,
  credentialsFromApiKey,
} from './profile-record.js';
export { PROFILE_DB_ENV, profileDbCandidates, chooseProfileDb } from './db-location.js';
export { ProfileStore, type ProfileStoreOptions } from './profile-store.js';
export { caCertPath, writeProfileCaCert, readCaFile } from './ca-file.js';
export {
  ENV_PROFILE,
  resolveConnection,
  type ConnectionFlags,
  type ConnectionSettings,
  type ResolveConnectionOptions,
} from './resolve.js';
