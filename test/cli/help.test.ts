import t from 'tap';
import { GROUPS, PROFILE, TOP_LEVEL } from '../../lib/cli/commands/index.js';
import { commandName } from '../../lib/cli/command.js';
import { cli } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';
import { startExampleWorld } from '../fixtures/example-world.js';

// A new user with a fresh HOME reads the README's own help commands.
t.test('help of every command works with a fresh HOME (no profile, no login)', async (t) => {
  const home = tempDir(t);
  const lines: string[][] = [
    ...TOP_LEVEL.map((c) => [commandName(c), '--help']),
    ...PROFILE.map((c) => ['admin', commandName(c), '--help']),
    ...GROUPS.flatMap((g) => [['admin', g.name, '--help'], ...g.commands.map((c) => ['admin', g.name, commandName(c), '-h'])]),
    ['admin', '--help'],
    ['env', 'create', '--help'],
  ];
  for (const args of lines) {
    const r = await cli(args, { home });
    t.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    t.equal(r.stderr, '', `${args.join(' ')}: nothing on stderr`);
    t.match(r.stdout, /Usage|Commands/, `${args.join(' ')} prints help`);
  }
  const create = await cli(['admin', 'boot-resources', 'create', '--help'], { home });
  t.match(create.stdout, /maas-esxi admin boot-resources create/, 'the help names the command as typed');
  t.match(create.stdout, /content@=FILE/, "create's fields are listed");
});

t.test('the top-level help lists every command with the PROFILE it takes', async (t) => {
  const home = tempDir(t);
  const r = await cli(['--help'], { home });
  t.equal(r.code, 0);
  for (const c of TOP_LEVEL) t.match(r.stdout, new RegExp(`^  maas-esxi ${commandName(c)}\\b`, 'm'), `lists ${commandName(c)}`);
  for (const c of PROFILE) t.match(r.stdout, new RegExp(`^  maas-esxi PROFILE ${commandName(c)}\\b`, 'm'), `lists PROFILE ${commandName(c)}`);
  for (const g of GROUPS) {
    for (const c of g.commands) t.match(r.stdout, new RegExp(`^  maas-esxi PROFILE ${g.name} ${commandName(c)}\\b`, 'm'), `lists PROFILE ${g.name} ${commandName(c)}`);
  }
  const bare = await cli([], { home });
  t.equal(bare.stdout, r.stdout, 'no arguments prints the same help');
});

// README shows the off forms (`--no-resume`, `--no-color`); help names them too, as yargs accepts them.
t.test('help shows --[no-]resume and --[no-]color, the negated forms README uses', async (t) => {
  const home = tempDir(t);
  const create = await cli(['admin', 'create', '--help'], { home });
  t.match(create.stdout, /^ +--\[no-\]resume +resume a matching unfinished upload/m);
  t.match(create.stdout, /^ +--\[no-\]color +colour on stderr/m);
  t.notMatch(create.stdout, /--\[no-\]dry-run/, 'a switch that is off by default keeps its one form');
});

// New-user trial: `logout --help` showed an argument with no text, `--same-image` no VALUE and its
// choices twice, and `deploy --help` broke one sentence into three paragraphs.
t.test('help pages: every argument described, a value flag shows its placeholder once, no sentence cut into paragraphs', async (t) => {
  const home = tempDir(t);
  const pages: string[][] = [
    ...TOP_LEVEL.map((c) => [commandName(c), '--help']),
    ...PROFILE.map((c) => ['admin', commandName(c), '--help']),
    ...GROUPS.flatMap((g) => g.commands.map((c) => ['admin', g.name, commandName(c), '--help'])),
  ];
  for (const args of pages) {
    const page = (await cli(args, { home })).stdout;
    const name = args.join(' ');
    const argumentsBlock = /\nArguments:\n((?: {2}\S.*\n)+)/.exec(page)?.[1] ?? '';
    for (const row of argumentsBlock.split('\n').filter(Boolean)) t.match(row, /^ {2}\S+ +\S/, `${name}: argument described: ${row.trim()}`);
    t.notMatch(page, /\((\w+(?:, \w+)+)\)[^\n]*\n[^\n]*\(\1\)/, `${name}: no choices listed twice`);
    for (const paragraph of page.split('\n\n')) t.notMatch(paragraph.trim(), /[;,]$/, `${name}: no paragraph ends mid-sentence`);
  }
  const create = (await cli(['admin', 'create', '--help'], { home })).stdout;
  t.match(create, /--same-image VALUE +MAAS 3\.8/, '--same-image shows its VALUE');
  t.notMatch(create, /until done\) \(refuse, reuse,/, 'its choices, already in the text, are not repeated');
  t.match((await cli(['logout', '--help'], { home })).stdout, /\n {2}profile +the profile to forget/);
});

/** Every `--help` example, in registry order (login first, so the profile exists; logout last). */
function helpExamples(): string[] {
  const specs = [...TOP_LEVEL, ...PROFILE, ...GROUPS.flatMap((g) => g.commands)];
  const all = [...new Set(specs.flatMap((s) => s.examples.map(([line]) => line)))];
  return [...all.filter((l) => !l.includes(' logout ')), ...all.filter((l) => l.includes(' logout '))];
}

// An example that no longer works fails the build (build/Packer examples are parsed only).
t.test("every example in every command's --help works against the simulator", async (t) => {
  const world = await startExampleWorld(t);
  for (const example of helpExamples()) await world.run(example);
  t.ok(world.admin.requests.some((q) => q.method === 'POST' && q.path.includes('machines/')), 'the deploy examples reached MAAS');
});
