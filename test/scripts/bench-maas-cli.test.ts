// bench/maas-cli.mjs maasCliSource: the maas CLI baseline of `npm run bench` (README "Performance")
// says in one line why it cannot run and what to do, rather than a row that says "unset" when
// MAAS_CLI_SRC is set, or a Python traceback in the middle of the bench.
import t from 'tap';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// @ts-expect-error -- a plain .mjs script without types
import { maasCliSource } from '../../bench/maas-cli.mjs';

const source = maasCliSource as (env: Record<string, string | undefined>) => { src?: string; python?: string; problem?: string };

/** A directory laid out as canonical/maas's src/ (only what the check looks at). */
function maasSrc(dir: string): string {
  mkdirSync(join(dir, 'maascli'), { recursive: true });
  mkdirSync(join(dir, 'apiclient'));
  writeFileSync(join(dir, 'maascli', '__main__.py'), '');
  return dir;
}

/** An interpreter that exits with `code` after printing `stderr`. */
function fakePython(dir: string, code: number, stderr = ''): string {
  const path = join(dir, 'python3');
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "${stderr}" >&2\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

t.test('unset, or a directory that is not MAAS src/: the problem and the fix', async (t) => {
  t.same(source({}), { problem: 'MAAS_CLI_SRC unset (bench/maas-cli.mjs says how to obtain the maas CLI)' });
  const dir = t.testdir();
  t.same(source({ MAAS_CLI_SRC: dir }), { problem: `MAAS_CLI_SRC=${dir} holds no maascli/__main__.py and apiclient/: point it at the src/ directory of canonical/maas` });
});

t.test('an interpreter without the libraries, or none at all: which, and the apt-get line', async (t) => {
  const dir = t.testdir();
  const src = maasSrc(join(dir, 'src'));
  const lacking = fakePython(dir, 1, "ModuleNotFoundError: No module named 'httplib2'");
  t.equal(
    source({ MAAS_CLI_SRC: src, MAAS_CLI_PYTHON: lacking }).problem,
    `${lacking} lacks httplib2: apt-get install python3-httplib2 python3-oauthlib python3-yaml python3-netaddr python3-macaroonbakery (or set MAAS_CLI_PYTHON)`,
  );
  t.equal(
    source({ MAAS_CLI_SRC: src, MAAS_CLI_PYTHON: join(dir, 'no-such-python') }).problem,
    `cannot run ${join(dir, 'no-such-python')}: set MAAS_CLI_PYTHON to a python3 with python3-httplib2 python3-oauthlib python3-yaml python3-netaddr python3-macaroonbakery`,
  );
});

t.test('a MAAS src/ and an interpreter that imports the libraries: the baseline runs with them', async (t) => {
  const dir = t.testdir();
  const src = maasSrc(join(dir, 'src'));
  const python = fakePython(dir, 0);
  t.same(source({ MAAS_CLI_SRC: src, MAAS_CLI_PYTHON: python }), { src, python });
});
