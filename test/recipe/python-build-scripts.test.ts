/** Build-host scripts of the recipe: kickstart rendering and USB stick, GPT reading + mtools. */
import t from 'tap';
import { runPythonSuite } from '../fixtures/recipe/python-suite.js';

for (const [name, pattern] of [
  ['kickstart, password rules, FAT USB image', 'test_kickstart.py'],
  ['curtin hook + payload onto partition 1 of a GPT disk', 'test_install_curtin_hook.py'],
] as const) {
  t.test(name, async (t) => {
    const res = await runPythonSuite(pattern);
    t.equal(res.exitCode, 0, 'python3 -m unittest exits 0', { output: res.output.slice(-4000) });
    t.ok(res.ok, 'unittest reports OK');
    t.ok(res.ran > 0, `ran ${res.ran} tests`);
  });
}
