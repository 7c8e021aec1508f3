import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { MaasError, MaasTimeoutError } from '../../lib/errors/index.js';
import { CLI_FIXES, cliFix, hintFromFix } from '../../lib/cli/fix-flags.js';
import { cli } from '../fixtures/cli-harness.js';
import { KiB, makeImage, tempDir } from '../fixtures/upload-env.js';

const LIB = fileURLToPath(new URL('../../lib/', import.meta.url));

/** Every `fix: { option: '…' }` the SDK writes (lib/ but the CLI and the simulator, whose options are its own). */
function sdkFixOptions(): Set<string> {
  const options = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!['cli', 'testing'].includes(entry.name)) walk(path);
      } else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/fix: \{ option: '(\w+)'/g)) options.add(m[1]!);
      }
    }
  };
  walk(LIB);
  return options;
}

t.test('every option an SDK error names in its fix has a CLI mapping', async (t) => {
  const options = sdkFixOptions();
  t.ok(options.size >= 10, `the scan finds the SDK's fixes (${[...options].join(', ')})`);
  t.same([...options].filter((o) => !(o in CLI_FIXES)), [], 'no SDK fix option without a CLI flag or argument');
});

// One test per kind of fix: {option, value}, {option}, {rerun}, and none (the prose, in CLI words).
t.test('{option, value}: the hint and --json fix give the flag with the value as typed', async (t) => {
  const err = new MaasError('Request entity too large.', { code: 'TOO_LARGE', hint: 'Use a smaller chunkSize.', fix: { option: 'chunkSize', value: 8 * 1024 * 1024 } });
  t.match(hintFromFix(err), /--chunk-size 8MiB/);
  t.notMatch(hintFromFix(err), /chunkSize/);
  t.same(cliFix(err.fix), { flag: '--chunk-size', value: '8MiB' });
});

t.test('{option}: the hint names the flag, not the SDK option', async (t) => {
  const err = new MaasTimeoutError('esxi/8.0 (amd64/generic) is not ready after 3 s.', { code: 'NOT_READY', hint: 'Wait again with a longer timeoutMs.', fix: { option: 'timeoutMs' } });
  t.match(hintFromFix(err), /longer --timeout/);
  t.notMatch(hintFromFix(err), /timeoutMs/);
  t.same(cliFix(err.fix), { flag: '--timeout' });
});

t.test('{rerun}: rerun the same command', async (t) => {
  const err = new MaasError('MAAS answered 503.', { hint: 'Call upload() again.', fix: { rerun: true } });
  t.match(hintFromFix(err), /^Rerun the same command/);
  t.same(cliFix(err.fix), { rerun: true });
  t.same(cliFix({ option: 'headersTimeoutMs' }), { rerun: true }, 'an SDK option the CLI has no flag for is a rerun');
});

t.test('no fix: no hint from structure (the CLI shows the prose in its words)', async (t) => {
  const err = new MaasError('Something.', { hint: 'Use a chunkSize of 8 MiB.' });
  t.equal(hintFromFix(err), undefined);
  t.equal(cliFix(err.fix), undefined);
});

// Found by a README run: a wait-ready timeout told CLI users to "wait again with a longer timeoutMs".
t.test('a CLI error names CLI flags in its line and in its --json document', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.4', dataDir: join(home, 'maas'), racks: [{ hostname: 'rack-stuck', syncMs: Infinity }] });
  t.teardown(() => sim.close());
  t.equal((await cli(['login', 'admin', sim.url, '-'], { home, stdin: `${sim.adminKey}\n` })).code, 0);
  const image = makeImage(home, 100 * KiB);
  // The upload completes, but the rack never syncs: a wait-ready timeout.
  t.equal((await cli(['admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`], { home })).code, 0);
  const line = await cli(['admin', 'wait-ready', 'name=esxi/8.0', '--timeout', '300ms', '--poll', '50ms'], { home });
  t.equal(line.code, 5);
  t.match(line.stderr, /wait again with a longer --timeout \(e\.g\. --timeout 1h\)\.\n$/);
  t.notMatch(line.stderr, /timeoutMs|PROFILE/);
  const json = await cli(['admin', 'wait-ready', 'name=esxi/8.0', '--timeout', '300ms', '--poll', '50ms', '--json'], { home });
  const doc = JSON.parse(json.stdout) as { error: { hint: string; fix: unknown; sdkFix: unknown } };
  t.same(doc.error.fix, { flag: '--timeout' }, 'fix in CLI words');
  t.same(doc.error.sdkFix, { option: 'timeoutMs' }, "the SDK's own fix, under sdkFix");
  t.match(doc.error.hint, /maas admin rack-controller/, 'the profile typed');
});
