import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { UploadInputError } from '../errors/index.js';
import type { BootResourceFiletype } from '../resources/types.js';

type ContainerKind = 'gzip' | 'xz' | 'bzip2' | 'tar' | 'raw';
interface SniffResult {
  /** Outer format from the magic bytes. */
  outer: ContainerKind;
  /** For gzip: whether the decompressed payload is a tar archive (ustar at 257). */
  payloadIsTar?: boolean;
}

const HEAD_BYTES = 64 * 1024;

/** Identify an image by its magic bytes, reading at most 64 KiB (never the whole file). */
export async function sniffImageType(path: string): Promise<SniffResult> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(head, 0, HEAD_BYTES, 0);
    const buf = head.subarray(0, bytesRead);
    if (buf[0] === 0x1f && buf[1] === 0x8b) return { outer: 'gzip', payloadIsTar: isTar(await gunzipPrefix(buf, 512)) };
    if (buf.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return { outer: 'xz' };
    if (buf.subarray(0, 3).toString('latin1') === 'BZh') return { outer: 'bzip2' };
    if (isTar(buf)) return { outer: 'tar' };
    return { outer: 'raw' };
  } finally {
    await fh.close();
  }
}

function isTar(buf: Buffer): boolean {
  return buf.length >= 262 && buf.subarray(257, 262).toString('latin1') === 'ustar';
}

/** Decompress just enough of a gzip prefix to look at the payload's first `want` bytes. */
function gunzipPrefix(compressed: Buffer, want: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const gunzip = createGunzip();
    const parts: Buffer[] = [];
    let got = 0;
    const finish = (): void => {
      gunzip.removeAllListeners();
      gunzip.on('error', () => undefined);
      gunzip.destroy();
      resolve(Buffer.concat(parts));
    };
    gunzip.on('data', (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= want) finish();
    });
    gunzip.on('end', finish);
    // A truncated prefix ends in an "unexpected end of file" error: what we have is enough.
    gunzip.on('error', finish);
    gunzip.end(compressed);
  });
}

/** What each MAAS filetype must look like (docs/maas-upload-protocol.md#fields). */
const EXPECTED: Record<BootResourceFiletype, { outer: ContainerKind; tar?: boolean; describe: string }> = {
  tgz: { outer: 'gzip', tar: true, describe: 'a gzip-compressed tar archive' },
  ddtgz: { outer: 'gzip', tar: true, describe: 'a gzip-compressed tar archive holding a disk image' },
  ddgz: { outer: 'gzip', tar: false, describe: 'a gzip-compressed raw disk image' },
  tbz: { outer: 'bzip2', describe: 'a bzip2-compressed tar archive' },
  ddtbz: { outer: 'bzip2', describe: 'a bzip2-compressed tar archive holding a disk image' },
  ddbz2: { outer: 'bzip2', describe: 'a bzip2-compressed raw disk image' },
  txz: { outer: 'xz', describe: 'an xz-compressed tar archive' },
  ddtxz: { outer: 'xz', describe: 'an xz-compressed tar archive holding a disk image' },
  ddxz: { outer: 'xz', describe: 'an xz-compressed raw disk image' },
  ddtar: { outer: 'tar', describe: 'an uncompressed tar archive holding a disk image' },
  ddraw: { outer: 'raw', describe: 'an uncompressed raw disk image' },
};

/** The filetype that matches what was sniffed, for the error's fix. */
export function suggestFiletype(s: SniffResult): BootResourceFiletype {
  switch (s.outer) {
    case 'gzip':
      return s.payloadIsTar ? 'ddtgz' : 'ddgz';
    case 'xz':
      return 'ddxz';
    case 'bzip2':
      return 'ddbz2';
    case 'tar':
      return 'ddtar';
    default:
      return 'ddraw';
  }
}

/**
 * A wrong filetype uploads fine and then deploys nothing (packer-maas issues 271/278/304), so a
 * mismatch between `filetype` and the content is an error before any network write.
 */
export function assertFiletypeMatches(filetype: BootResourceFiletype, sniffed: SniffResult, path: string): void {
  const want = EXPECTED[filetype];
  const outerOk = want.outer === sniffed.outer;
  const tarOk = want.tar === undefined || sniffed.payloadIsTar === undefined || want.tar === sniffed.payloadIsTar;
  if (outerOk && tarOk) return;
  const suggestion = suggestFiletype(sniffed);
  const found = describeSniffed(sniffed);
  throw new UploadInputError(`filetype=${filetype} expects ${want.describe}, but ${path} is ${found}.`, {
    code: 'FILETYPE_MISMATCH',
    hint: `Use filetype=${suggestion} for this file (an ESXi image built by packer is a .dd.gz: filetype=ddgz).`,
  });
}

function describeSniffed(s: SniffResult): string {
  switch (s.outer) {
    case 'gzip':
      return s.payloadIsTar ? 'a gzip-compressed tar archive' : 'gzip-compressed data that is not a tar archive';
    case 'xz':
      return 'xz-compressed data';
    case 'bzip2':
      return 'bzip2-compressed data';
    case 'tar':
      return 'an uncompressed tar archive';
    default:
      return 'uncompressed data';
  }
}
