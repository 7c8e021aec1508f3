export { BootResourceUpload, type UploadDeps } from './uploader.js';
export type { UploadOptions, UploadPhase, UploadProgress, UploadRetry, UploadPlan, UploadResult, UploadAction, UploadEvents } from './types.js';
export { UploadStateStore, fingerprintId, type UploadState, type UploadFingerprint } from './state-store.js';
export { HashCache, sha256File } from './hash.js';
export { sniffImageType, assertFiletypeMatches, suggestFiletype, type SniffResult } from './sniff.js';
export { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, assertChunkSize, assertNameAndArchitecture } from './checks.js';
export { defaultStateDir } from './state-dir.js';
export { deriveServerOffset, matchServerOffset, findFileBySha256 } from './server-offset.js';
