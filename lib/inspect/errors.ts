import { MaasError } from '../errors/index.js';

/** What is wrong with an image, for scripts that branch on it. */
export type ImageProblem = 'NOT_FOUND' | 'EMPTY' | 'ISO9660' | 'TAR' | 'QCOW2' | 'TRUNCATED' | 'DECOMPRESSOR_MISSING' | 'UNREADABLE' | 'NO_HOOKS';

/**
 * An image `inspect` cannot read as a MAAS disk image — the wrong container (ISO 9660, tar,
 * qcow2) or a truncated file — or one an upload must refuse (no MAAS hooks). The CLI exits 1
 * (a local error) with the message and the hint.
 */
export class ImageInspectError extends MaasError {
  override name = 'ImageInspectError' as const;
  constructor(message: string, options: { code: ImageProblem; hint: string; cause?: unknown }) {
    super(message, options);
  }
}
