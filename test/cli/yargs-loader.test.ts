// yargs without its help renderer (lib/cli/yargs-loader.ts): a command that parses its flags loads
// no cliui or string-width, and the parser built that way fails with yargs' own messages (the
// ones lib/cli/parse-args.ts rewrites), checked against yargs' standard entry.
import t from 'tap';
import type { Argv } from 'yargs';
import { loadYargs, type YargsFactory } from '../../lib/cli/yargs-loader.js';
import { modulesLoadedBy } from '../fixtures/modules-loaded.js';
import { KiB, makeImage, tempDir } from '../fixtures/upload-env.js';

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
