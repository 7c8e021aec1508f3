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
  UploadInputError,
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

/**
 * One rule for input (README "Exit codes"): what was typed and cannot be used as typed — a flag,
 * two flags that exclude each other, a `key=value` field that is missing, unknown, malformed or
 * refused by MAAS's own checks (run here before hashing, where MAAS would answer 400) — is a
 * usage error, exit 2, as argparse and a 400 are for the maas CLI. Exit 1 is the local world:
 * the file (missing, unreadable, empty, content other than its filetype), TLS, the build host,
 * the profile DB.
 */
const TYPED_INPUT_CODES: ReadonlySet<string> = new Set(['USAGE', 'CA_AND_INSECURE', 'BAD_ARCHITECTURE', 'BAD_CHUNK_SIZE', 'BAD_FILETYPE', 'BAD_NAME', 'BAD_RATE', 'BAD_SHA256']);

export function exitCodeFor(err: unknown): number {
  if (err instanceof SitesFailedError) return err.exitCode;
  if (err instanceof MaasAbortError || (err instanceof MaasError && err.code === 'CANCELLED')) return EXIT.INTERRUPTED;
  if ((err instanceof MaasConfigError || err instanceof UploadInputError) && err.code !== undefined && TYPED_INPUT_CODES.has(err.code)) return EXIT.REJECTED;
  if (err instanceof MaasConfigError) return EXIT.LOCAL;
  if (err instanceof PackerError) return EXIT.PACKER;
  if (err instanceof DeploymentFailedError) return EXIT.DEPLOYMENT;
  if (err instanceof MachineStateError) return EXIT.REJECTED;
  if (err instanceof UploadIntegrityError) return EXIT.INTEGRITY;
  // The same image under another name (MAAS 3.8), or a resume that would replace a newer image:
  // a choice for the user, like a refused request.
  if (err instanceof UploadConflictError && (err.code === 'SAME_IMAGE' || err.code === 'RESUME_REPLACED')) return EXIT.REJECTED;
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
