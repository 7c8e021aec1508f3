// bench/maas-cli.mjs maasCliSource: the maas CLI baseline of `npm run bench` (README "Performance")
// says in one line why it cannot run and what to do, rather than a row that says "unset" when
// MAAS_CLI_SRC is set, or a Python traceback in the middle of the bench.
import t from 'tap';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error -- a plain .mjs script without types
import { maasCliSource } from '../../bench/maas-cli.mjs';

const source = maasCliSource as (env: Record<string, string | undefined>) => { src?: string; python?: string; problem?: string };
const PACKAGES = 'python3-httplib2 python3-oauthlib python3-yaml python3-netaddr python3-macaroonbakery';

/** A directory laid out as canonical/maas's src/ (only what the check looks at). */
function maasSrc(dir: string): string {
  mkdirSync(join(dir, 'maascli'), { recursive: true });
  mkdirSync(join(dir, 'apiclient'));
  writeFileSync(join(dir, 'maascli', '__main__.py'), '');
  return dir;
}

/** An interpreter whose probe prints `missing` (the libraries that did not import) and exits 0. */
function fakePython(dir: string, missing: string[]): string {
  const path = join(dir, 'python3');
  writeFileSync(path, `#!/bin/sh\n${missing.map((m) => `echo ${m}\n`).join('')}exit 0\n`);
  chmodSync(path, 0o755);
  return path;
}

t.test('unset, missing, or a directory that is not MAAS src/: the problem and the fix', async (t) => {
  t.same(source({}), { problem: 'MAAS_CLI_SRC unset (bench/maas-cli.mjs says how to obtain the maas CLI)' });
  const dir = t.testdir();
  t.same(source({ MAAS_CLI_SRC: join(dir, 'nope') }), { problem: `MAAS_CLI_SRC=${join(dir, 'nope')} does not exist: point it at the src/ directory of a canonical/maas checkout` });
  t.same(source({ MAAS_CLI_SRC: dir }), { problem: `MAAS_CLI_SRC=${dir} holds no maascli/__main__.py and apiclient/: point it at the src/ directory of a canonical/maas checkout` });
  maasSrc(join(dir, 'src'));
  t.same(source({ MAAS_CLI_SRC: dir }), { problem: `MAAS_CLI_SRC=${dir} holds no maascli/__main__.py and apiclient/: use MAAS_CLI_SRC=${join(dir, 'src')}` }, 'the checkout itself: its src/ is named');
});

t.test('an interpreter without the libraries, or none at all: every missing one, and a fix that fits', async (t) => {
  const dir = t.testdir();
  const src = maasSrc(join(dir, 'src'));
  const lacking = fakePython(dir, ['httplib2', 'macaroonbakery']);
  t.equal(
    source({ MAAS_CLI_SRC: src, MAAS_CLI_PYTHON: lacking }).problem,
    `${lacking} lacks httplib2, macaroonbakery: unset MAAS_CLI_PYTHON to use /usr/bin/python3 (apt-get install ${PACKAGES}), or install httplib2, macaroonbakery into ${lacking}`,
    'another interpreter (pyenv, a venv): apt-get alone would not fix it',
  );
  t.equal(
    source({ MAAS_CLI_SRC: src, MAAS_CLI_PYTHON: join(dir, 'no-such-python') }).problem,
    `cannot run ${join(dir, 'no-such-python')}: set MAAS_CLI_PYTHON to a python3 that has ${PACKAGES}, or unset it for /usr/bin/python3`,
  );
});

t.test('a MAAS src/ and an interpreter that imports the libraries: the baseline runs with them', async (t) => {
  const dir = t.testdir();
  const src = maasSrc(join(dir, 'src'));
  const python = fakePython(dir, []);
  t.same(source({ MAAS_CLI_SRC: src, MAAS_CLI_PYTHON: python }), { src, python });
});

t.test('the real probe, against an interpreter that lacks the libraries: it names them (not a traceback)', async (t) => {
  const dir = t.testdir();
  const src = maasSrc(join(dir, 'src'));
  // python3 -I ignores PYTHONPATH and user site-packages; `-c` with an empty sys.path imports nothing third-party.
  const isolated = join(dir, 'python-isolated');
  writeFileSync(isolated, `#!/bin/sh\nexec python3 -I -S "$@"\n`);
  chmodSync(isolated, 0o755);
  t.equal(source({ MAAS_CLI_SRC: src, MAAS_CLI_PYTHON: isolated }).problem?.split(':')[0], `${isolated} lacks httplib2, oauthlib, yaml, netaddr, macaroonbakery`);
});

t.test('shimNodeFlags: the installed shim\'s node flags, then BENCH_NODE_FLAGS to try one more', async (t) => {
  // @ts-expect-error -- a plain .mjs script without types
  const { shimNodeFlags } = (await import('../../bench/maas-cli.mjs')) as { shimNodeFlags: (root: string, env: Record<string, string>) => string[] };
  const root = new URL('../..', import.meta.url).pathname;
  const shim = readFileSync(join(root, 'bin', 'maas-esxi.js'), 'utf8').split('\n', 1)[0]!;
  const own = shim.split(' ').filter((w) => w.startsWith('--'));
  t.ok(own.length > 0, `the shim's line carries flags: ${shim}`);
  t.same(shimNodeFlags(root, {}), own);
  t.same(shimNodeFlags(root, { BENCH_NODE_FLAGS: ' --lite-mode  --jitless ' }), [...own, '--lite-mode', '--jitless']);
});

t.test('bench settings: an unknown bench or a setting that is not a number is one line naming it and an example', async (t) => {
  // @ts-expect-error -- a plain .mjs script without types
  const { checkSettings } = (await import('../../bench/settings.mjs')) as { checkSettings: (env: Record<string, string>) => string | undefined };
  t.equal(checkSettings({}), undefined);
  t.equal(checkSettings({ BENCH_ONLY: 'maascli,memory', BENCH_RSS_GIB: '1 4 16', BENCH_PAIRS: '3', BENCH_MAASCLI_GIB: '0.015625' }), undefined);
  t.match(checkSettings({ BENCH_ONLY: 'maascli,mem' }), /^BENCH_ONLY names no bench called mem; the benches are hash, align, .*fanout\.$/);
  t.equal(checkSettings({ BENCH_RSS_GIB: '1,4' }), `BENCH_RSS_GIB='1,4' is not numbers above 0 separated by spaces (e.g. "1 4").`);
  t.equal(checkSettings({ BENCH_PAIRS: '0' }), `BENCH_PAIRS='0' is not a whole number above 0 (e.g. 5).`);
  t.equal(checkSettings({ BENCH_PAIRS: '2.5' }), `BENCH_PAIRS='2.5' is not a whole number above 0 (e.g. 5).`);
  t.equal(checkSettings({ BENCH_SEEDS: '11 x' }), `BENCH_SEEDS='11 x' is not whole numbers above 0 separated by spaces (e.g. "11 12").`);
  t.equal(checkSettings({ BENCH_HASH_GIB: '1G' }), `BENCH_HASH_GIB='1G' is not a number above 0 (e.g. 1).`);
});
