"""First boot end to end: the built maas-esxi.pyz, run as ESXi would run it,
against recorded fake esxcli/partedUtil/vmkfstools and a fake MAAS."""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from esxi_state import responses as network_responses
from fake_host import FakeHost, RECIPE, fixture_json, fixture_text
from fake_maas import FakeMaas
from test_storage import SATA_BOOT_PATH, sata_responses

sys.path.insert(0, os.path.join(RECIPE, "scripts"))
import payload_archive  # noqa: E402
from maas_esxi.commands import CommandRunner  # noqa: E402
from maas_esxi.firstboot import FirstBoot, Paths  # noqa: E402
from maas_esxi.metadata import MetadataClient  # noqa: E402

KEYS = b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOne admin@maas\nssh-rsa AAAAB3NzaC1yc2EAAAADKeyTwo ops@maas\n"
USER_DATA = b"#!/bin/sh\necho hello-from-user-data\n"


def metadata_files():
    base = "/MAAS/metadata/latest/"
    return {
        base + "meta-data/local-hostname": b"esxi-01.maas",
        base + "meta-data/public-keys": KEYS,
        base + "vendor-data": fixture_text("maas", "vendor-data.yaml").encode("utf-8"),
        base + "user-data": USER_DATA,
    }


def interpreters():
    """This Python, plus a Python 3.6 if one is installed (closest to ESXi 6.7's 3.5)."""
    found = [sys.executable]
    candidates = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.6*/bin/python3.6")))
    candidates += [shutil.which("python3.6")]
    for candidate in candidates:
        if candidate and subprocess.call([candidate, "-c", "import sys"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
            found.append(candidate)
            break
    return found


class FirstBootTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="firstboot-")
        self.state = os.path.join(self.tmp, "altbootbank", "maas")
        os.makedirs(self.state)
        self.root = os.path.join(self.tmp, "root")
        os.makedirs(os.path.join(self.root, "etc", "vmware"))
        os.makedirs(os.path.join(self.root, "etc", "ssh", "keys-root"))
        with open(os.path.join(self.root, "etc", "vmware", "esx.conf"), "w") as handle:
            handle.write('/adv/Misc/HostName = "localhost"\n/system/uuid = "65a1b2c3-0000-1111-2222-525400123456"\n'
                         '/net/pnic/child[0000]/mac = "3c:fd:fe:a0:00:01"\n')
        with open(os.path.join(self.root, "etc", "ssh", "keys-root", "authorized_keys"), "w") as handle:
            handle.write("ssh-rsa AAAAB3NzaC1yc2EAAAADKeyTwo ops@maas\n")
        self.pyz = os.path.join(self.state, "maas-esxi.pyz")
        payload_archive.build(os.path.join(RECIPE, "payload", "maas_esxi"), self.pyz)
        self.log = os.path.join(self.tmp, "maas.log")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_config(self, maas, network=None):
        config = fixture_json("maas", "curtin-v1-full.json")
        config["reporting"] = maas.reporting()
        if network is not None:
            config["network"] = network
        with open(os.path.join(self.state, "curtin.json"), "w") as handle:
            json.dump(config, handle)

    def host_responses(self):
        merged = network_responses(**sata_responses())
        merged["esxcli --formatter=csv network firewall get"] = fixture_text("esxi", "firewall-get.csv")
        merged["esxcli system ntp get"] = "   Enabled: false\n   Servers:\n"
        return merged

    def run_firstboot(self, python, host):
        return subprocess.run(
            [python, self.pyz, "--state-dir", self.state, "--log", self.log, "--root", self.root,
             "firstboot"],
            env=host.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)

    def read(self, *parts):
        with open(os.path.join(*parts)) as handle:
            return handle.read()

    def test_success_configures_host_tells_maas_and_removes_scripts(self):
        for python in interpreters():
            with self.subTest(python=python):
                self.setUp()
                with FakeMaas(metadata_files()) as maas, FakeHost(self.host_responses()) as host:
                    self.write_config(maas)
                    result = self.run_firstboot(python, host)
                    self.assertEqual(result.returncode, 0, result.stderr.decode())
                    commands = host.commands()
                    self.assertEqual(commands[0], "esxcli system uuid get")
                    expected_order = [
                        "esxcli network vswitch standard add --vswitch-name=vSwitch0",
                        "partedUtil fixGpt " + SATA_BOOT_PATH,
                        "esxcli network firewall set --enabled=false",
                        "esxcli system hostname set --fqdn=esxi-01.maas",
                        "esxcli system ntp set --enabled=true --server=10.20.0.2 --server=ntp.example.com",
                        "esxcli network firewall set --enabled=true",
                        "auto-backup.sh",
                    ]
                    positions = [commands.index(c) for c in expected_order]
                    self.assertEqual(positions, sorted(positions))
                    # user-data fetched last: that is what marks the machine Deployed
                    self.assertEqual(maas.paths(), [
                        "/MAAS/metadata/latest/meta-data/public-keys",
                        "/MAAS/metadata/latest/meta-data/local-hostname",
                        "/MAAS/metadata/latest/vendor-data",
                        "/MAAS/metadata/latest/user-data",
                    ])
                    self.assertEqual(maas.events, [])
                self.assertFalse(os.path.exists(self.state), "scripts and credentials removed")
                self.assertNotIn("/system/uuid", self.read(self.root, "etc", "vmware", "esx.conf"))
                keys = self.read(self.root, "etc", "ssh", "keys-root", "authorized_keys").splitlines()
                self.assertEqual(sorted(keys), sorted(set(keys)))
                self.assertEqual(len(keys), 2)
                vcenter = self.read(self.root, "altbootbank", "maas", "vcenter.yaml")
                self.assertIn("vcenter_server: vc.example.com", vcenter)
                log = self.read(self.log)
                self.assertIn("hello-from-user-data", log)
                self.assertIn("first boot finished; removing", log)
                self.assertNotIn("sSECRET", log)
                self.tearDown()

    def test_problems_are_reported_to_maas_and_scripts_kept(self):
        network = fixture_json("maas", "network-v1-full.json")
        network["config"][0]["mac_address"] = "00:00:00:00:00:99"
        with FakeMaas(metadata_files()) as maas, FakeHost(self.host_responses()) as host:
            self.write_config(maas, network)
            result = self.run_firstboot(sys.executable, host)
            self.assertEqual(result.returncode, 1)
            self.assertEqual(len(maas.events), 1)
            self.assertEqual(maas.events[0]["name"], "maas-esxi/network")
            self.assertIn("00:00:00:00:00:99", maas.events[0]["description"])
            # reported before user-data is fetched (which ends the deployment)
            self.assertEqual([m for m, _, _ in maas.requests][-2:], ["POST", "GET"])
        self.assertTrue(os.path.exists(os.path.join(self.state, "curtin.json")))
        self.assertIn("kept for inspection", self.read(self.log))

    def test_unreachable_maas_still_configures_the_host(self):
        with FakeMaas(metadata_files()) as maas:
            reporting = maas.reporting()  # the server is gone once the block ends
        config = fixture_json("maas", "curtin-v1-full.json")
        config["reporting"] = reporting
        with open(os.path.join(self.state, "curtin.json"), "w") as handle:
            json.dump(config, handle)
        with FakeHost(self.host_responses()) as host:
            boot = FirstBoot(self.state, CommandRunner(), Paths(self.root),
                             client_factory=lambda creds: MetadataClient(creds, retry_delays=(0,)))
            self.assertEqual(boot.run(), 1)
            commands = host.commands()
            self.assertIn("partedUtil fixGpt " + SATA_BOOT_PATH, commands)
            self.assertEqual(commands[-2:], ["esxcli network firewall set --enabled=true",
                                             "auto-backup.sh"])
        self.assertEqual(list(boot.problems), ["ssh-keys", "hostname", "vendor-data", "user-data"])
        self.assertTrue(os.path.exists(os.path.join(self.state, "curtin.json")))


if __name__ == "__main__":
    unittest.main()
