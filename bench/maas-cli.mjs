// The official maas CLI as the baseline: `maas PROFILE boot-resources create … content@=FILE`
// against the same simulator, measured with GNU time exactly as ours is.
//
// How it is obtained (its code is never committed here): MAAS's own source, run with Debian's
// Python libraries —
//   git clone --depth 1 https://github.com/canonical/maas /tmp/maas      # or a git archive of src/maascli src/apiclient
//   apt-get install python3-httplib2 python3-oauthlib python3-yaml python3-netaddr python3-macaroonbakery
//   MAAS_CLI_SRC=/tmp/maas/src npm run bench
// MAAS_CLI_SRC is the directory that holds `maascli/` and `apiclient/`; MAAS_CLI_PYTHON picks the
// interpreter (default /usr/bin/python3, where apt installs those libraries).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const TIME = '/usr/bin/time';

const DEFAULT_PYTHON = '/usr/bin/python3';
/** The Python modules the maas CLI imports, each packaged by Debian as python3-NAME. */
const LIBRARIES = ['httplib2', 'oauthlib', 'yaml', 'netaddr', 'macaroonbakery'];
const debianPackages = (names) => names.map((n) => `python3-${n}`).join(' ');
/** Prints the names of the libraries that do not import. */
const PROBE = `import importlib\nfor m in ${JSON.stringify(LIBRARIES)}:\n    try: importlib.import_module(m)\n    except Exception: print(m)`;

/**
 * The maas CLI's source and interpreter, or why the baseline cannot run (one line naming the fix):
 * MAAS_CLI_SRC unset or not a MAAS `src/` directory, or the interpreter lacking its libraries.
 */
export function maasCliSource(env = process.env) {
  const src = env.MAAS_CLI_SRC;
  if (!src) return { problem: 'MAAS_CLI_SRC unset (bench/maas-cli.mjs says how to obtain the maas CLI)' };
  if (!existsSync(src)) return { problem: `MAAS_CLI_SRC=${src} does not exist: point it at the src/ directory of a canonical/maas checkout` };
  if (!existsSync(join(src, 'maascli', '__main__.py')) || !existsSync(join(src, 'apiclient'))) {
    const fix = existsSync(join(src, 'src', 'maascli', '__main__.py')) ? `use MAAS_CLI_SRC=${join(src, 'src')}` : 'point it at the src/ directory of a canonical/maas checkout';
    return { problem: `MAAS_CLI_SRC=${src} holds no maascli/__main__.py and apiclient/: ${fix}` };
  }
  const python = env.MAAS_CLI_PYTHON ?? DEFAULT_PYTHON;
  // Each library tried on its own, so the line names every one that is missing.
  const probe = spawnSync(python, ['-c', PROBE], { encoding: 'utf8' });
  if (probe.error) return { problem: `cannot run ${python}: set MAAS_CLI_PYTHON to a python3 that has ${debianPackages(LIBRARIES)}, or unset it for ${DEFAULT_PYTHON}` };
  const missing = (probe.stdout ?? '').split(/\s+/).filter((m) => LIBRARIES.includes(m));
  if (probe.status !== 0 || missing.length > 0) {
    const which = missing.length > 0 ? missing.join(', ') : 'a library';
    const fix = python === DEFAULT_PYTHON
      ? `apt-get install ${debianPackages(missing.length > 0 ? missing : LIBRARIES)}`
      : `unset MAAS_CLI_PYTHON to use ${DEFAULT_PYTHON} (apt-get install ${debianPackages(LIBRARIES)}), or install ${which} into ${python}`;
    return { problem: `${python} lacks ${which}: ${fix}` };
  }
  return { src, python };
}

/** Run `argv` under GNU time; wall, user and sys seconds and peak RSS (KiB) from its -f line. */
export function timed(argv, env) {
  const run = spawnSync(TIME, ['-f', 'TIMED %e %U %S %M', ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const out = run.stderr.toString();
  if (run.status !== 0) throw new Error(`${argv.slice(0, 4).join(' ')} … exited ${run.status}: ${out.slice(-300)}`);
  const m = /TIMED ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(out);
  if (!m) throw new Error(`no timing from ${argv[0]}: ${out.slice(-300)}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), sys: Number(m[3]), maxRssKiB: Number(m[4]) };
}

/** One fresh create with the maas CLI (login into a private HOME first). */
export function maasCliCreate({ src, python }, sim, path, name, home) {
  mkdirSync(home, { recursive: true });
  const env = { HOME: home, PYTHONPATH: src };
  execFileSync(python, ['-m', 'maascli', 'login', 'bench', sim.url, sim.adminKey], { env: { ...process.env, ...env }, stdio: 'ignore' });
  return timed([python, '-m', 'maascli', 'bench', 'boot-resources', 'create', `name=${name}`, 'architecture=amd64/generic', 'filetype=ddraw', `title=${name}`, `content@=${path}`], env);
}

/**
 * The node flags on bin/maas-esxi.js's `#!/usr/bin/env -S node …` line: an installed `maas-esxi`
 * runs with them, so every bench that starts our CLI with process.execPath passes them too. Then
 * BENCH_NODE_FLAGS, to measure a flag before it goes on that line (e.g. "--lite-mode").
 */
export function shimNodeFlags(root, env = process.env) {
  const first = readFileSync(join(root, 'bin', 'maas-esxi.js'), 'utf8').split('\n', 1)[0];
  const extra = (env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  return [...first.split(/\s+/).filter((word) => word.startsWith('--')), ...extra];
}

/** One fresh create with our CLI, with an empty state directory (so it hashes, as the maas CLI does). */
export function oursCreate(root, sim, path, name, stateDir) {
  return timed([process.execPath, ...shimNodeFlags(root), join(root, 'bin', 'maas-esxi.js'), 'env', 'create', `name=${name}`, 'architecture=amd64/generic', 'filetype=ddraw', `title=${name}`, `content@=${path}`, '--quiet'], {
    MAAS_API_URL: sim.url,
    MAAS_API_KEY: sim.adminKey,
    XDG_STATE_HOME: stateDir,
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
