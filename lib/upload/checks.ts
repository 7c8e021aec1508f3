import { UploadInputError } from '../errors/index.js';
import { BOOT_RESOURCE_FILETYPES, type BootResourceFiletype, type BootResourceSummary, type MaasEra } from '../resources/types.js';

export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
/** The MAAS snap's nginx rejects bodies over 10 MiB with 413 (docs/maas-upload-protocol.md#body-size-and-chunk-size). */
export const MAX_CHUNK_SIZE = 10 * 1024 * 1024;
/** Smaller chunks only multiply requests (and signatures) for no gain. */
export const MIN_CHUNK_SIZE = 64 * 1024;

/** Registered operating systems, in MAAS's order (docs/maas-upload-protocol.md#name-rules). */
function registeredOperatingSystems(era: MaasEra): string[] {
  const base = ['ubuntu', 'ubuntu-core', 'bootloader', 'centos', 'rhel', 'custom', 'windows', 'suse', 'esxi', 'ol'];
  return era === '3.8' ? [...base, 'onie'] : base;
}

export function assertChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new UploadInputError(`Chunk size ${chunkSize} is out of range.`, {
      code: 'BAD_CHUNK_SIZE',
      hint: 'Use a chunkSize between 64 KiB and 10 MiB (the MAAS snap\'s nginx limit); the default is 8 MiB.',
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

/** What the server accepts, read from its boot resources before anything is hashed. */
interface ServerNameRules {
  /** Empty when MAAS lists no synced image: then the server's choices are unknown here. */
  usableArchitectures: readonly string[];
  reservedNames: ReadonlySet<string>;
}

const isKernel = (subarch: string): boolean => subarch.includes('hwe-') || subarch.includes('ga-');

/**
 * The usable architectures: each synced resource's architecture and `<arch>/<subarch>` for its
 * subarches, leaving out hwe-/ga- kernels (src/maasservicelayer/services/bootresources.py
 * get_usable_architectures, used by src/maasserver/forms/__init__.py list_all_usable_architectures).
 */
export function usableArchitectures(resources: readonly { architecture?: unknown; subarches?: unknown }[]): string[] {
  const seen = new Set<string>();
  for (const r of resources) {
    if (typeof r.architecture !== 'string' || !r.architecture.includes('/')) continue;
    if (!isKernel(r.architecture)) seen.add(r.architecture);
    const arch = r.architecture.split('/')[0]!;
    const subarches = typeof r.subarches === 'string' ? r.subarches.split(',') : [];
    for (const sub of subarches.map((x) => x.trim()).filter((x) => x !== '' && !isKernel(x))) seen.add(`${arch}/${sub}`);
  }
  return [...seen].sort();
}

/**
 * BootResourceForm.clean_name reserves the `os/release` names its boot sources publish and
 * either part of them (docs/maas-upload-protocol.md#name-rules); the synced images MAAS lists
 * are what a client can see of those.
 */
export function serverNameRules(resources: readonly BootResourceSummary[]): ServerNameRules {
  const synced = resources.filter((r) => r.type === 'Synced');
  const reservedNames = new Set<string>();
  for (const r of synced) {
    reservedNames.add(r.name);
    for (const part of r.name.split('/')) reservedNames.add(part);
  }
  return { usableArchitectures: usableArchitectures(synced), reservedNames };
}

function assertNotReserved(name: string, era: MaasEra, rules: ServerNameRules | undefined): void {
  const osName = registeredOperatingSystems(era).includes(name);
  if (osName || /^centos\d\d?$/.test(name) || rules?.reservedNames.has(name)) {
    throw new UploadInputError(`'${name}' is a reserved name in MAAS (${osName ? 'an operating system' : 'an image its boot sources provide'}), so MAAS refuses it.`, {
      code: 'BAD_NAME',
      hint: 'Choose another name, e.g. name=esxi/8.0 or name=custom/my-image.',
    });
  }
}

function assertUsableArchitecture(architecture: string, rules: ServerNameRules | undefined): void {
  const usable = rules?.usableArchitectures ?? [];
  if (usable.length === 0 || usable.includes(architecture)) return;
  const list = usable.length === 1 ? usable[0]! : `${usable.slice(0, -1).join(', ')} and ${usable.at(-1)!}`;
  throw new UploadInputError(`MAAS does not accept architecture '${architecture}'; it accepts ${list}.`, {
    code: 'BAD_ARCHITECTURE',
    hint: `Use one of them, e.g. architecture=${usable.includes('amd64/generic') ? 'amd64/generic' : usable[0]!} (ESXi images are amd64/generic).`,
  });
}

/**
 * The checks MAAS would fail with an unhelpful message, done before any write
 * (docs/maas-upload-protocol.md#name-rules, #architecture-rules): more than one '/' is a 500 on the server, an unknown OS prefix a
 * 400, a reserved name or an architecture the server does not offer a 400 — after the hash, had
 * we not checked first.
 */
export function assertNameAndArchitecture(name: string, architecture: string, era: MaasEra, rules?: ServerNameRules): void {
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
  assertNotReserved(name, era, rules);
  if (!/^[^/\s]+\/[^/\s]+$/.test(architecture)) {
    throw new UploadInputError(`Architecture '${architecture}' is not of the form <arch>/<subarch>.`, {
      code: 'BAD_ARCHITECTURE',
      hint: 'ESXi images use architecture=amd64/generic.',
    });
  }
  assertUsableArchitecture(architecture, rules);
}
