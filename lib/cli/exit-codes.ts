import {
  MaasAbortError,
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
  UploadIntegrityError,
  UploadRetryError,
} from '../errors/index.js';

/** Exit codes (design.md §4; documented in README "Exit codes"). */
export const EXIT = {
  OK: 0,
  LOCAL: 1,
  REJECTED: 2,
  PACKER: 3,
  AUTH: 4,
  TEMPORARY: 5,
  INTEGRITY: 7,
  INTERRUPTED: 130,
} as const;

export function exitCodeFor(err: unknown): number {
  if (err instanceof MaasAbortError || (err instanceof MaasError && err.code === 'CANCELLED')) return EXIT.INTERRUPTED;
  if (err instanceof MaasConfigError) return err.code === 'USAGE' ? EXIT.REJECTED : EXIT.LOCAL;
  if (err instanceof PackerError) return EXIT.PACKER;
  if (err instanceof UploadIntegrityError) return EXIT.INTEGRITY;
  if (err instanceof MaasAuthError || err instanceof MaasPermissionError) return EXIT.AUTH;
  if (err instanceof MaasValidationError || err instanceof MaasNotFoundError) return EXIT.REJECTED;
  if (err instanceof UploadRetryError || err instanceof MaasTimeoutError || err instanceof MaasServerError || err instanceof MaasConflictError) {
    return EXIT.TEMPORARY;
  }
  if (err instanceof MaasNetworkError) return err.hint?.includes('--cacerts') ? EXIT.LOCAL : EXIT.TEMPORARY;
  return EXIT.LOCAL;
}
