/**
 * The error hierarchy of the SDK (docs/architecture.md#errors). One base class, subclasses by meaning.
 * Every error carries what the CLI needs to explain it — method, URL, status, MAAS's own
 * body text and a one-line `hint` with the fix — and never the Authorization header.
 */

export type MaasErrorName =
  | 'MaasError'
  | 'MaasAuthError'
  | 'MaasPermissionError'
  | 'MaasNotFoundError'
  | 'MaasValidationError'
  | 'MaasConflictError'
  | 'MaasServerError'
  | 'MaasNetworkError'
  | 'MaasTimeoutError'
  | 'MaasAbortError'
  | 'MaasConfigError'
  | 'UploadIntegrityError'
  | 'UploadConflictError'
  | 'UploadInputError'
  | 'UploadRetryError'
  | 'PackerError'
  | 'PrerequisiteError'
  | 'MachineStateError'
  | 'DeploymentFailedError'
  | 'ImageInspectError';

/**
 * What fixes a failure, for programs: an SDK option to change (`chunkSize`, `timeoutMs`, `ca`,
 * `insecure`, `apiKey`, `url`, …) and a value that works when one is known, or `rerun`: the same
 * call again succeeds or resumes. The `hint` says the same in words, in the SDK's terms; the CLI
 * maps `option` to its own flag (docs/architecture.md#errors).
 */
export interface MaasFix {
  option?: string | undefined;
  value?: string | number | boolean | undefined;
  rerun?: boolean | undefined;
}

export interface MaasErrorOptions {
  method?: string | undefined;
  url?: string | undefined;
  status?: number | undefined;
  /** MAAS's response body, as text (validation errors: the JSON text). */
  body?: string | undefined;
  hint?: string | undefined;
  /** The hint in machine-readable form: what a caller changes to fix it (the CLI maps it to a flag). */
  fix?: MaasFix | undefined;
  code?: string | undefined;
  /** How long the server asked us to wait before retrying (its `Retry-After` header), in ms. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class MaasError extends Error {
  override name: MaasErrorName = 'MaasError';
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly status: number | undefined;
  readonly body: string | undefined;
  readonly hint: string | undefined;
  readonly fix: MaasFix | undefined;
  readonly code: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: MaasErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.method = options.method;
    this.url = options.url === undefined ? undefined : redactUrl(options.url);
    this.status = options.status;
    this.body = options.body;
    this.hint = options.hint;
    this.fix = options.fix;
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** A plain object for `--json` output; contains no secrets by construction. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, message: this.message };
    for (const key of ['method', 'url', 'status', 'body', 'hint', 'fix', 'code'] as const) {
      if (this[key] !== undefined) out[key] = this[key];
    }
    return out;
  }
}

/** 401: MAAS rejected the credentials (docs/maas-api.md#authentication-errors). */
export class MaasAuthError extends MaasError {
  override name = 'MaasAuthError' as const;
}
/** 403: authenticated, but not allowed (docs/maas-api.md#permissions). */
export class MaasPermissionError extends MaasError {
  override name = 'MaasPermissionError' as const;
}
export class MaasNotFoundError extends MaasError {
  override name = 'MaasNotFoundError' as const;
}
/** 400: MAAS refused the request; `fields` holds MAAS's per-field messages (docs/maas-api.md#error-statuses-and-texts). */
export class MaasValidationError extends MaasError {
  override name = 'MaasValidationError' as const;
  readonly fields: Record<string, string[]> | undefined;
  constructor(message: string, options: MaasErrorOptions & { fields?: Record<string, string[]> } = {}) {
    super(message, options);
    this.fields = options.fields;
  }
  override toJSON(): Record<string, unknown> {
    const out = super.toJSON();
    if (this.fields) out['fields'] = this.fields;
    return out;
  }
}
/** 409 (serialization conflict after MAAS's own retries, docs/maas-api.md#error-statuses-and-texts). */
export class MaasConflictError extends MaasError {
  override name = 'MaasConflictError' as const;
}
/** 5xx, or a proxy in front of MAAS failing. */
export class MaasServerError extends MaasError {
  override name = 'MaasServerError' as const;
}
/** Connection refused/reset, DNS, TLS: nothing usable came back. */
export class MaasNetworkError extends MaasError {
  override name = 'MaasNetworkError' as const;
}
export class MaasTimeoutError extends MaasError {
  override name = 'MaasTimeoutError' as const;
}
/** The caller's AbortSignal fired. */
export class MaasAbortError extends MaasError {
  override name = 'MaasAbortError' as const;
}
/** Local configuration problem: unknown profile, malformed key, unreadable CA file. */
export class MaasConfigError extends MaasError {
  override name = 'MaasConfigError' as const;
}
/** The server's copy cannot be trusted any more (docs/maas-upload-protocol.md#integrity-errors). */
export class UploadIntegrityError extends MaasError {
  override name = 'UploadIntegrityError' as const;
}
/** Local file or saved state disagree with what is being uploaded. */
export class UploadConflictError extends MaasError {
  override name = 'UploadConflictError' as const;
}
/** Bad upload input found before any network write (docs/architecture.md#data-flow-of-an-upload step 1). */
export class UploadInputError extends MaasError {
  override name = 'UploadInputError' as const;
}
export class PackerError extends MaasError {
  override name = 'PackerError' as const;
}
export class PrerequisiteError extends MaasError {
  override name = 'PrerequisiteError' as const;
}

/** Strip credentials that may hide in a URL (userinfo, oauth_* query parameters). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = 'REDACTED';
      u.password = '';
    }
    for (const key of [...u.searchParams.keys()]) {
      if (/^oauth_(signature|token|consumer_key)$/i.test(key)) u.searchParams.set(key, 'REDACTED');
    }
    return u.toString();
  } catch {
    return url;
  }
}

/** `err` itself when it is a MaasError, else a MaasError carrying it as `cause` (its message kept). */
export function asMaasError(err: unknown): MaasError {
  if (err instanceof MaasError) return err;
  return new MaasError(err instanceof Error ? err.message : String(err), { cause: err });
}

/**
 * A TLS certificate this client refused (an unknown CA, a self-signed certificate, a name
 * mismatch; lib/http/classify.ts gives it the `ca` fix): the same request to the same server can
 * only be refused again, so it is never retried.
 */
export function isCertificateFailure(err: unknown): boolean {
  return err instanceof MaasNetworkError && err.fix?.option === 'ca';
}

/** True for failures where repeating the same idempotent request may succeed. */
export function isTransient(err: unknown): boolean {
  if (err instanceof MaasNetworkError) return !isCertificateFailure(err);
  if (err instanceof MaasTimeoutError) return true;
  if (err instanceof MaasServerError) return true;
  if (err instanceof MaasConflictError) return true;
  return false;
}

/** The wait the server asked for before a retry, when `err` carries one. */
export function retryAfterOf(err: unknown): number | undefined {
  return err instanceof MaasError ? err.retryAfterMs : undefined;
}

/** An upload stopped after its retry budget ran out; rerunning resumes it (exit code 5). */
export class UploadRetryError extends MaasError {
  override name = 'UploadRetryError' as const;
}

/**
 * MAAS refused an operation because of the machine's state (its `NodeStateViolation`, HTTP 409,
 * `src/maasserver/exceptions.py`): not temporary, so never retried. `state` is MAAS's status name.
 */
export class MachineStateError extends MaasError {
  override name = 'MachineStateError' as const;
  readonly state: string | undefined;
  constructor(message: string, options: MaasErrorOptions & { state?: string | undefined } = {}) {
    super(message, options);
    this.state = options.state;
  }
  override toJSON(): Record<string, unknown> {
    return this.state === undefined ? super.toJSON() : { ...super.toJSON(), state: this.state };
  }
}

/**
 * A deployment ended badly: MAAS's "Failed deployment", a failure event, or our first boot's
 * FAILED verdict (docs/esxi-first-boot.md). `step` names the first-boot step when known.
 */
export class DeploymentFailedError extends MaasError {
  override name = 'DeploymentFailedError' as const;
  readonly step: string | undefined;
  constructor(message: string, options: MaasErrorOptions & { step?: string | undefined } = {}) {
    super(message, options);
    this.step = options.step;
  }
  override toJSON(): Record<string, unknown> {
    return this.step === undefined ? super.toJSON() : { ...super.toJSON(), step: this.step };
  }
}
