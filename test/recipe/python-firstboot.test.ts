/**
 * First boot end to end: the built maas-esxi.pyz run as ESXi runs it, against fake esxcli and a
 * fake MAAS metadata service on 127.0.0.1 (status events, 5-minute budget, top-level guard).
 */
import t from 'tap';
import { testPythonSuites } from '../fixtures/recipe/python-suite.js';

testPythonSuites(t, [
  ['first boot end to end (built maas-esxi.pyz)', 'test_firstboot.py'],
]);
