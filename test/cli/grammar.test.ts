import t from 'tap';
import { pairsToRecord, parseDataPair, UsageError } from '../../lib/cli/grammar.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import { parseByteSize } from '../../lib/cli/sizes.js';
import * as E from '../../lib/errors/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';

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

/** One or two full sentences: each starts with a capital, quote or backtick and ends with a stop. */
const SENTENCES = /^maas-esxi: error: (?:[^\n]*?[.?!] ){0,1}[^\n]*[.?!]\n$/;

// Yargs' raw messages become one line each, with "did you mean".
t.test('parser mistakes are one line with the close match', async (t) => {
  const home = tempDir(t);
  const env = { MAAS_API_URL: 'http://127.0.0.1:9/MAAS/', MAAS_API_KEY: 'a:b:c' };
  const cases: Array<[string[], RegExp]> = [
    [['env', 'uploads', 'frob'], /'frob' is not a valid action for uploads; choose list, resume or forget\./],
    [['env', 'uploads', 'resme'], /'resme' is not a valid action for uploads; did you mean resume\? Run/],
    [['env', 'create', 'name=x', '--limit-rat', '4M'], /Unknown option --limit-rat; did you mean --limit-rate\?/],
    [['env', 'boot-resources', 'read', '--jsn'], /Unknown option --jsn; did you mean --json\?/],
    [['env', 'boot-resource', 'read'], /boot-resource read needs <id>\./],
    [['lgin', 'admin', 'http://x/MAAS/'], /Unknown command or profile 'lgin'; did you mean login\?/],
    [['env', 'creat', 'name=x'], /Unknown command 'creat'; did you mean create\? Run/],
    [['env', 'boot-resources', 'raed'], /Unknown action 'raed' of boot-resources; did you mean read\?/],
  ];
  for (const [args, expected] of cases) {
    const r = await cli(args, { home, env });
    t.equal(r.code, 2, `${args.join(' ')} is a usage error`);
    t.equal(r.stdout, '', `${args.join(' ')}: nothing on stdout`);
    t.match(r.stderr, expected, args.join(' '));
    t.match(r.stderr, SENTENCES, `${args.join(' ')}: one line of full sentences`);
    t.notMatch(r.stderr, /[?.!][.?]/, `${args.join(' ')}: no doubled punctuation`);
    t.notMatch(r.stderr, /Argument:|Given:|Unknown arguments?:|non-option/, `${args.join(' ')}: no raw yargs text`);
  }
});

t.test('every error line keeps the message and the hint apart with a stop', async (t) => {
  const home = tempDir(t);
  const missing = await cli(['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${home}/missing.dd.gz`], {
    home,
    env: { MAAS_API_URL: 'http://127.0.0.1:1/MAAS/', MAAS_API_KEY: 'a:b:c' },
  });
  t.not(missing.code, 0);
  t.match(missing.stderr, SENTENCES, missing.stderr);
  t.notMatch(missing.stderr, /[a-z0-9] [A-Z][a-z]+ the/, 'no message running into its hint');
  const refused = await cli(['env', 'boot-resources', 'read'], { home, env: { MAAS_API_URL: 'http://127.0.0.1:1/MAAS/', MAAS_API_KEY: 'a:b:c' } });
  t.not(refused.code, 0);
  t.match(refused.stderr, SENTENCES, refused.stderr);
  t.match(refused.stderr, /ECONNREFUSED 127\.0\.0\.1:1\. /, 'the cause ends with a stop before the hint');
});

// New-user trial: `--retries x`, `--retries -1` and a bare `--regions` were accepted and ignored
// (yargs reads `x` as NaN); each is now a usage error before anything is read or sent.
t.test('whole-number flags refuse what is not a whole number in range (exit 2, one line)', async (t) => {
  const home = tempDir(t);
  const env = { MAAS_API_URL: 'http://127.0.0.1:9/MAAS/', MAAS_API_KEY: 'a:b:c' };
  const create = ['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${home}/none.dd.gz`, '--dry-run'];
  const cases: Array<[string[], string]> = [
    [['--retries', 'x'], '--retries takes a whole number of at least 0. Write e.g. --retries 8.'],
    [['--retries', '-1'], "--retries takes a whole number of at least 0, not '-1'. Write e.g. --retries 8."],
    [['--retries', '2.5'], "--retries takes a whole number of at least 0, not '2.5'. Write e.g. --retries 8."],
    [['--regions', '0'], "--regions takes a whole number of at least 1, not '0'. Write e.g. --regions 2."],
    [['--regions'], "--regions needs a value. Run 'maas-esxi env create --help' for usage."],
    [['--parallel', 'x'], '--parallel takes a whole number of at least 1. Write e.g. --parallel 3.'],
  ];
  for (const [flags, line] of cases) {
    const r = await cli([...create, ...flags], { home, env });
    t.equal(r.code, 2, `${flags.join(' ')}: exit 2`);
    t.equal(r.stderr, `maas-esxi: error: ${line}\n`, `${flags.join(' ')}: the line`);
  }
});

// New-user trial: `maas-esxi --bogus` printed the whole help and exited 0.
t.test('an option without a command is a usage error, not the help', async (t) => {
  const home = tempDir(t);
  for (const option of ['--bogus', '-x', '--debug']) {
    const r = await cli([option], { home });
    t.equal(r.code, 2, `${option}: exit 2`);
    t.equal(r.stdout, '', `${option}: no help on stdout`);
    t.equal(r.stderr, `maas-esxi: error: '${option}' is not an option without a command. Run 'maas-esxi --help' for the commands and their options.\n`, option);
  }
  const help = await cli(['--help'], { home });
  t.equal(help.code, 0, '--help still shows the help');
  t.match(help.stdout, /^Usage: maas-esxi COMMAND/);
  const version = await cli(['--version'], { home });
  t.equal(version.code, 0, '--version still prints the version');
});

// New-user trial: `maas-esxi create …` (the profile forgotten) said 'create' was an unknown
// profile to log in as, and `maas-esxi create --help` listed "maas-esxi create create".
t.test('a profile command typed without a profile says the profile is missing', async (t) => {
  const home = tempDir(t);
  const r = await cli(['create', 'name=esxi/8.0', 'content@=x.dd.gz'], { home });
  t.equal(r.code, 2);
  t.equal(
    r.stderr,
    "maas-esxi: error: 'create' needs a profile before it: maas-esxi PROFILE create name=esxi/8.0 content@=x.dd.gz. Use a profile (log in first: maas-esxi login NAME http://HOST:5240/MAAS/ -, the API key on stdin), or env with MAAS_API_URL and MAAS_API_KEY set.\n",
  );
  const list = await cli(['uploads', 'list'], { home });
  t.equal(list.code, 2);
  t.match(list.stderr, /^maas-esxi: error: 'uploads' needs a profile before it: maas-esxi PROFILE uploads list\./);
  const help = await cli(['create', '--help'], { home });
  t.equal(help.code, 0);
  t.match(help.stdout, /^Usage: maas-esxi PROFILE create \[data\.\.\]/, 'the create command help, for any profile');
  t.notMatch(help.stdout, /create create/);
});

// New-user trial: `maas-esxi help create` printed the global help.
t.test('help COMMAND is COMMAND --help', async (t) => {
  const home = tempDir(t);
  for (const words of [['create'], ['admin', 'boot-resources'], ['uploads', 'list']]) {
    const viaWord = await cli(['help', ...words], { home });
    const viaFlag = await cli([...words, '--help'], { home });
    t.equal(viaWord.code, 0, `help ${words.join(' ')}: exit 0`);
    t.equal(viaWord.stdout, viaFlag.stdout, `help ${words.join(' ')} = ${words.join(' ')} --help`);
    t.notMatch(viaWord.stdout, /^Usage: maas-esxi COMMAND/, 'not the global help');
  }
  t.match((await cli(['help'], { home })).stdout, /^Usage: maas-esxi COMMAND/, 'help alone is the global help');
});
