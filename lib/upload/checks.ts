import { UploadInputError } from '../errors/index.js';
import { BOOT_RESOURCE_FILETYPES, type BootResourceFiletype, type MaasEra } from '../resources/types.js';

export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
/** The MAAS snap's nginx rejects bodies over 10 MiB with 413 (docs/maas-upload-protocol.md#body-size-and-chunk-size). */
export const MAX_CHUNK_SIZE = 10 * 1024 * 1024;

/** Registered operating systems, in MAAS's order (docs/maas-upload-protocol.md#name-rules). */
function registeredOperatingSystems(era: MaasEra): string[] {
  const base = ['ubuntu', 'ubuntu-core', 'bootloader', 'centos', 'rhel', 'custom', 'windows', 'suse', 'esxi', 'ol'];
  return era === '3.8' ? [...base, 'onie'] : base;
}

export function assertChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < 64 * 1024 || chunkSize > MAX_CHUNK_SIZE) {
    throw new UploadInputError(`Chunk size ${chunkSize} is out of range.`, {
      code: 'BAD_CHUNK_SIZE',
      hint: 'Use a --chunk-size between 64 KiB and 10 MiB (the MAAS snap\'s nginx limit); the default is 8 MiB.',
    });
  }
}

export function assertFiletype(filetype: string): asserts filetype is BootResourceFiletype {
  if (!(BOOT_RESOURCE_FILETYPES as readonly string[]).includes(filetype)) {
    throw new UploadInputError(`Unknown filetype '${filetype}'.`, {
      code: 'BAD_FILETYPE',
      hint: `Use one of ${BOOT_RESOURCE_FILETYPES.join(', ')} (ESXi images: filetype=ddgz).`,
    });
  }
}

/**
 * The checks MAAS would fail with an unhelpful message, done before any write
 * (docs/maas-upload-protocol.md#name-rules, #architecture-rules): more than one '/' is a 500 on the server, an unknown OS prefix a
 * 400, a malformed architecture a 400 listing choices.
 */
export function assertNameAndArchitecture(name: string, architecture: string, era: MaasEra): void {
  if (name.trim() === '') {
    throw new UploadInputError('The image name is empty.', { code: 'BAD_NAME', hint: 'Pass name=esxi/<release>, e.g. name=esxi/8.0.' });
  }
  const slashes = name.split('/').length - 1;
  if (slashes > 1) {
    throw new UploadInputError(`Name '${name}' has more than one '/'; MAAS fails such names with a server error.`, {
      code: 'BAD_NAME',
      hint: 'Use <os>/<release> with a single slash, e.g. name=esxi/8.0u3.',
    });
  }
  if (slashes === 1) {
    const os = name.split('/')[0]!;
    const known = registeredOperatingSystems(era);
    if (!known.includes(os)) {
      throw new UploadInputError(`'${os}' is not an operating system MAAS knows.`, {
        code: 'BAD_NAME',
        hint: `Start the name with one of ${known.join(', ')} (ESXi: name=esxi/<release>).`,
      });
    }
  }
  if (!/^[^/\s]+\/[^/\s]+$/.test(architecture)) {
    throw new UploadInputError(`Architecture '${architecture}' is not of the form <arch>/<subarch>.`, {
      code: 'BAD_ARCHITECTURE',
      hint: 'ESXi images use architecture=amd64/generic.',
    });
  }
}
