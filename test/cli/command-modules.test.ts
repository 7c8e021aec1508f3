// What a command loads decides its fixed cost (docs/performance.md, bench/startup.mjs measures
// it): a direct connection loads no undici (docs/dependencies.md#undici), a proxied one does and
// goes through the proxy. Asserted on the modules the built CLI loads, never on timing.
import t from 'tap';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { startConnectProxy } from '../fixtures/connect-proxy.js';
import { modulesLoadedBy } from '../fixtures/modules-loaded.js';
import { makeImage, tempDir, KiB } from '../fixtures/upload-env.js';
import type { Argv } from 'yargs';
import { loadYargs, type YargsFactory } from '../../lib/cli/yargs-loader.js';

const UNDICI = /node_modules\/undici\//;
/** Node's own copy of undici, which node:http's WebSocket getter loads on Node ≥ 22 (lib/http/node-http.ts). */
const NODE_UNDICI = 'internal:internal/deps/undici/undici';
const PROGRESS = /dist\/cli\/progress-view\.js$|node_modules\/cli-progress\//;
const NO_PROXY_ENV = { HTTP_PROXY: undefined, HTTPS_PROXY: undefined, http_proxy: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };

t.test('a direct connection loads no undici; with HTTP_PROXY set, undici carries the request through the proxy', async (t) => {
  const sim = await startMaasSimulator();
  t.teardown(() => sim.close());
  const proxy = await startConnectProxy();
  t.teardown(proxy.close);
  const home = tempDir(t);
  const env = { MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey, ...NO_PROXY_ENV };
  const args = ['env', 'boot-resources', 'read', '--json'];
  const direct = await modulesLoadedBy(home, args, 'direct', env);
  t.equal(direct.code, 0, direct.stderr);
  t.ok(direct.modules.some((u) => u.endsWith('dist/http/direct-http.js')), 'the log sees the HTTP client load');
  t.same(direct.modules.filter((u) => UNDICI.test(u)), [], 'no undici module');
  t.ok(direct.modules.some((u) => u.startsWith('internal:')), 'the log sees Node\'s internal modules');
  t.notOk(direct.modules.includes(NODE_UNDICI), `nor Node's bundled undici (${process.version})`);
  const before = sim.requests.length;
  const proxied = await modulesLoadedBy(home, args, 'proxied', { ...env, HTTP_PROXY: proxy.url });
  t.equal(proxied.code, 0, proxied.stderr);
  t.ok(proxied.modules.some((u) => UNDICI.test(u)), 'undici loads behind a proxy');
  t.ok(proxy.connects() >= 1, 'and the request went through the proxy');
  t.ok(sim.requests.length > before, 'to the simulator');
  t.equal(proxied.stdout, direct.stdout, 'with the same answer');
});

t.test('create --quiet loads no progress view; off a TTY the view loads for its lines, cli-progress does not', async (t) => {
  const sim = await startMaasSimulator();
  t.teardown(() => sim.close());
  const home = tempDir(t);
  const images = [makeImage(home, 1024 * 1024, 'a.dd.gz', '24022510'), makeImage(home, 1024 * 1024, 'b.dd.gz', '24022511')];
  const env = { MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey, ...NO_PROXY_ENV };
  const create = (n: number, ...flags: string[]): string[] => ['env', 'create', `name=esxi/m${n}`, 'architecture=amd64/generic', `content@=${images[n - 1]!.path}`, ...flags];
  const quiet = await modulesLoadedBy(home, create(1, '--quiet'), 'quiet', env);
  t.equal(quiet.code, 0, quiet.stderr);
  t.equal(quiet.stderr, '', '--quiet prints nothing on stderr');
  t.ok(quiet.modules.some((u) => u.endsWith('dist/upload/uploader.js')), 'the log sees the upload engine load');
  t.same(quiet.modules.filter((u) => PROGRESS.test(u)), [], 'no progress module');
  const uploads = sim.requests.filter((r) => r.method === 'PUT' && r.status === 200);
  t.ok(uploads.length >= 1, 'and the image was uploaded');
  const lines = await modulesLoadedBy(home, create(2), 'lines', env);
  t.equal(lines.code, 0, lines.stderr);
  t.ok(lines.modules.some((u) => u.endsWith('dist/cli/progress-view.js')), 'without --quiet the view loads');
  t.notOk(lines.modules.some((u) => /node_modules\/cli-progress\//.test(u)), 'but no bar off a TTY');
});

// What a create against an http:// MAAS loads (the CPU of a fresh create): no TLS stack and
// no help renderer. Time is measured by bench/run.mjs (BENCH_ONLY=maascli), not here.
t.test('a create over http:// loads neither node:https nor node:tls, nor cliui or string-width', async (t) => {
  const sim = await startMaasSimulator({ era: '3.8' });
  t.teardown(() => sim.close());
  const home = tempDir(t);
  const image = makeImage(home, 600 * KiB);
  const args = ['env', 'create', `content@=${image.path}`, 'architecture=amd64/generic', 'filetype=ddgz', '--quiet'];
  const r = await modulesLoadedBy(home, args, 'create', { MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey });
  t.equal(r.code, 0, r.stderr);
  t.equal(sim.requests.filter((q) => q.method === 'PUT').length > 0, true, 'the image was sent');
  t.ok(r.modules.includes('internal:http'), 'the log sees built-in modules (node:http)');
  t.same(r.modules.filter((u) => /^(node|internal):(https|tls)$|node_modules\/(cliui|string-width|wrap-ansi)\//.test(u)), [], 'none of them');
  t.notOk(r.modules.includes(NODE_UNDICI), `nor Node's bundled undici, 13 MiB on Node 22 and 24 (${process.version})`);
});

// yargs without its help renderer (lib/cli/yargs-loader.ts): a command that parses its flags loads
// no cliui or string-width, and the parser built that way fails with yargs' own messages (the
// ones lib/cli/parse-args.ts rewrites), checked against yargs' standard entry.
t.test('a command that parses its flags loads yargs but not its help renderer', async (t) => {
  const home = tempDir(t);
  const image = makeImage(home, 600 * KiB);
  const r = await modulesLoadedBy(home, ['inspect', image.path, '--json'], 'inspect');
  t.equal(r.code, 0, r.stderr);
  t.ok(r.modules.some((u) => u.endsWith('yargs/build/lib/yargs-factory.js')), 'yargs parsed the flags');
  t.same(r.modules.filter((u) => /node_modules\/(cliui|string-width|wrap-ansi|emoji-regex)\//.test(u)), [], 'no help renderer');
});

/** The error message (or the parsed values) of one parse. */
async function outcome(yargs: YargsFactory, args: string[]): Promise<string> {
  const parser = (yargs() as Argv)
    .command('$0 <id>', 'read one', (b: Argv) => b.positional('id', { type: 'string' }).option('mode', { choices: ['fast', 'safe'] }).option('count', { type: 'number' }))
    .strict()
    .help(false)
    .version(false)
    .exitProcess(false);
  return new Promise((resolve) => {
    void parser.parse(args, {}, (err, argv) => resolve(err ? err.message : JSON.stringify({ id: argv['id'], mode: argv['mode'], count: argv['count'] })));
  });
}

t.test('fails and parses as yargs does', async (t) => {
  const light = await loadYargs();
  const { default: standard } = await import('yargs');
  t.not(light, standard, 'built by the factory, not the fallback to the standard entry');
  for (const args of [[], ['7', '--mode', 'slow'], ['7', '8'], ['7', '--bogus'], ['7', '--count'], ['7', '--mode', 'safe', '--count', '3']]) {
    t.equal(await outcome(light, args), await outcome(standard, args), `[${args.join(' ')}]`);
  }
});
