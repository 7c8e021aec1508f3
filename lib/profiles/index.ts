export { normaliseApiUrl } from './api-url.js';
export { type MaasProfile, describeProfile, credentialsFromApiKey } from './profile-record.js';
export { profileDbCandidates, chooseProfileDb } from './db-location.js';
export { ProfileStore } from './profile-store.js';
export { writeProfileCaCert } from './ca-file.js';
export { resolveConnection } from './resolve.js';
