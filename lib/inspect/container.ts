/**
 * What kind of file an image is, from magic bytes (docs/image-inspection.md#containers): the
 * compressions MAAS accepts for disk images, and the files people mistake for one.
 */
import { basename } from 'node:path';
import type { Compression } from './decompressed-stream.js';
import { ImageInspectError } from './errors.js';

/** The MAAS filetype of a raw disk image in each compression (docs/maas-upload-protocol.md#fields). */
export const DISK_FILETYPE: Record<Compression, 'ddgz' | 'ddxz' | 'ddbz2' | 'ddraw'> = { gzip: 'ddgz', xz: 'ddxz', bzip2: 'ddbz2', none: 'ddraw' };

export function compressionOf(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  return 'none';
}

/** The ISO 9660 volume descriptor's id at 32 KiB + 1 (ECMA-119 8.1), tar's `ustar` at 257, qcow2's `QFI\xfb`. */
export function refuseNonDisk(path: string, head: Buffer, compression: Compression): void {
  const wrapped = compression === 'none' ? '' : `${compression}-compressed `;
  const name = basename(path);
  if (head.length >= 32774 && head.toString('latin1', 32769, 32774) === 'CD001') {
    throw new ImageInspectError(`${name} is ${wrapped ? `a ${wrapped}` : 'an '}ISO 9660 image (an installer ISO), not a disk image MAAS can deploy.`, {
      code: 'ISO9660',
      hint: `Build a disk image from it first: maas-esxi build --iso ${name}.`,
    });
  }
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') {
    throw new ImageInspectError(`${name} is a ${wrapped}tar archive, not a raw disk image.`, {
      code: 'TAR',
      hint: 'Upload it with filetype=ddtgz (gzip) or ddtar, or extract the disk image from it and inspect that.',
    });
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x514649fb) {
    throw new ImageInspectError(`${name} is a ${wrapped}qcow2 image, which MAAS cannot deploy.`, {
      code: 'QCOW2',
      hint: `Convert it to a raw disk image and compress it: qemu-img convert -O raw ${name} disk.raw && gzip disk.raw.`,
    });
  }
}
