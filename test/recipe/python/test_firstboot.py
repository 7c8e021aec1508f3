"""First boot end to end: the built maas-esxi.pyz, run as ESXi would run it,
against recorded fake esxcli/partedUtil/vmkfstools and a fake MAAS."""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from esxi_state import HOST_NICS, IMAGE_VMK0_MAC, responses as network_responses
from fake_esxi_network import image_state
from fake_host import FakeHost, RECIPE, REPO, fixture_json, fixture_text
from fake_maas import FakeClock, FakeMaas
from test_storage import SATA_BOOT_PATH, sata_responses

sys.path.insert(0, os.path.join(RECIPE, "scripts"))
import payload_archive  # noqa: E402
from maas_esxi.commands import CommandRunner  # noqa: E402
from maas_esxi.firstboot import FirstBoot, Paths  # noqa: E402
from maas_esxi.metadata import MetadataClient  # noqa: E402
from maas_esxi.step_events import StepEvents  # noqa: E402

KEYS = b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyOne admin@maas\nssh-rsa AAAAB3NzaC1yc2EAAAADKeyTwo ops@maas\n"
USER_DATA = b"#!/bin/sh\necho hello-from-user-data\n"
SUCCESS_EVENTS = fixture_json("maas", "first-boot-events-success.json")["events"]


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

    def host_responses(self, stateful_network=False):
        merged = dict(sata_responses()) if stateful_network else network_responses(**sata_responses())
        merged["esxcli --formatter=csv network firewall get"] = fixture_text("esxi", "firewall-get.csv")
        # `esxcli system ntp get` in ESXi's default (keyvalue-like) layout
        merged["esxcli system ntp get"] = "   Enabled: false\n   Loglevel: warning\n   Server:\n"
        return merged

    def assert_management_vmk_reachable(self, host):
        found = host.management_vmk()
        self.assertIsNotNone(found, "the host was left without a management VMkernel NIC")
        vmk, vswitch = found
        self.assertEqual(vmk["ipv4"], "dhcp")
        self.assertNotEqual(vmk["mac"], IMAGE_VMK0_MAC, "vmk0 still has the build VM's MAC")
        self.assertEqual(vswitch["uplinks"], ["vmnic0"])

    def assert_step_events(self, events, failed=None):
        """The contract deploy --wait reads, against the hand-written success sequence.

        failed: step -> the causes it must report, one FAIL event each, in its finish's place.
        """
        expected = []
        for event in SUCCESS_EVENTS[:-1]:
            step = event[1].split("/", 1)[1]
            if event[0] == "finish" and failed and step in failed:
                expected.extend(["finish", event[1], "FAIL", "maas-esxi %s failed: %s" % (step, cause)]
                                for cause in failed[step])
            else:
                expected.append(event)
        got = [[e["event_type"], e["name"], e.get("result"), e["description"]] for e in events[:-1]]
        self.assertEqual(got, expected)
        self.assertTrue(all(e["origin"] == "maas-esxi" and isinstance(e["timestamp"], float) for e in events))
        return events[-1]

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
                    # success is reported, step by step, then the verdict
                    verdict = self.assert_step_events(maas.events)
                    self.assertEqual((verdict["event_type"], verdict["name"], verdict["description"]),
                                     ("start", "maas-esxi/firstboot",
                                      "maas-esxi first boot finished: SUCCESS (11 steps)"))
                    self.assertNotIn("result", verdict)
                    self.assert_documented_verdict_is(verdict["description"])
                    # events wait until the firewall is open; the verdict is sent with it
                    # opened once more and then closed again
                    self.assertEqual(commands[-3:], ["esxcli --formatter=csv network firewall get",
                                                     "esxcli network firewall set --enabled=false",
                                                     "esxcli network firewall set --enabled=true"])
                self.assertFalse(os.path.exists(self.state), "scripts and credentials removed")
                self.assertNotIn("/system/uuid", self.read(self.root, "etc", "vmware", "esx.conf"))
                keys = self.read(self.root, "etc", "ssh", "keys-root", "authorized_keys").splitlines()
                self.assertEqual(sorted(keys), sorted(set(keys)))
                self.assertEqual(len(keys), 2)
                vcenter = self.read(self.root, "altbootbank", "maas", "vcenter.yaml")
                self.assertIn("vcenter_server: vc.example.com", vcenter)
                log = self.read(self.log)
                self.assertIn("hello-from-user-data", log)
                self.assertIn("first boot finished: SUCCESS (11 steps); removing", log)
                self.assertNotIn("sSECRET", log)
                self.tearDown()

    def test_problems_are_reported_to_maas_and_scripts_kept(self):
        # through the real entry point: MAAS's only NIC MAC is not on the host
        network = fixture_json("maas", "network-v1-full.json")
        network["config"][0]["mac_address"] = "00:00:00:00:00:99"
        with FakeMaas(metadata_files()) as maas, \
                FakeHost(self.host_responses(stateful_network=True), network=image_state(HOST_NICS)) as host:
            self.write_config(maas, network)
            result = self.run_firstboot(sys.executable, host)
            self.assertEqual(result.returncode, 1)
            self.assert_management_vmk_reachable(host)
            cause = "eno1: no NIC on this host has MAC address 00:00:00:00:00:99"
            verdict = self.assert_step_events(maas.events, {"network": [
                cause,
                "eno1 carries MAAS's management network and cannot be applied: none of MAAS's "
                "network config is applied",
                "management network kept: vmk0 with DHCP on vmnic0 (MAAS's boot interface "
                "00:00:00:00:00:99 is not on this host; keeping the uplink ESXi chose at boot)",
            ]})
            self.assertTrue(verdict["description"].startswith(
                "maas-esxi first boot finished: FAILED at network: " + cause), verdict)
            # reported before user-data is fetched (which ends the deployment)
            methods = [(m, p) for m, p, _ in maas.requests]
            self.assertLess(methods.index(("POST", "/MAAS/metadata/status/q2xc7v")),
                            methods.index(("GET", "/MAAS/metadata/latest/user-data")))
        self.assertTrue(os.path.exists(os.path.join(self.state, "curtin.json")))
        self.assertIn("kept for inspection", self.read(self.log))

    def test_refused_bond_is_reported_while_the_management_network_keeps_its_address(self):
        """A refused data bond through the real entry point: exit 1 (deploy --wait: exit 6), eno1 as MAAS said."""
        from test_network_parts import XOR_BOND
        with FakeMaas(metadata_files()) as maas, \
                FakeHost(self.host_responses(stateful_network=True), network=image_state(HOST_NICS)) as host:
            self.write_config(maas, XOR_BOND)
            result = self.run_firstboot(sys.executable, host)
            self.assertEqual(result.returncode, 1, result.stderr.decode())
            vmk, vswitch = host.management_vmk()
            self.assertEqual((vmk["ipv4"], vmk["ipv4_address"], vswitch["uplinks"]),
                             ("static", "10.20.0.28", ["vmnic0"]))
            summary = ("skipped bond0, bond0.300; the management network (eno1) and every other "
                       "part are applied as MAAS configured them")
            verdict = self.assert_step_events(maas.events, {"network": [
                summary,
                "bond0: bond mode 'balance-xor' is refused: ESXi NIC teaming supports balance-rr "
                "(portid), active-backup (explicit) and 802.3ad (iphash) only; bond skipped",
                "bond0.300: its parent bond0 is skipped; VLAN skipped",
            ]})
            self.assertTrue(verdict["description"].startswith(
                "maas-esxi first boot finished: FAILED at network: " + summary), verdict)
            # the docs' example of this verdict (up to their "…") is what was emitted
            shown = self.documented(r"FAILED at network: (skipped bond0[^`\u2026]*)")
            self.assertGreaterEqual(len(shown), 2, "README.md and docs/esxi-first-boot.md show it")
            for example in shown:
                self.assertTrue(verdict["description"].startswith(
                    "maas-esxi first boot finished: FAILED at network: " + example), example)

    def documented(self, pattern):
        """Every match of pattern in the README and the first-boot docs, whitespace joined."""
        shown = []
        for parts in (("README.md",), ("docs", "esxi-first-boot.md"),
                      ("packer", "vmware-esxi", "README.md")):
            text = " ".join(self.read(REPO, *parts).split())
            shown.extend(re.findall(pattern, text))
        return shown

    def assert_documented_verdict_is(self, emitted):
        """Every SUCCESS verdict the docs show is the one the payload emits."""
        shown = self.documented(r"maas-esxi first boot finished: SUCCESS \(\d+ steps\)")
        self.assertTrue(shown, "README.md shows an example verdict")
        self.assertEqual(set(shown), {emitted})

    def test_missing_or_malformed_curtin_json_still_makes_the_host_its_own(self):
        """Logged, UUID regenerated, vmk0 on the NIC's own MAC, exit 1."""
        for content in (None, "{not json", "[1, 2]"):
            with self.subTest(content=content):
                self.setUp()
                if content is not None:
                    with open(os.path.join(self.state, "curtin.json"), "w") as handle:
                        handle.write(content)
                with FakeHost(self.host_responses(stateful_network=True), network=image_state(HOST_NICS)) as host:
                    result = self.run_firstboot(sys.executable, host)
                    self.assertEqual(result.returncode, 1, result.stderr.decode())
                    self.assert_management_vmk_reachable(host)
                    self.assertIn("auto-backup.sh", host.commands())
                log = self.read(self.log)
                self.assertIn("curtin.json", log)
                self.assertIn("first boot finished: FAILED at config:", log)
                self.assertNotIn("Traceback", result.stderr.decode())
                self.assertNotIn("/system/uuid", self.read(self.root, "etc", "vmware", "esx.conf"))
                self.tearDown()

    def test_unreachable_maas_costs_at_most_five_minutes_then_goes_offline(self):
        """Network, storage and UUID first; MAAS gets one 5-minute budget."""
        with FakeMaas(metadata_files()) as maas:
            reporting = maas.reporting()  # the server is gone once the block ends
        config = fixture_json("maas", "curtin-v1-full.json")
        config["reporting"] = reporting
        with open(os.path.join(self.state, "curtin.json"), "w") as handle:
            json.dump(config, handle)
        clock = FakeClock()
        start = clock()
        with FakeHost(self.host_responses()) as host:
            boot = FirstBoot(self.state, CommandRunner(), Paths(self.root),
                             client_factory=lambda creds: MetadataClient(creds, sleep=clock.sleep, clock=clock))
            with self.assertLogs("maas-esxi", "INFO") as logs:
                self.assertEqual(boot.run(), 1)
            commands = host.commands()
            self.assertIn("partedUtil fixGpt " + SATA_BOOT_PATH, commands)
            self.assertEqual(commands[-2:], ["esxcli network firewall set --enabled=true",
                                             "auto-backup.sh"])
        self.assertLessEqual(clock() - start, 300)
        self.assertEqual(list(boot.problems), ["ssh-keys", "hostname", "vendor-data", "user-data"])
        self.assertIn("continuing offline", boot.problems["user-data"][0])
        log = "\n".join(logs.output)
        self.assertIn("continuing offline", log)
        self.assertIn("maas-esxi first boot finished: FAILED at ssh-keys", log)
        self.assertTrue(os.path.exists(os.path.join(self.state, "curtin.json")))

    def test_error_while_talking_to_maas_restores_the_firewall_and_a_vmk(self):
        class BrokenEvents(StepEvents):
            def start(self, step, what):
                if step == "hostname":
                    raise RuntimeError("out of memory")
                StepEvents.start(self, step, what)

        with FakeMaas(metadata_files()) as maas, \
                FakeHost(self.host_responses(stateful_network=True), network=image_state(HOST_NICS)) as host:
            self.write_config(maas)
            boot = FirstBoot(self.state, CommandRunner(), Paths(self.root), events=BrokenEvents())
            self.assertEqual(boot.run(), 1)
            commands = host.commands()
            firewall = [c for c in commands if c.startswith("esxcli network firewall set")]
            self.assertEqual(firewall[-1], "esxcli network firewall set --enabled=true")
            self.assertEqual(firewall[:2], ["esxcli network firewall set --enabled=false",
                                            "esxcli network firewall set --enabled=true"])
            self.assertIsNotNone(host.management_vmk())
            self.assertEqual(maas.events[-1]["description"],
                             "maas-esxi first boot finished: FAILED at hostname: unexpected RuntimeError: "
                             "out of memory")
            self.assertNotIn("/MAAS/metadata/latest/user-data", maas.paths())

    def test_unexpected_error_is_logged_reported_and_leaves_a_network(self):
        class BrokenEvents(StepEvents):
            def start(self, step, what):
                if step == "storage":
                    raise RuntimeError("disk controller\nreset")
                StepEvents.start(self, step, what)

        with FakeMaas(metadata_files()) as maas, \
                FakeHost(self.host_responses(stateful_network=True), network=image_state(HOST_NICS)) as host:
            self.write_config(maas)
            host.respond("esxcli network ip interface ipv4 set --interface-name=vmk0 --type=static "
                         "--ipv4=10.20.0.21 --netmask=255.255.255.0", rc=1, stderr="Unable to set IP\n")
            boot = FirstBoot(self.state, CommandRunner(), Paths(self.root), events=BrokenEvents())
            self.assertEqual(boot.run(), 1)
            self.assert_management_vmk_reachable(host)
            # the verdict names the first step that failed (here network, before the error)
            self.assertTrue(maas.events[-1]["description"].startswith(
                "maas-esxi first boot finished: FAILED at network: command failed (exit 1): esxcli network "
                "ip interface ipv4 set --interface-name=vmk0"), maas.events[-1]["description"])
            self.assertIn("storage failed: unexpected RuntimeError: disk controller reset",
                          " ".join(e["description"] for e in maas.events))
            self.assertIn("unexpected RuntimeError: disk controller reset", boot.problems["storage"])
            self.assertEqual(host.commands()[-1], "esxcli network firewall set --enabled=true")


if __name__ == "__main__":
    unittest.main()
