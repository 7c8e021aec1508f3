import t from 'tap';
import { GROUPS, PROFILE, TOP_LEVEL } from '../../lib/cli/commands/index.js';
import { startExampleWorld } from '../fixtures/example-world.js';

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
