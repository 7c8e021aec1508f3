// Runs the tap suite. Some tests drive real tools from Debian packages (Packer, qemu, mtools,
// gdisk, openssl, file). In CI (CI=true) .ci/run installs them and every test runs: a missing tool
// is a failure. On a machine with only Node.js and npm, the suites that need a missing tool are
// left out with a notice naming the packages to install, and the coverage gate is relaxed for
// that run (the Packer module is not exercised), so `npm test` still runs everything it can.
//
// `--leave-out GROUP[,GROUP…]` leaves groups out on purpose, with the same notice and relaxed gate:
// npm test -- --leave-out packer. `--only GROUP[,GROUP…]` runs just those groups' files (CI's runs
// under Node 22 and 24: --only node-lines).
//
// Each group's files are found on disk when the script starts: a pattern that matches no file
// (a renamed or deleted test) stops the run, so a group can never leave out nothing in silence.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, dirname, join, basename } from 'node:path';

const GROUPS = [
  {
    name: 'packer',
    tools: ['packer'],
    packages: 'packer',
    files: ['test/packer/runner-*.test.ts', 'test/packer/template.test.ts', 'test/cli/pipeline.test.ts', 'test/recipe/template.test.ts', 'test/recipe/packer-build*.test.ts'],
  },
  { name: 'qemu', tools: ['qemu-system-x86_64', 'qemu-img'], packages: 'qemu-system-x86 qemu-utils', files: ['test/packer/runner-qemu.test.ts', 'test/packer/runner-shipped-template.test.ts', 'test/recipe/packer-build*.test.ts'] },
  {
    name: 'mtools',
    tools: ['mformat', 'mcopy', 'mdir', 'mtype', 'mmd', 'sgdisk'],
    packages: 'mtools gdisk',
    files: ['test/recipe/post-process.test.ts', 'test/recipe/python-payload.test.ts', 'test/recipe/packer-build*.test.ts', 'test/packer/runner-shipped-template.test.ts'],
  },
  { name: 'python', tools: ['python3'], packages: 'python3', files: ['test/recipe/*.test.ts', 'test/packer/runner-shipped-template.test.ts', 'test/cli/kickstart-extra.test.ts'] },
  { name: 'openssl', tools: ['openssl'], packages: 'openssl', files: ['test/http/tls-proxy.test.ts'] },
  { name: 'file', tools: ['file'], packages: 'file', files: ['test/packer/iso-inspect.test.ts'] },
  { name: 'zsh', tools: ['zsh'], packages: 'zsh', files: ['test/cli/completion-zsh.test.ts'] },
  // npm ci / npm pack / npm install of the package itself: minutes, and the npm registry or its cache.
  // Their own folder, test/install/, not test/scripts/: tap starts files in path order, and the
  // fresh clone (~140 s at 4 jobs, the longest file) started in the last third from there, so the
  // whole run waited on it alone.
  { name: 'install', tools: ['git', 'npm'], packages: 'git npm', files: ['test/install/*.test.ts'] },
  // What the Node.js 22 and 24 lines run (.ci/run: --only node-lines): the suites that drive the
  // Node.js APIs whose behaviour changes between lines — profiles through node:sqlite, the
  // node:http client and server, TLS and the proxy path through undici, the upload engine's
  // streams, signals, fs and timers against the simulator, zlib in inspect, the CLI's start-up,
  // module loading and compile cache, the install and the package's entry points. The rest (unit
  // tests of pure decisions, grammar and text, the Packer and recipe suites) runs under Node 20.
  {
    name: 'node-lines',
    tools: [],
    packages: '',
    files: [
      'test/auth/*.test.ts',
      'test/profiles/*.test.ts',
      'test/http/*.test.ts',
      'test/client/*.test.ts',
      'test/upload/upload.test.ts',
      'test/upload/upload-handle.test.ts',
      'test/upload/kill-resume.test.ts',
      'test/upload/failure-modes.test.ts',
      'test/upload/lost-tail-reset.test.ts',
      'test/upload/server-offset.test.ts',
      'test/upload/pending.test.ts',
      'test/upload/hash.test.ts',
      'test/upload/peak-rss.test.ts',
      'test/upload/state*.test.ts',
      'test/testing/serve.test.ts',
      'test/testing/persistence.test.ts',
      'test/testing/request-body.test.ts',
      'test/testing/upload.test.ts',
      'test/inspect/inspect-image.test.ts',
      'test/resources/wait-ready.test.ts',
      'test/cli/cli.test.ts',
      'test/cli/startup.test.ts',
      'test/cli/command-modules.test.ts',
      'test/cli/completion.test.ts',
      'test/cli/json-output.test.ts',
      'test/cli/human-output.test.ts',
      'test/cli/ops.test.ts',
      'test/scripts/ensure-install.test.ts',
      // The swc loader: @tapjs/typescript changes NODE_OPTIONS by Node.js line (22: strip types).
      'test/scripts/swc-loader.test.ts',
      'test/install/*.test.ts',
    ],
  },
];

const onPath = (tool) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/** The files a pattern (`dir/name` where name may hold `*`) matches, sorted. */
function filesMatching(pattern) {
  const re = new RegExp(`^${basename(pattern).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '[^/]*')}$`);
  let names = [];
  try {
    names = readdirSync(dirname(pattern));
  } catch {
    // a missing directory matches nothing
  }
  return names.filter((n) => re.test(n)).sort().map((n) => `${dirname(pattern)}/${n}`);
}

/** The files of these groups, each once, in group order. */
const filesOf = (groups) => [...new Set(groups.flatMap((g) => g.files.flatMap(filesMatching)))];

const fail = (message) => {
  process.stderr.write(`maas-esxi tests: ${message}\n`);
  process.exit(2);
};

/** Splits `--FLAG a,b` / `--FLAG=a,b` (repeatable) from the arguments meant for tap. */
function takeGroups(argv, flag) {
  const names = [];
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === flag || arg.startsWith(`${flag}=`)) {
      const value = arg === flag ? argv[++i] : arg.slice(flag.length + 1);
      if (!value || value.startsWith('-')) fail(`${flag} needs group names, e.g. ${flag} packer,qemu (groups: ${GROUPS.map((g) => g.name).join(', ')})`);
      names.push(...value.split(',').filter(Boolean));
    } else {
      rest.push(arg);
    }
  }
  const known = GROUPS.map((g) => g.name);
  for (const name of names) {
    if (!known.includes(name)) fail(`${flag}: unknown group '${name}'; use one or more of ${known.join(', ')}, comma-separated (e.g. ${flag} packer,qemu)`);
  }
  return { groups: GROUPS.filter((g) => names.includes(g.name)), rest };
}

for (const group of GROUPS) {
  for (const pattern of group.files) {
    if (filesMatching(pattern).length === 0) fail(`group '${group.name}' lists ${pattern}, which matches no file; update GROUPS in scripts/run-tests.mjs.`);
  }
}

const { groups: leftOut, rest: afterLeaveOut } = takeGroups(process.argv.slice(2), '--leave-out');
const { groups: only, rest } = takeGroups(afterLeaveOut, '--only');
const missing = process.env.CI === 'true' ? [] : GROUPS.filter((g) => g.tools.some((t) => !onPath(t)));

if (leftOut.length > 0) {
  const files = filesOf(leftOut);
  process.stderr.write(
    `\nmaas-esxi tests: leaving out the ${leftOut.map((g) => g.name).join(', ')} suites as asked (--leave-out), and relaxing the coverage gate:\n` +
      `  ${files.join(' ')}\n\n`,
  );
}
if (missing.length > 0) {
  const packages = [...new Set(missing.flatMap((g) => g.packages.split(' ')))].join(' ');
  const tools = [...new Set(missing.flatMap((g) => g.tools.filter((t) => !onPath(t))))].join(', ');
  process.stderr.write(
    `\nmaas-esxi tests: ${tools} not found; leaving out the suites that need them and relaxing the coverage gate.\n` +
      `  To run everything: sudo apt-get install ${packages}   (CI installs them: .ci/run)\n\n`,
  );
}

const args = [];
const excluded = [...leftOut, ...missing];
const excludedFiles = filesOf(excluded);
if (excluded.length > 0) {
  // A command-line --exclude replaces .taprc's list, so repeat the fixtures exclusion.
  for (const file of ['test/fixtures/**', ...excludedFiles]) args.push('--exclude', file);
  args.push('--allow-incomplete-coverage');
}
// --only GROUP: exactly that group's files (less any left out), e.g. the Node.js 22/24 lines.
const chosen = filesOf(only).filter((f) => !excludedFiles.includes(f));
if (only.length > 0) {
  const names = only.map((g) => g.name).join(',');
  // tap given no file runs every file: an --only that chose nothing must not start it.
  if (chosen.length === 0) fail(`--only ${names}: nothing to run, every file of ${only.length === 1 ? 'it' : 'them'} is left out (${excluded.map((g) => g.name).join(', ')}). Drop it from --leave-out, or install the tools named above.`);
  process.stderr.write(`\nmaas-esxi tests: only the ${only.map((g) => g.name).join(', ')} suites as asked (--only), ${chosen.length} file${chosen.length === 1 ? '' : 's'}, coverage gate relaxed.\n\n`);
  if (excluded.length === 0) args.push('--allow-incomplete-coverage');
}
// `npm test -- FILE.test.ts`: a few files cover a fraction of lib/, and .taprc's gate is for the
// whole suite; without this the run fails on the gate after every test passed, and says not why.
const named = rest.filter((a) => /\.test\.[cm]?[jt]s$/.test(a));
if (named.length > 0 && !rest.includes('--disable-coverage') && !args.includes('--allow-incomplete-coverage')) {
  process.stderr.write('\nmaas-esxi tests: only the named test files: the coverage gate, which is for the whole suite, is relaxed.\n\n');
  args.push('--allow-incomplete-coverage');
}
const res = spawnSync(join('node_modules', '.bin', 'tap'), [...args, ...rest, ...chosen], { stdio: 'inherit' });
process.exitCode = res.status ?? 1;
