/**
 * `maas-esxi/advanced`: what only some scripts need, beside the main entry point's everyday
 * surface — the signed HTTP client and its transport, profiles and connection resolution, the
 * upload's building blocks (resume state, hash cache, chunk sizes), single MAAS resources, the
 * functions behind the client's long operations, and every public type a signature mentions.
 * Pinned by test/exports.test.ts; see docs/architecture.md#public-surface.
 */

// The client's parts, its connection and the HTTP layer.
export { BootResourcesClient, type ChunkSize, type ProfileConnectOptions } from './client/maas-client.js';
export type { LoginOptions, LoginResult } from './client/login.js';
export type { OperationContext, OperationEvents } from './client/operation.js';
export { MaasApiClient, type ApiClientOptions, type ApiRequest, type QueryValue, type RetryNotice } from './http/api-client.js';
export { HttpTransport, type TransportOptions, type TransportResponse } from './http/transport.js';
export type { BackoffPolicy } from './http/backoff.js';
export { OAuthSigner } from './auth/oauth.js';

// Profiles: the official maas CLI's profile database, environment and flags.
export { ProfileStore, type ProfileStoreOptions } from './profiles/profile-store.js';
export type { MaasProfile, ProfileSummary } from './profiles/profile-record.js';
export {
  resolveConnection,
  type ConnectionFlags,
  type ConnectionSettings,
  type ResolveConnectionOptions,
} from './profiles/resolve.js';

// Boot resources and the resumable upload's parts.
export { BootResources, type UploadChunkOptions } from './resources/boot-resources.js';
export {
  BOOT_RESOURCE_FILETYPES,
  type Architecture,
  type BootResourceFile,
  type BootResourceFiletype,
  type BootResourceSet,
  type BootResourceSummary,
  type BootResourceType,
  type CreateBootResourceParams,
  type MaasApiAction,
  type MaasApiHandler,
  type MaasDescription,
  type MaasEra,
  type MaasUser,
  type MaasVersionInfo,
} from './resources/types.js';
export { BootResourceUpload, type UploadDeps, type UploadStateStorage, type HashLookup } from './upload/uploader.js';
export type { UploadAction, UploadEvents, UploadPhase, UploadPlan, UploadRetry } from './upload/types.js';
export { UploadStateStore, type UploadFingerprint, type UploadState } from './upload/state-store.js';
export type { HashProgress } from './upload/hash.js';
export { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE } from './upload/checks.js';

// Beyond the upload: the functions behind the client's long operations, and their types.
export { waitReady, type Controller, type RackBootImages, type ReadyState, type ReadyTarget } from './resources/boot-ready.js';
export { Machines, NODE_STATUS, type DeployParams, type MachineStatusName } from './resources/machines.js';
export { Events, type EventLevel, type EventQuery, type EventsPage, type FollowOptions } from './resources/events.js';
export { FIRST_BOOT_ORIGIN, isFailureEvent, parseFirstBootEvent, type FirstBootReport } from './resources/first-boot-events.js';
export { deployAndVerify, type DeployProgress } from './resources/deployment.js';
export {
  forEachSite,
  siteErrorJson,
  type MultiSiteProgress,
  type MultiSiteUpload,
  type MultiSiteUploadOptions,
  type Site,
  type SiteUpload,
} from './client/sites.js';

// Error helpers and types (the classes are on the main entry point).
export { isTransient, type MaasErrorName, type MaasErrorOptions, type MaasFix } from './errors/index.js';
