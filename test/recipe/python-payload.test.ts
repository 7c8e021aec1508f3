/**
 * The ESXi-side payload (storage, metadata/OAuth, vendor-data YAML) and the curtin hook, run by
 * python3 against recorded fake esxcli/partedUtil/vmkfstools and a fake MAAS on 127.0.0.1; plus
 * the Python 3.5 compatibility check (ESXi 6.7 ships Python 3.5); and the recipe's build-host
 * scripts: kickstart rendering and USB stick, GPT reading + mtools.
 */
import t from 'tap';
import { testPythonSuites } from '../fixtures/recipe/python-suite.js';

// The network and first-boot suites run many recorded commands: they have their own files
// (python-network.test.ts, python-firstboot.test.ts) so each stays inside tap's per-file timeout.
testPythonSuites(t, [
  ['datastore1 on the boot disk (t10/WWN/NVMe matching, 6.7 grow, 7+ create, safety)', 'test_storage.py'],
  ['metadata client: OAuth PLAINTEXT, clock skew, retries, 5-minute budget', 'test_metadata.py'],
  ['vendor-data YAML reader', 'test_yaml_subset.py'],
  ['curtin hook in a fake ephemeral environment', 'test_curtin_hook.py'],
  ['Python 3.5 compatibility of ESXi-side code', 'test_py35_syntax.py'],
  ['the recorded commands (sh fakes): canned answers and the call log byte for byte', 'test_fake_shell.py'],
  // Build-host scripts.
  ['kickstart, password rules, FAT USB image', 'test_kickstart.py'],
  ['curtin hook + payload onto partition 1 of a GPT disk', 'test_install_curtin_hook.py'],
]);
