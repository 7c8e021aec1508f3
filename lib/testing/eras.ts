import type { MaasEra } from './types.js';

/** Everything that differs between the simulated MAAS versions (docs/maas-upload-protocol.md#differences-between-eras). */
export interface EraFacts {
  readonly era: MaasEra;
  readonly defaultVersion: string;
  /** Registered operating systems in registration order (docs/maas-upload-protocol.md#name-rules). */
  readonly osystems: readonly string[];
  /** OSes a custom image may be based on (docs/maas-upload-protocol.md#base-image). */
  readonly baseImageOsystems: readonly string[];
  /** `commissioning_osystem/commissioning_distro_series` default for base_image (docs/maas-upload-protocol.md#base-image). */
  readonly defaultBaseImage: string;
  /** Boot-resource type filter values (docs/maas-api.md#boot-resources). */
  readonly listTypes: readonly string[];
  /** 403 text for boot-resource writes by a non-admin (docs/maas-api.md#permissions). */
  readonly writeForbidden: string;
  /** `custom/foo` is stored as `foo` (≤3.7) or kept (3.8) (docs/maas-upload-protocol.md#name-rules step 3). */
  readonly stripsCustomPrefix: boolean;
  /** A multipart `content` part carries the whole image (≤3.7, docs/maas-upload-protocol.md#request-encoding). */
  readonly acceptsContent: boolean;
  /** JSON shows `filename_on_disk` (3.5.2+) and `base_image` (3.5+) (docs/maas-upload-protocol.md#differences-between-eras). */
  readonly rendersDiskFields: boolean;
  /** Upload handler visible in `describe/` (3.8+, docs/maas-api.md#describe). */
  readonly uploadHandlerDescribed: boolean;
  /** 3.8 rejects a non-integer oauth_timestamp with 400 (docs/maas-api.md#the-300-s-window). */
  readonly strictTimestamp: boolean;
  /** Python's message for `a, b = "x/y/z".split("/")` (docs/maas-upload-protocol.md#name-rules step 1). */
  tooManySlashes(parts: number): string;
  /** PUT check 5 text (docs/maas-upload-protocol.md#checks-in-order). */
  wrongTypeMessage(rtype: number): string;
}

const OS_37 = ['ubuntu', 'ubuntu-core', 'bootloader', 'centos', 'rhel', 'custom', 'windows', 'suse', 'esxi', 'ol'];

export const ERAS: Record<MaasEra, EraFacts> = {
  '3.4': {
    era: '3.4',
    defaultVersion: '3.4.10',
    osystems: OS_37,
    baseImageOsystems: ['ubuntu', 'centos', 'rhel'],
    defaultBaseImage: 'ubuntu/jammy',
    listTypes: ['synced', 'generated', 'uploaded'],
    writeForbidden: 'This method is reserved for admin users.',
    stripsCustomPrefix: true,
    acceptsContent: true,
    rendersDiskFields: false,
    uploadHandlerDescribed: false,
    strictTimestamp: false,
    tooManySlashes: () => 'too many values to unpack (expected 2)',
    // ≤3.4 allowed Generated (1) and ended the message with a space (docs/maas-upload-protocol.md#checks-in-order row 5).
    wrongTypeMessage: (rtype) => `Cannot upload to a resource of type: ${rtype}. `,
  },
  '3.7': {
    era: '3.7',
    defaultVersion: '3.7.3',
    osystems: OS_37,
    baseImageOsystems: ['ubuntu', 'centos', 'rhel', 'ol'],
    defaultBaseImage: 'ubuntu/noble',
    listTypes: ['synced', 'uploaded'],
    writeForbidden: 'This method is reserved for admin users.',
    stripsCustomPrefix: true,
    acceptsContent: true,
    rendersDiskFields: true,
    uploadHandlerDescribed: false,
    strictTimestamp: false,
    tooManySlashes: () => 'too many values to unpack (expected 2)',
    wrongTypeMessage: (rtype) => `Cannot upload to a resource of type: ${rtype}.`,
  },
  '3.8': {
    era: '3.8',
    defaultVersion: '3.8.0',
    osystems: [...OS_37, 'onie'],
    baseImageOsystems: ['ubuntu', 'centos', 'rhel', 'ol'],
    defaultBaseImage: 'ubuntu/noble',
    listTypes: ['synced', 'uploaded'],
    writeForbidden:
      "User does not have permission to perform this operation. The user should have permission 'can_edit_boot_entities'",
    stripsCustomPrefix: false,
    acceptsContent: false,
    rendersDiskFields: true,
    uploadHandlerDescribed: true,
    strictTimestamp: true,
    // 3.8 requires Python ≥ 3.14, which appends the count.
    tooManySlashes: (parts) => `too many values to unpack (expected 2, got ${parts})`,
    wrongTypeMessage: (rtype) => `Cannot upload to a resource of type: ${rtype}.`,
  },
};

/** Ubuntu series distro-info knows (docs/maas-upload-protocol.md#base-image: `ubuntu/22.04` is not a valid base image). */
export const UBUNTU_SERIES = [
  'warty', 'hoary', 'breezy', 'dapper', 'edgy', 'feisty', 'gutsy', 'hardy', 'intrepid', 'jaunty',
  'karmic', 'lucid', 'maverick', 'natty', 'oneiric', 'precise', 'quantal', 'raring', 'saucy',
  'trusty', 'utopic', 'vivid', 'wily', 'xenial', 'yakkety', 'zesty', 'artful', 'bionic', 'cosmic',
  'disco', 'eoan', 'focal', 'groovy', 'hirsute', 'impish', 'jammy', 'kinetic', 'lunar', 'mantic',
  'noble', 'oracular', 'plucky', 'questing',
];

/** What images.maas.io offers, as BootSourceCache rows expand to reserved names (docs/maas-upload-protocol.md#name-rules step 2). */
export const DEFAULT_RESERVED_NAMES = [
  'ubuntu/focal', 'ubuntu/jammy', 'ubuntu/noble', 'ubuntu', 'focal', 'jammy', 'noble',
  'centos/centos70', 'centos/centos8', 'centos/centos8-stream', 'centos', 'centos70', 'centos8', 'centos8-stream',
];

export const DEFAULT_ARCHITECTURES = ['amd64/generic', 'arm64/generic'];

/** `version/` capabilities (docs/maas-api.md#version-and-eras). */
export const CAPABILITIES = [
  'networks-management', 'static-ipaddresses', 'ipv6-deployment-ubuntu', 'devices-management',
  'storage-deployment-ubuntu', 'network-deployment-ubuntu', 'bridging-interface-ubuntu',
  'bridging-automatic-ubuntu', 'authenticate-api',
];

/** Upload `filetype` → stored filetype and filename (docs/maas-upload-protocol.md#fields). */
export const UPLOAD_FILETYPES: Readonly<Record<string, string>> = {
  tgz: 'root.tgz',
  tbz: 'root.tbz',
  txz: 'root.txz',
  ddtgz: 'root-dd',
  ddtbz: 'root-dd.tar.bz2',
  ddtxz: 'root-dd.tar.xz',
  ddtar: 'root-dd.tar',
  ddbz2: 'root-dd.bz2',
  ddgz: 'root-dd.gz',
  ddxz: 'root-dd.xz',
  ddraw: 'root-dd.raw',
};

/** The stored `filetype` for an upload `filetype` (only `tgz`/`tbz`/`txz` differ from the filename). */
export function storedFiletype(uploadType: string): string {
  const filename = UPLOAD_FILETYPES[uploadType]!;
  return filename.startsWith('root.') ? filename.replace('root.', 'root-') : filename;
}

/** Choice order as the form declares it (docs/maas-upload-protocol.md#fields). */
export const FILETYPE_CHOICES = ['tgz', 'tbz', 'txz', 'ddtgz', 'ddtbz', 'ddtxz', 'ddtar', 'ddbz2', 'ddgz', 'ddxz', 'ddraw'];
