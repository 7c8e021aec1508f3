// Runs the tap suite. Some tests drive real tools from Debian packages (Packer, qemu, mtools,
// gdisk, openssl, file). In CI (CI=true) .ci/run installs them and every test runs: a missing tool
// is a failure. On a machine with only Node.js and npm, the suites that need a missing tool are
// left out with a notice naming the packages to install, and the coverage gate is relaxed for
// that run (the Packer module is not exercised), so `npm test` still runs everything it can.
//
// `--leave-out GROUP[,GROUP…]` leaves groups out on purpose, with the same notice and relaxed gate
// (CI's runs under Node 22 and 24 leave out packer,qemu,python,node-independent): npm test -- --leave-out packer
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
    files: ['test/recipe/post-process.test.ts', 'test/recipe/python-build-scripts.test.ts', 'test/recipe/packer-build*.test.ts', 'test/packer/runner-shipped-template.test.ts'],
  },
  { name: 'python', tools: ['python3'], packages: 'python3', files: ['test/recipe/*.test.ts', 'test/packer/runner-shipped-template.test.ts', 'test/cli/kickstart-extra.test.ts'] },
  { name: 'openssl', tools: ['openssl'], packages: 'openssl', files: ['test/http/tls-proxy.test.ts'] },
  { name: 'file', tools: ['file'], packages: 'file', files: ['test/packer/iso-inspect.test.ts'] },
  { name: 'zsh', tools: ['zsh'], packages: 'zsh', files: ['test/cli/completion-zsh.test.ts'] },
  // npm ci / npm pack / npm install of the package itself: minutes, and the npm registry or its cache.
  { name: 'install', tools: ['git', 'npm'], packages: 'git npm', files: ['test/scripts/fresh-install.test.ts', 'test/scripts/package.test.ts'] },
  // Suites whose outcome cannot depend on the Node.js line, so .ci/run runs them under Node 20 only
  // (with the packer, qemu and python groups): they read the repository's text (citations,
  // exports, imports, file sizes), run TypeScript's compiler (exports, types), test bash scripts
  // with stand-ins, search the upload engine's decisions with fake faults (the engine's I/O runs
  // on every line in test/upload), or run the documented examples, whose grammar and start-up
  // test/cli runs on every line. Profiles (node:sqlite), the transport, the upload, the simulator's
  // server, the CLI, the install and the package's entry points run under every line.
  {
    name: 'node-independent',
    tools: [],
    packages: '',
    files: [
      'test/citations.test.ts',
      'test/dead-exports.test.ts',
      'test/imports.test.ts',
      'test/exports.test.ts',
      'test/types/*.test.ts',
      'test/testing/structure.test.ts',
      'test/chaos/*.test.ts',
      'test/packer/*.test.ts',
      'test/scripts/ci-run.test.ts',
      'test/scripts/run-tests.test.ts',
      'test/cli/help-examples.test.ts',
      'test/cli/readme-examples.test.ts',
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

const fail = (message) => {
  process.stderr.write(`maas-esxi tests: ${message}\n`);
  process.exit(2);
};

/** Splits `--leave-out a,b` / `--leave-out=a,b` (repeatable) from the arguments meant for tap. */
function takeLeaveOut(argv) {
  const names = [];
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--leave-out' || arg.startsWith('--leave-out=')) {
      const value = arg === '--leave-out' ? argv[++i] : arg.slice('--leave-out='.length);
      if (!value || value.startsWith('-')) fail(`--leave-out needs group names, e.g. --leave-out packer,qemu (groups: ${GROUPS.map((g) => g.name).join(', ')})`);
      names.push(...value.split(',').filter(Boolean));
    } else {
      rest.push(arg);
    }
  }
  return { names, rest };
}

for (const group of GROUPS) {
  for (const pattern of group.files) {
    if (filesMatching(pattern).length === 0) fail(`group '${group.name}' lists ${pattern}, which matches no file; update GROUPS in scripts/run-tests.mjs.`);
  }
}

const { names, rest } = takeLeaveOut(process.argv.slice(2));
const known = GROUPS.map((g) => g.name);
for (const name of names) {
  if (!known.includes(name)) fail(`--leave-out: unknown group '${name}'; use one or more of ${known.join(', ')}, comma-separated (e.g. --leave-out packer,qemu)`);
}
const leftOut = GROUPS.filter((g) => names.includes(g.name));
const missing = process.env.CI === 'true' ? [] : GROUPS.filter((g) => g.tools.some((t) => !onPath(t)));

if (leftOut.length > 0) {
  const files = [...new Set(leftOut.flatMap((g) => g.files.flatMap(filesMatching)))];
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
if (excluded.length > 0) {
  // A command-line --exclude replaces .taprc's list, so repeat the fixtures exclusion.
  for (const file of new Set(['test/fixtures/**', ...excluded.flatMap((g) => g.files.flatMap(filesMatching))])) args.push('--exclude', file);
  args.push('--allow-incomplete-coverage');
}
const res = spawnSync(join('node_modules', '.bin', 'tap'), [...args, ...rest], { stdio: 'inherit' });
process.exitCode = res.status ?? 1;
