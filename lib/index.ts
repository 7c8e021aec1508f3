/**
 * maas-esxi SDK: upload VMware ESXi images to MAAS, resumably; wait until MAAS can deploy them;
 * deploy and verify.
 *
 *   const maas = await MaasClient.fromProfile('admin');
 *   const up = maas.bootResources.upload({ name: 'esxi/8.0', architecture: 'amd64/generic',
 *     path: 'vmware-esxi.dd.gz' });
 *   up.on('progress', (p) => …);
 *   const result = await up.done();
 *   await maas.bootResources.waitReady({ name: 'esxi/8.0' }).done();
 *
 * This list is the public surface a script needs, kept small (pinned by test/exports.test.ts):
 * the client, login, the fan-out, the errors, and the types of the everyday options and
 * results. The rest — the HTTP layer, profiles, resume state, single resources, the building
 * blocks behind the client's methods — is `maas-esxi/advanced`. Building images with Packer is
 * `maas-esxi/packer` (with PackerError and PrerequisiteError); the MAAS simulator is
 * `maas-esxi/testing`. See docs/architecture.md#public-surface.
 */

export { MaasClient, type ConnectOptions } from './client/maas-client.js';
export { login } from './client/login.js';
export type { Operation } from './client/operation.js';
export { uploadToSites, type SiteOutcome } from './client/sites.js';
export type { UploadOptions, UploadProgress, UploadResult } from './upload/types.js';
export type { BootResource } from './resources/types.js';
export type { ReadyResult, WaitReadyOptions } from './resources/boot-ready.js';
export type { DeployOptions, DeployResult } from './resources/deployment.js';
export type { Machine } from './resources/machines.js';
export type { MaasEvent } from './resources/events.js';

// Errors: one base class, subclasses by meaning (docs/architecture.md#errors).
export {
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
  MachineStateError,
  DeploymentFailedError,
  UploadConflictError,
  UploadInputError,
  UploadIntegrityError,
  UploadRetryError,
} from './errors/index.js';
