import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { assertFiletypeMatches, sniffImageType, suggestFiletype } from '../../lib/upload/sniff.js';
import { UploadInputError } from '../../lib/errors/index.js';

function tarHeader(): Buffer {
  const b = Buffer.alloc(1024);
  b.write('disk.img', 0);
  b.write('ustar', 257, 'latin1');
  return b;
}

t.test('magic bytes decide the container, gzip payloads are looked into', async (t) => {
  const dir = t.testdir({});
  const raw = Buffer.alloc(200_000, 7);
  const files: Record<string, Buffer> = {
    'img.dd.gz': gzipSync(raw),
    'img.tgz': gzipSync(Buffer.concat([tarHeader(), raw])),
    'img.xz': Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2]),
    'img.bz2': Buffer.from('BZh91AY&SY'),
    'img.tar': Buffer.concat([tarHeader(), raw]),
    'img.raw': raw,
  };
  for (const [n, b] of Object.entries(files)) writeFileSync(join(dir, n), b);
  t.same(await sniffImageType(join(dir, 'img.dd.gz')), { outer: 'gzip', payloadIsTar: false });
  t.same(await sniffImageType(join(dir, 'img.tgz')), { outer: 'gzip', payloadIsTar: true });
  t.same(await sniffImageType(join(dir, 'img.xz')), { outer: 'xz' });
  t.same(await sniffImageType(join(dir, 'img.bz2')), { outer: 'bzip2' });
  t.same(await sniffImageType(join(dir, 'img.tar')), { outer: 'tar' });
  t.same(await sniffImageType(join(dir, 'img.raw')), { outer: 'raw' });
  t.equal(suggestFiletype({ outer: 'gzip', payloadIsTar: false }), 'ddgz');
  t.equal(suggestFiletype({ outer: 'gzip', payloadIsTar: true }), 'ddtgz');
});

t.test('a filetype that does not match the content is refused with the fix (packer-maas #271/#278/#304)', async (t) => {
  const err = t.throws(() => assertFiletypeMatches('ddtgz', { outer: 'gzip', payloadIsTar: false }, '/x/vmware-esxi.dd.gz')) as UploadInputError;
  t.ok(err instanceof UploadInputError);
  t.equal(err.code, 'FILETYPE_MISMATCH');
  t.match(err.message, /filetype=ddtgz expects a gzip-compressed tar archive holding a disk image, but \/x\/vmware-esxi\.dd\.gz is gzip-compressed data that is not a tar archive/);
  t.match(err.hint, /filetype=ddgz/);
  t.throws(() => assertFiletypeMatches('ddraw', { outer: 'gzip', payloadIsTar: false }, 'f'), { code: 'FILETYPE_MISMATCH' });
  t.throws(() => assertFiletypeMatches('ddgz', { outer: 'raw' }, 'f'), { code: 'FILETYPE_MISMATCH' });
  t.doesNotThrow(() => assertFiletypeMatches('ddgz', { outer: 'gzip', payloadIsTar: false }, 'f'));
  t.doesNotThrow(() => assertFiletypeMatches('tgz', { outer: 'gzip', payloadIsTar: true }, 'f'));
  t.doesNotThrow(() => assertFiletypeMatches('ddxz', { outer: 'xz' }, 'f'));
  t.doesNotThrow(() => assertFiletypeMatches('ddraw', { outer: 'raw' }, 'f'));
});
