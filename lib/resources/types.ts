/**
 * Typed MAAS API 2.0 shapes for the resources this product uses (docs/maas-api.md#version-and-eras, #users, docs/maas-upload-protocol.md#the-answer, docs/maas-api.md#boot-resources).
 * Field names are MAAS's own so JSON printed by the CLI matches what `maas` prints.
 */

/** `GET version/` (docs/maas-api.md#version-and-eras). */
export interface MaasVersionInfo {
  capabilities: string[];
  /** e.g. "3.6.0", "3.7.0~beta2", "3.8.0~rc1", or "None" when no controller reported one. */
  version: string;
  subversion: string;
}

/**
 * The behaviour era that decides upload semantics (docs/maas-upload-protocol.md#eras, #differences-between-eras), named for the release
 * that represents it: '3.4' = up to 3.4 (Postgres large objects), '3.7' = 3.5 to 3.7 (positional
 * writes on disk), '3.8' = 3.8 and later (append-only writes on disk). The SDK derives it from
 * `version/`; the simulator (`maas-esxi/testing`) imitates it.
 */
export type MaasEra = '3.4' | '3.7' | '3.8';

/**
 * A MAAS architecture is always `<arch>/<subarch>`, e.g. `amd64/generic`
 * (docs/maas-upload-protocol.md#architecture-rules): a bare `amd64` is refused by the compiler.
 */
export type Architecture = `${string}/${string}`;

/** One action of a handler in `GET describe/` (maasserver's `describe_handler`). */
export interface MaasApiAction {
  name: string;
  op: string | null;
  method: string;
  restful: boolean;
  doc: string;
}

/** One handler in `GET describe/` (docs/maas-api.md#describe). */
export interface MaasApiHandler {
  name: string;
  doc: string;
  path: string;
  params: string[];
  /** Absolute URL, per request from the Host the client used. */
  uri?: string;
  actions: MaasApiAction[];
}

/** `GET describe/`: what the official CLI builds its commands from (docs/maas-api.md#describe). */
export interface MaasDescription {
  doc: string;
  hash: string;
  handlers: MaasApiHandler[];
  resources: { name: string; anon: MaasApiHandler | null; auth: MaasApiHandler | null }[];
}

/** `GET users/?op=whoami` (docs/maas-api.md#users). */
export interface MaasUser {
  username: string;
  email: string;
  is_local: boolean;
  is_superuser: boolean;
  resource_uri: string;
}

/** Upload filetypes accepted by `boot-resources create` (docs/maas-upload-protocol.md#fields). */
export const BOOT_RESOURCE_FILETYPES = [
  'tgz',
  'tbz',
  'txz',
  'ddtgz',
  'ddtbz',
  'ddtxz',
  'ddtar',
  'ddbz2',
  'ddgz',
  'ddxz',
  'ddraw',
] as const;
export type BootResourceFiletype = (typeof BOOT_RESOURCE_FILETYPES)[number];

export type BootResourceType = 'Synced' | 'Uploaded' | 'Generated';

export interface BootResourceFile {
  filename: string;
  filetype: string;
  sha256: string;
  size: number;
  complete: boolean;
  /** Present only while incomplete; meaning differs per era (docs/maas-upload-protocol.md#deriving-the-offset). */
  progress?: number;
  /** Present only while incomplete on uploaded resources: `/MAAS/api/2.0/boot-resources/<r>/upload/<f>/`. */
  upload_uri?: string;
  /** 3.5.2+/3.6+. */
  filename_on_disk?: string;
}

export interface BootResourceSet {
  version: string;
  label: string;
  size: number;
  complete: boolean;
  progress?: number;
  files: Record<string, BootResourceFile>;
}

/** An item of `GET boot-resources/` (no sets, docs/maas-api.md#boot-resources). */
export interface BootResourceSummary {
  id: number;
  type: BootResourceType;
  name: string;
  architecture: string;
  resource_uri: string;
  last_deployed?: string | null;
  base_image?: string;
  subarches?: string;
  title?: string;
  [extra: string]: unknown;
}

/** `GET boot-resources/{id}/` and the 201 of create (docs/maas-upload-protocol.md#the-answer); sets newest first. */
export interface BootResource extends BootResourceSummary {
  sets: Record<string, BootResourceSet>;
}

/** Fields of `POST boot-resources/` (docs/maas-upload-protocol.md#fields); `content` is deliberately absent. */
export interface CreateBootResourceParams {
  name: string;
  architecture: Architecture;
  sha256: string;
  size: number;
  title?: string | undefined;
  filetype?: BootResourceFiletype | undefined;
  base_image?: string | undefined;
  keep_old?: boolean | undefined;
}
