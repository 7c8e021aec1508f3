import t from 'tap';
import { pairsToRecord, parseDataPair, UsageError } from '../../lib/cli/grammar.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import { parseByteSize } from '../../lib/cli/sizes.js';
import * as E from '../../lib/errors/index.js';

t.test('key=value / key@=file split at the first token, as the maas CLI (docs/maas-cli.md#command-grammar)', async (t) => {
  t.same(parseDataPair('a=b=c'), { key: 'a', value: 'b=c', fromFile: false });
  t.same(parseDataPair('content@=/path/img.gz'), { key: 'content', path: '/path/img.gz', fromFile: true });
  t.same(parseDataPair('a=b@=c'), { key: 'a', value: 'b@=c', fromFile: false });
  t.same(parseDataPair('a@b=c'), { key: 'a@b', value: 'c', fromFile: false });
  t.same(parseDataPair('name='), { key: 'name', value: '', fromFile: false });
  t.same(parseDataPair('=x'), { key: '', value: 'x', fromFile: false });
  t.same(parseDataPair('content@='), { key: 'content', path: '', fromFile: true });
  const err = t.throws(() => parseDataPair('novalue')) as UsageError;
  t.equal(err.message, "'novalue' is not a name=value or name@=filename pair");
  t.equal(exitCodeFor(err), 2);
  t.same(pairsToRecord([parseDataPair('a=1'), parseDataPair('a=2')])['a'], { key: 'a', value: '2', fromFile: false }, 'last wins (docs/maas-cli.md#boot-resources-create)');
});

t.test('exit codes follow the documented table (docs/architecture.md#the-cli)', async (t) => {
  t.equal(exitCodeFor(new E.MaasAbortError('x')), 130);
  t.equal(exitCodeFor(new E.UploadRetryError('x')), 5);
  t.equal(exitCodeFor(new E.MaasServerError('x')), 5);
  t.equal(exitCodeFor(new E.MaasTimeoutError('x')), 5);
  t.equal(exitCodeFor(new E.MaasNetworkError('x', { hint: 'retry' })), 5);
  t.equal(exitCodeFor(new E.UploadIntegrityError('x')), 7);
  t.equal(exitCodeFor(new E.MaasAuthError('x')), 4);
  t.equal(exitCodeFor(new E.MaasPermissionError('x')), 4);
  t.equal(exitCodeFor(new E.MaasValidationError('x')), 2);
  t.equal(exitCodeFor(new E.MaasNotFoundError('x')), 2);
  t.equal(exitCodeFor(new E.PackerError('x')), 3);
  t.equal(exitCodeFor(new E.PackerError('x', { code: 'CANCELLED' })), 130);
  t.equal(exitCodeFor(new E.UploadInputError('x')), 1);
  t.equal(exitCodeFor(new E.PrerequisiteError('x')), 1);
  t.equal(exitCodeFor(new E.MaasConfigError('x')), 1);
  t.equal(exitCodeFor(new Error('x')), 1);
});

t.test('sizes accept bytes and binary units', async (t) => {
  t.equal(parseByteSize('8388608', 'chunk-size'), 8 * 1024 * 1024);
  t.equal(parseByteSize('8M', 'chunk-size'), 8 * 1024 * 1024);
  t.equal(parseByteSize('8MiB', 'chunk-size'), 8 * 1024 * 1024);
  t.equal(parseByteSize('512k', 'chunk-size'), 512 * 1024);
  t.throws(() => parseByteSize('lots', 'chunk-size'), /not a size/);
});

t.test('--dry-run says what will really be sent: chunk count, size, plural', async (t) => {
  const { describeChunks } = await import('../../lib/cli/upload-run.js');
  const MiB = 1024 * 1024;
  t.equal(describeChunks({ size: MiB, chunkSize: 8 * MiB, chunks: 1, resumeFrom: 0 }), '1 chunk of 1.0 MiB', 'a 1 MiB file is one chunk of 1 MiB, not of 8 MiB');
  t.equal(describeChunks({ size: 16 * MiB, chunkSize: 8 * MiB, chunks: 2, resumeFrom: 0 }), '2 chunks of 8.0 MiB');
  t.equal(describeChunks({ size: 17 * MiB, chunkSize: 8 * MiB, chunks: 3, resumeFrom: 0 }), '3 chunks of 8.0 MiB, the last 1.0 MiB');
  t.equal(describeChunks({ size: 17 * MiB, chunkSize: 8 * MiB, chunks: 1, resumeFrom: 16 * MiB }), '1 chunk of 1.0 MiB', 'resuming: only what is left');
  t.equal(describeChunks({ size: MiB, chunkSize: 8 * MiB, chunks: 0, resumeFrom: MiB }), '0 chunks');
});

t.test('checkMaasUrl names the URL and its source and suggests the fix', async (t) => {
  const { checkMaasUrl } = await import('../../lib/cli/maas-url.js');
  t.doesNotThrow(() => checkMaasUrl('https://maas.example/MAAS/api/2.0/', 'x'));
  const e = t.throws(() => checkMaasUrl('maas:5240', "profile 'p'")) as E.MaasConfigError;
  t.equal(e.message, "'maas:5240' (profile 'p') is not a MAAS URL: it needs http:// or https:// and a host.");
  t.equal(e.hint, 'Write it as http://maas:5240/MAAS/.');
  t.equal(exitCodeFor(e), 1, 'a bad stored URL is a local error');
  t.equal((t.throws(() => checkMaasUrl('ftp://h/', 'x', true)) as E.MaasConfigError).hint, 'Write it as http://HOST:5240/MAAS/.');
  t.equal(exitCodeFor(t.throws(() => checkMaasUrl('h', 'x', true))), 2, 'a bad argument is a usage error');
});

t.test('usable architectures as MAAS derives them from its boot resources', async (t) => {
  const { usableArchitectures } = await import('../../lib/upload/checks.js');
  t.same(
    usableArchitectures([
      { architecture: 'amd64/ga-24.04', subarches: 'generic,hwe-p,ga-24.04' },
      { architecture: 'arm64/generic', subarches: 'generic,xgene-uboot' },
      { architecture: 'amd64/generic' },
      { name: 'no architecture' } as { architecture?: unknown },
    ]),
    ['amd64/generic', 'arm64/generic', 'arm64/xgene-uboot'],
  );
});
