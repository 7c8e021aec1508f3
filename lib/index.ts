/**
 * maas-esxi SDK: upload VMware ESXi images to MAAS, resumably.
 *
 *   const maas = await MaasClient.fromProfile('admin');
 *   const up = maas.bootResources.upload({ name: 'esxi/8.0', title: 'VMware ESXi 8.0',
 *     architecture: 'amd64/generic', filetype: 'ddgz', path: 'vmware-esxi.dd.gz' });
 *   up.on('progress', (p) => …);
 *   const result = await up.done();
 *
 * This list is the public surface, deliberately small and pinned by test/exports.test.ts: the
 * client, login, profiles, the upload and resource types, and the errors. Building images with
 * Packer is the `maas-esxi/packer` entry point; the MAAS simulator is `maas-esxi/testing`.
 * See docs/architecture.md.
 */

// The client and its connection options.
export { MaasClient, BootResourcesClient, type ConnectOptions, type ProfileConnectOptions } from './client/maas-client.js';
export { login, type LoginOptions, type LoginResult } from './client/login.js';
export { MaasApiClient, type ApiClientOptions, type ApiRequest, type QueryValue, type RetryNotice } from './http/api-client.js';
export type { TransportOptions } from './http/transport.js';
export type { BackoffPolicy } from './http/backoff.js';

// Profiles: the official maas CLI's profile database, environment and flags.
export { ProfileStore, type ProfileStoreOptions } from './profiles/profile-store.js';
export type { MaasProfile, ProfileSummary } from './profiles/profile-record.js';
export {
  resolveConnection,
  type ConnectionFlags,
  type ConnectionSettings,
  type ResolveConnectionOptions,
} from './profiles/resolve.js';

// Boot resources and the resumable upload.
export { BootResources, type UploadChunkOptions } from './resources/boot-resources.js';
export {
  BOOT_RESOURCE_FILETYPES,
  type BootResource,
  type BootResourceFile,
  type BootResourceFiletype,
  type BootResourceSet,
  type BootResourceSummary,
  type BootResourceType,
  type CreateBootResourceParams,
  type MaasEra,
  type MaasUser,
  type MaasVersionInfo,
} from './resources/types.js';
export { BootResourceUpload, type UploadDeps } from './upload/uploader.js';
export type {
  UploadAction,
  UploadEvents,
  UploadOptions,
  UploadPhase,
  UploadPlan,
  UploadProgress,
  UploadResult,
  UploadRetry,
} from './upload/types.js';
export { UploadStateStore, type UploadFingerprint, type UploadState } from './upload/state-store.js';
export { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE } from './upload/checks.js';

// Beyond the upload: ready on every rack/region, machines, events, deploy-and-verify, several sites.
export { waitReady, type Controller, type RackBootImages, type ReadyResult, type ReadyState, type ReadyTarget, type WaitReadyOptions } from './resources/boot-ready.js';
export { Machines, NODE_STATUS, type DeployParams, type Machine } from './resources/machines.js';
export { Events, type EventLevel, type EventQuery, type EventsPage, type FollowOptions, type MaasEvent } from './resources/events.js';
export { FIRST_BOOT_ORIGIN, isFailureEvent, parseFirstBootEvent, type FirstBootReport } from './resources/first-boot-events.js';
export { deployAndVerify, type DeployOptions, type DeployProgress, type DeployResult } from './resources/deployment.js';
export { forEachSite, siteErrorJson, uploadToSites, type MultiSiteUpload, type MultiSiteUploadOptions, type Site, type SiteOutcome } from './client/sites.js';

// Errors: one base class, subclasses by meaning.
export {
  isTransient,
  MaasAbortError,
  MaasAuthError,
  MaasConfigError,
  MaasConflictError,
  MaasError,
  MaasNetworkError,
  MaasNotFoundError,
  MaasPermissionError,
  MaasServerError,
  MaasTimeoutError,
  MaasValidationError,
  PackerError,
  PrerequisiteError,
  MachineStateError,
  DeploymentFailedError,
  UploadConflictError,
  UploadInputError,
  UploadIntegrityError,
  UploadRetryError,
  type MaasErrorName,
  type MaasErrorOptions,
} from './errors/index.js';
