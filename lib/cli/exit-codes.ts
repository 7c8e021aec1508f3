import {
  MaasAbortError,
  DeploymentFailedError,
  MachineStateError,
  MaasAuthError,
  MaasConflictError,
  MaasConfigError,
  MaasError,
  MaasNetworkError,
  MaasNotFoundError,
  MaasPermissionError,
  MaasServerError,
  MaasTimeoutError,
  MaasValidationError,
  PackerError,
  UploadConflictError,
  UploadIntegrityError,
  UploadRetryError,
} from '../errors/index.js';

/** Exit codes (docs/architecture.md#the-cli; documented in README "Exit codes"). */
export const EXIT = {
  OK: 0,
  LOCAL: 1,
  REJECTED: 2,
  PACKER: 3,
  AUTH: 4,
  TEMPORARY: 5,
  DEPLOYMENT: 6,
  INTEGRITY: 7,
  /** `images`: the sites hold different or incomplete copies of an image. */
  DRIFT: 8,
  INTERRUPTED: 130,
} as const;

/** Several sites, some failed: the exit code is the worst of theirs (each is listed in the summary). */
export class SitesFailedError extends MaasError {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message, { code: 'SITES_FAILED' });
    this.exitCode = exitCode;
  }
}

/** The worst of several exit codes: the highest (0 ok < … < 7 integrity < 130 interrupted). */
export function worstExitCode(codes: readonly number[]): number {
  return codes.reduce((a, b) => Math.max(a, b), EXIT.OK);
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof SitesFailedError) return err.exitCode;
  if (err instanceof MaasAbortError || (err instanceof MaasError && err.code === 'CANCELLED')) return EXIT.INTERRUPTED;
  if (err instanceof MaasConfigError) return err.code === 'USAGE' ? EXIT.REJECTED : EXIT.LOCAL;
  if (err instanceof PackerError) return EXIT.PACKER;
  if (err instanceof DeploymentFailedError) return EXIT.DEPLOYMENT;
  if (err instanceof MachineStateError) return EXIT.REJECTED;
  if (err instanceof UploadIntegrityError) return EXIT.INTEGRITY;
  // The same image under another name (MAAS 3.8): a choice for the user, like a refused request.
  if (err instanceof UploadConflictError && err.code === 'SAME_IMAGE') return EXIT.REJECTED;
  // Another client is uploading right now: wait, then rerun.
  if (err instanceof UploadConflictError && err.code === 'UPLOAD_BUSY') return EXIT.TEMPORARY;
  if (err instanceof MaasAuthError || err instanceof MaasPermissionError) return EXIT.AUTH;
  if (err instanceof MaasValidationError || err instanceof MaasNotFoundError) return EXIT.REJECTED;
  if (err instanceof UploadRetryError || err instanceof MaasTimeoutError || err instanceof MaasServerError || err instanceof MaasConflictError) {
    return EXIT.TEMPORARY;
  }
  if (err instanceof MaasNetworkError) return err.fix?.option === 'ca' ? EXIT.LOCAL : EXIT.TEMPORARY;
  return EXIT.LOCAL;
}
