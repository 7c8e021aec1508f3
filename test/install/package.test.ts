// The package as npm ships it: `npm pack` of the built tree, its file list, then README's
// "Installing without internet access": a connected machine fills an npm cache by installing the
// tarball once, and a new project installs the tarball from that cache with --offline and imports
// every entry point the package's `exports` map names. Needs dist/ (npm test builds it first).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { NO_TAP_HOOK } from '../fixtures/no-tap-hook.js';

if (!existsSync('dist/index.js')) throw new Error('dist/ is not built: run npm run build');

const work = mkdtempSync(join(tmpdir(), 'maas-esxi-pack-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

type Packed = { filename: string; files: { path: string }[] };
// --ignore-scripts: the tree is already built; `prepare` would compile it again.
// No tap hook in npm's processes, nor in those that import the installed copy: none of them runs
// this checkout's code, so their coverage would only be dropped (test/fixtures/child-env.mjs).
const env = { ...process.env, ...NO_TAP_HOOK };
const pack = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { encoding: 'utf8', env });
if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
const packed = (JSON.parse(pack.stdout) as Packed[])[0]!;
const files = packed.files.map((f) => f.path);
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string; exports: Record<string, string | { types?: string; import?: string }>; bin: Record<string, string> };

t.test('the tarball carries the licence, the docs, the built code, the CLI and the Packer recipe', async (t) => {
  for (const file of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'packer/vmware-esxi/vmware-esxi.pkr.hcl', ...Object.values(manifest.bin)]) {
    t.ok(files.includes(file.replace(/^\.\//, '')), file);
  }
  // Apache-2.0 (package.json "license") requires its text to travel with the code.
  t.match(readFileSync('LICENSE', 'utf8'), /^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\/\s+TERMS AND CONDITIONS/);
  for (const [entry, target] of Object.entries(manifest.exports)) {
    const paths = typeof target === 'string' ? [target] : [target.import, target.types];
    for (const path of paths) if (path) t.ok(files.includes(path.replace(/^\.\//, '')), `${entry} → ${path} is in the tarball`);
  }
});

t.test('no tests, fixtures or their source maps in the tarball', async (t) => {
  const testish = files.filter((f) => /(^|\/)(test|tests|__tests__|fixtures)\/|\.test\.|(^|\/)test_[^/]*\.py$|\.tsbuildinfo$/.test(f));
  t.same(testish, []);
  t.same(files.filter((f) => f.startsWith('lib/') || f.startsWith('.tap/') || f.startsWith('bench/')), [], 'no sources, tap output or benchmarks');
});

t.test('a new project installs the tarball offline and imports each entry point', async (t) => {
  const project = join(work, 'consumer');
  const cache = join(work, 'npm-cache');
  const tarball = join(work, packed.filename);
  // --omit=optional: better-sqlite3's native build is test/install/fresh-clone.test.ts's subject.
  const install = (dir: string, mode: '--prefer-offline' | '--offline') => {
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    return spawnSync('npm', ['install', mode, '--cache', cache, '--omit=optional', '--no-audit', '--no-fund', tarball], { cwd: dir, encoding: 'utf8', env });
  };
  const warm = install(join(work, 'connected'), '--prefer-offline');
  t.equal(warm.status, 0, 'the connected machine fills the cache', { stderr: warm.stderr.slice(-2000) });
  const offline = install(project, '--offline');
  t.equal(offline.status, 0, 'npm install --offline of the tarball from the copied cache', { stderr: offline.stderr.slice(-2000) });

  for (const entry of Object.keys(manifest.exports)) {
    const specifier = entry === '.' ? manifest.name : `${manifest.name}/${entry.slice(2)}`;
    const script = entry.endsWith('.json')
      ? `import m from '${specifier}' with { type: 'json' }; console.log(m.version);`
      : `const m = await import('${specifier}'); console.log(Object.keys(m).length);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8', env });
    t.equal(r.status, 0, `import ${specifier}`, { stderr: r.stderr.slice(-2000) });
    t.ok(entry.endsWith('.json') ? r.stdout.trim() === manifest.version : Number(r.stdout) > 0, `${specifier} exports something`);
  }
  const bin = spawnSync(join(project, 'node_modules', '.bin', Object.keys(manifest.bin)[0]!), ['--version'], { encoding: 'utf8', env });
  t.equal(bin.stdout.trim(), manifest.version, 'the installed CLI runs', { stderr: bin.stderr });
});
