/**
 * The first-boot payload's network: MAAS config -> esxcli plan, the check against the host, and the
 * management-network fallback, against recorded and stateful fake esxcli (test/recipe/python).
 */
import t from 'tap';
import { testPythonSuites } from '../fixtures/recipe/python-suite.js';

testPythonSuites(t, [
  ['network config -> esxcli (v1, v2, bonds, VLANs, aliases, bridges, DHCP, fallback)', 'test_network.py'],
  ['a refused part costs only itself; a refused management path falls back', 'test_network_parts.py'],
]);
