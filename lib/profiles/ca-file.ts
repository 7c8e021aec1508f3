import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MaasConfigError } from '../errors/index.js';

/**
 * `~/.maascli.certs/<name>.pem`, the CA bundle `maas login --cacerts` stores per profile
 * (docs/maas-cli.md#profile-database-location, canonical/maas `src/maascli/cli.py:33`). `home` is the HOME the maas CLI ran with:
 * for the snap that is `~/snap/maas/current` (use `ProfileStore.certsHome`).
 */
export function caCertPath(home: string, profileName: string): string {
  if (!isSafeFileName(profileName)) {
    throw new MaasConfigError(`Profile name '${profileName}' cannot be used as a file name.`, {
      hint: 'Use a profile name without "/" (e.g. admin).',
    });
  }
  return join(home, '.maascli.certs', `${profileName}.pem`);
}

export function isSafeFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/**
 * Store the PEM as `maas login` does: directory and file with default modes (a CA certificate
 * is public; docs/maas-cli.md#files-and-permissions). Returns the path written.
 */
export function writeProfileCaCert(home: string, profileName: string, pem: string): string {
  const path = caCertPath(home, profileName);
  mkdirSync(join(home, '.maascli.certs'), { recursive: true });
  writeFileSync(path, pem, 'utf8');
  return path;
}

/** `maas logout` removes the file with `missing_ok=True` (docs/maas-cli.md#login-logout-list-refresh). */
export function removeProfileCaCert(home: string, profileName: string): void {
  if (!isSafeFileName(profileName)) return;
  rmSync(join(home, '.maascli.certs', `${profileName}.pem`), { force: true });
}

/**
 * Read a CA bundle and check that it holds a certificate — `maas login` loads the first one
 * with pyOpenSSL and refuses "Invalid PEM material" (docs/maas-cli.md#login-sequence step 2); we check every
 * source up front so a bad file fails here with its name rather than as an obscure TLS error.
 * `source` says where the path came from (`--cacerts`, `MAAS_API_CACERT`, …).
 */
export function readCaFile(path: string, source: string): string {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new MaasConfigError(`Cannot read the CA file ${path} (${source}): ${code}.`, {
      hint: 'Give a readable PEM file with the CA certificate of the MAAS server.',
      code,
      cause: err,
    });
  }
  assertPem(pem, `${path} (${source})`);
  return pem;
}

/** Throws unless `pem` starts (after any preamble) with a parseable X.509 certificate. */
function assertPem(pem: string, what: string): void {
  try {
    new X509Certificate(pem);
  } catch {
    throw new MaasConfigError(`Invalid PEM material in ${what}.`, {
      hint: 'The file must contain a PEM certificate (-----BEGIN CERTIFICATE-----).',
    });
  }
}
