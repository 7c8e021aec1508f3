// The pre-checks run before any write (docs/maas-upload-protocol.md#name-rules, #architecture-rules,
// #body-size-and-chunk-size): each refusal names the problem and the fix.
import t from 'tap';
import { UploadInputError } from '../../lib/errors/index.js';
import { assertChunkSize, assertFiletype, assertNameAndArchitecture, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE } from '../../lib/upload/checks.js';

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
