import t from 'tap';
import { cli } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';

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
