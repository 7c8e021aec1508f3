/**
 * The ESXi-side payload (network, storage, metadata/OAuth, vendor-data YAML, first boot) and the
 * curtin hook, run by python3 against recorded fake esxcli/partedUtil/vmkfstools and a fake MAAS
 * on 127.0.0.1; plus the Python 3.5 compatibility check (ESXi 6.7 ships Python 3.5).
 */
import t from 'tap';
import { testPythonSuites } from '../fixtures/recipe/python-suite.js';

testPythonSuites(t, [
  ['network config -> esxcli (v1, v2, bonds, VLANs, aliases, bridges, DHCP)', 'test_network.py'],
  ['datastore1 on the boot disk (SATA, NVMe, 6.7 grow, 7+ create, safety)', 'test_storage.py'],
  ['metadata client: OAuth PLAINTEXT, clock skew, retries, events', 'test_metadata.py'],
  ['vendor-data YAML reader', 'test_yaml_subset.py'],
  ['first boot end to end (built maas-esxi.pyz)', 'test_firstboot.py'],
  ['curtin hook in a fake ephemeral environment', 'test_curtin_hook.py'],
  ['Python 3.5 compatibility of ESXi-side code', 'test_py35_syntax.py'],
]);
