import t from 'tap';
import { complete, shellSplit } from '../../lib/cli/completion.js';

const env = { profiles: ['admin'], cwd: '/nonexistent', architectures: () => [], machines: () => [] };
const tab = (line: string) => complete(shellSplit(line), env);

// Values after an option with choices, and an action word after `uploads`.
t.test('completion offers option and positional choices', async (t) => {
  t.same(tab('maas-esxi admin create name=esxi/8.0 --same-image '), ['refuse', 'reuse', 'rebuild']);
  t.same(tab('maas-esxi admin create --same-image re'), ['refuse', 'reuse', 'rebuild']);
  t.same(tab('maas-esxi admin uploads '), ['list', 'resume', 'forget']);
  t.same(tab('maas-esxi admin uploads r'), ['resume']);
  t.same(tab('maas-esxi admin uploads resume --same-image '), ['refuse', 'reuse', 'rebuild']);
});
