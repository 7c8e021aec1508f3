/** Build-host scripts of the recipe: kickstart rendering and USB stick, GPT reading + mtools. */
import t from 'tap';
import { testPythonSuites } from '../fixtures/recipe/python-suite.js';

testPythonSuites(t, [
  ['kickstart, password rules, FAT USB image', 'test_kickstart.py'],
  ['curtin hook + payload onto partition 1 of a GPT disk', 'test_install_curtin_hook.py'],
]);
