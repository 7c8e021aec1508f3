// The pre-checks run before any write (docs/maas-upload-protocol.md#name-rules, #architecture-rules,
// #body-size-and-chunk-size): each refusal names the problem and the fix.
import t from 'tap';
import { UploadInputError } from '../../lib/errors/index.js';
import { assertChunkSize, assertFiletype, assertNameAndArchitecture, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, serverNameRules, usableArchitectures } from '../../lib/upload/checks.js';
import type { BootResourceSummary, MaasEra } from '../../lib/resources/types.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { assertFiletypeMatches, sniffImageType, suggestFiletype } from '../../lib/upload/sniff.js';

const KiB = 1024;
const MiB = 1024 * KiB;

t.test('chunk size: 64 KiB to 10 MiB, whole bytes; the default is 8 MiB', async (t) => {
  t.equal(DEFAULT_CHUNK_SIZE, 8 * MiB);
  t.equal(MAX_CHUNK_SIZE, 10 * MiB, "the MAAS snap's nginx client_max_body_size");
  for (const ok of [64 * KiB, 8 * MiB, 10 * MiB]) t.doesNotThrow(() => assertChunkSize(ok), `${ok}`);
  for (const bad of [0, 64 * KiB - 1, 10 * MiB + 1, 1.5 * MiB + 0.5, Number.NaN]) {
    const e = t.throws(() => assertChunkSize(bad), `${bad}`) as UploadInputError;
    t.ok(e instanceof UploadInputError);
    t.same([e.code, e.message], ['BAD_CHUNK_SIZE', `Chunk size ${bad} is out of range.`]);
    t.match(e.hint, /between 64 KiB and 10 MiB/);
  }
});

t.test('filetype: one of MAAS names, else the list', async (t) => {
  t.doesNotThrow(() => assertFiletype('ddgz'));
  t.doesNotThrow(() => assertFiletype('tgz'));
  const e = t.throws(() => assertFiletype('dd.gz')) as UploadInputError;
  t.same([e.code, e.message], ['BAD_FILETYPE', "Unknown filetype 'dd.gz'."]);
  t.match(e.hint, /Use one of tgz, .*ddgz/);
});

t.test('name: not empty, at most one slash, a registered OS before it', async (t) => {
  const refuse = (name: string, era: '3.4' | '3.7' | '3.8' = '3.8') => t.throws(() => assertNameAndArchitecture(name, 'amd64/generic', era)) as UploadInputError;
  const empty = refuse('  ');
  t.same([empty.code, empty.message], ['BAD_NAME', 'The image name is empty.']);
  const two = refuse('esxi/8.0/u3');
  t.same([two.code, two.message], ['BAD_NAME', "Name 'esxi/8.0/u3' has more than one '/'; MAAS fails such names with a server error."]);
  const os = refuse('vmware/8.0');
  t.same([os.code, os.message], ['BAD_NAME', "'vmware' is not an operating system MAAS knows."]);
  t.match(os.hint, /ubuntu, ubuntu-core, bootloader, centos, rhel, custom, windows, suse, esxi, ol, onie/);
  t.match(refuse('onie/1', '3.7').hint, /esxi, ol \(ESXi/, 'onie only from 3.8 on');
  t.doesNotThrow(() => assertNameAndArchitecture('onie/1', 'amd64/generic', '3.8'));
  for (const name of ['esxi/8.0', 'custom/k', 'plain-name', 'ol/9']) t.doesNotThrow(() => assertNameAndArchitecture(name, 'amd64/generic', '3.4'), name);
});

t.test('architecture: <arch>/<subarch>, nothing else', async (t) => {
  for (const bad of ['amd64', 'amd64/', '/generic', 'amd64/generic/x', 'amd 64/generic', 'amd64/gen eric', 'x amd64/generic']) {
    const e = t.throws(() => assertNameAndArchitecture('esxi/8.0', bad, '3.8'), bad) as UploadInputError;
    t.same([e.code, e.message], ['BAD_ARCHITECTURE', `Architecture '${bad}' is not of the form <arch>/<subarch>.`]);
  }
  t.doesNotThrow(() => assertNameAndArchitecture('esxi/8.0', 'arm64/generic', '3.8'));
});

// What the server's own boot resources say about names and architectures, before anything is
// hashed (docs/maas-upload-protocol.md#name-rules, #architecture-rules). Every expectation is
// written out by hand from those rules, never computed by the code under test.
const summary = (id: number, type: BootResourceSummary['type'], name: string, architecture: string, subarches?: string): BootResourceSummary => ({
  id,
  type,
  name,
  architecture,
  resource_uri: `/MAAS/api/2.0/boot-resources/${id}/`,
  ...(subarches === undefined ? {} : { subarches }),
});

/** A MAAS that has synced Ubuntu 22.04 for amd64 and arm64 and holds one uploaded image. */
const SYNCED_JAMMY: BootResourceSummary[] = [
  summary(1, 'Synced', 'ubuntu/jammy', 'amd64/ga-22.04', 'generic,hwe-p,hwe-q,hwe-r,ga-22.04'),
  summary(2, 'Synced', 'ubuntu/jammy', 'arm64/generic', 'generic, xgene-uboot ,,'),
  summary(3, 'Uploaded', 'custom/mine', 's390x/generic', 'generic'),
];

const refusal = (fn: () => void): UploadInputError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof UploadInputError) return e;
    throw e;
  }
  throw new Error('expected an UploadInputError, nothing was thrown');
};

t.test('the smallest chunk is 64 KiB', async (t) => {
  t.equal(MIN_CHUNK_SIZE, 65_536);
});

t.test('usable architectures: each architecture and <arch>/<subarch>, without hwe-/ga- kernels, sorted', async (t) => {
  t.same(usableArchitectures(SYNCED_JAMMY.slice(0, 2)), ['amd64/generic', 'arm64/generic', 'arm64/xgene-uboot']);
  t.same(usableArchitectures([{ architecture: 'amd64/hwe-22.04', subarches: 'hwe-22.04' }]), [], 'an hwe- kernel alone offers nothing');
  t.same(usableArchitectures([{ architecture: 'amd64/ga-20.04', subarches: 'ga-20.04' }]), [], 'a ga- kernel alone offers nothing');
  t.same(usableArchitectures([{ architecture: 'ppc64el/generic' }]), ['ppc64el/generic'], 'no subarches: the architecture itself');
  t.same(usableArchitectures([{ architecture: 'amd64/generic', subarches: ['generic'] }]), ['amd64/generic'], 'subarches that are not text are ignored');
  t.same(usableArchitectures([{ architecture: 'amd64' }, { architecture: 7 }, {}, { architecture: 'i386/generic' }]), ['i386/generic'], 'malformed rows are skipped, not fatal');
  t.same(usableArchitectures([{ architecture: 'armhf/generic', subarches: 'generic' }, { architecture: 'amd64/generic', subarches: 'generic' }]), ['amd64/generic', 'armhf/generic'], 'one entry each, sorted');
});

t.test('server name rules: only synced images reserve names, each part of their name too', async (t) => {
  const rules = serverNameRules(SYNCED_JAMMY);
  t.same([...rules.reservedNames].sort(), ['jammy', 'ubuntu', 'ubuntu/jammy']);
  t.same(rules.usableArchitectures, ['amd64/generic', 'arm64/generic', 'arm64/xgene-uboot'], 'an uploaded s390x image offers no architecture');
  t.same(serverNameRules([]), { usableArchitectures: [], reservedNames: new Set() });
});

t.test('reserved names: an OS name, centos<N>[<N>], or what a boot source provides', async (t) => {
  const rules = serverNameRules([summary(1, 'Synced', 'centos/centos8-stream', 'amd64/generic')]);
  const reserved = (name: string, era: MaasEra = '3.8') => refusal(() => assertNameAndArchitecture(name, 'amd64/generic', era, rules));
  const os = reserved('esxi');
  t.same([os.code, os.message], ['BAD_NAME', "'esxi' is a reserved name in MAAS (an operating system), so MAAS refuses it."]);
  t.match(os.hint, /name=esxi\/8\.0/);
  t.equal(reserved('onie').message, "'onie' is a reserved name in MAAS (an operating system), so MAAS refuses it.", '3.8 registers onie');
  t.doesNotThrow(() => assertNameAndArchitecture('onie', 'amd64/generic', '3.7'), 'before 3.8 onie is a plain name');
  // CentOS releases are centos<major>[<minor>] (src/provisioningserver/drivers/osystem/centos.py DISTRO_MATCHER).
  for (const name of ['centos7', 'centos70']) {
    t.equal(reserved(name, '3.7').message, `'${name}' is a reserved name in MAAS (an image its boot sources provide), so MAAS refuses it.`, name);
  }
  for (const name of ['centos700', 'my-centos70', 'centos7x']) t.doesNotThrow(() => assertNameAndArchitecture(name, 'amd64/generic', '3.7', rules), name);
  t.equal(reserved('centos8-stream').message, "'centos8-stream' is a reserved name in MAAS (an image its boot sources provide), so MAAS refuses it.");
  t.equal(reserved('centos/centos8-stream').code, 'BAD_NAME', 'the whole os/release');
  t.doesNotThrow(() => assertNameAndArchitecture('centos/centos8-stream', 'amd64/generic', '3.8'), 'without server rules only the static ones apply');
});

t.test('architectures: one the server lists, said in a readable list with a fix', async (t) => {
  const one = serverNameRules([summary(1, 'Synced', 'ubuntu/noble', 'arm64/generic')]);
  const e1 = refusal(() => assertNameAndArchitecture('esxi/8.0', 'amd64/generic', '3.8', one));
  t.same([e1.code, e1.message], ['BAD_ARCHITECTURE', "MAAS does not accept architecture 'amd64/generic'; it accepts arm64/generic."]);
  t.equal(e1.hint, 'Use one of them, e.g. architecture=arm64/generic (ESXi images are amd64/generic).', 'no amd64/generic to offer: the first one');
  const two = serverNameRules([summary(1, 'Synced', 'ubuntu/noble', 'arm64/generic'), summary(2, 'Synced', 'ubuntu/noble', 'amd64/generic')]);
  t.equal(refusal(() => assertNameAndArchitecture('esxi/8.0', 'amd64/hwe-24.04', '3.8', two)).message, "MAAS does not accept architecture 'amd64/hwe-24.04'; it accepts amd64/generic and arm64/generic.");
  const three = serverNameRules(SYNCED_JAMMY);
  const e3 = refusal(() => assertNameAndArchitecture('esxi/8.0', 'i386/generic', '3.8', three));
  t.equal(e3.message, "MAAS does not accept architecture 'i386/generic'; it accepts amd64/generic, arm64/generic and arm64/xgene-uboot.");
  t.equal(e3.hint, 'Use one of them, e.g. architecture=amd64/generic (ESXi images are amd64/generic).', 'amd64/generic offered first when listed');
  t.doesNotThrow(() => assertNameAndArchitecture('esxi/8.0', 'arm64/xgene-uboot', '3.8', three), 'a listed subarch');
  const before = serverNameRules([summary(1, 'Synced', 'ubuntu/noble', 'amd64/generic', 'generic,a-variant')]);
  t.equal(refusal(() => assertNameAndArchitecture('esxi/8.0', 'i386/generic', '3.8', before)).hint, 'Use one of them, e.g. architecture=amd64/generic (ESXi images are amd64/generic).', 'amd64/generic even when another sorts first');
  t.doesNotThrow(() => assertNameAndArchitecture('esxi/8.0', 'riscv64/generic', '3.8', serverNameRules([])), 'nothing synced: the server decides');
});

t.test('name checks come before the architecture check, in MAAS order', async (t) => {
  const e = refusal(() => assertNameAndArchitecture('esxi', 'nonsense', '3.8'));
  t.equal(e.code, 'BAD_NAME', 'a reserved name is reported even with a bad architecture');
  t.equal(refusal(() => assertNameAndArchitecture('vmware/8', 'nonsense', '3.8')).code, 'BAD_NAME');
  t.equal(refusal(() => assertNameAndArchitecture('esxi/8.0', 'nonsense', '3.8')).code, 'BAD_ARCHITECTURE');
  t.match(refusal(() => assertNameAndArchitecture('', 'amd64/generic', '3.8')).hint, /name=esxi\/<release>/);
  t.match(refusal(() => assertNameAndArchitecture('a/b/c', 'amd64/generic', '3.8')).hint, /single slash/);
  t.match(refusal(() => assertNameAndArchitecture('esxi/8.0', 'amd64', '3.8')).hint, /architecture=amd64\/generic/);
});

// The image's bytes against the filetype given (lib/upload/sniff.ts), also before any write.
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
