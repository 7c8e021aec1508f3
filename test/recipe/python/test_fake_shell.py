"""The sh fakes themselves: a canned answer and the log come back byte for byte."""

import os
import subprocess
import unittest

from fake_esxi_network import Network, image_state
from fake_host import FakeHost

NICS = [("vmnic0", "52:54:00:12:34:56"), ("vmnic1", "52:54:00:12:34:57")]
SWITCHES = ["esxcli", "--formatter=csv", "network", "vswitch", "standard", "list"]

# Quotes, a printf directive, a backslash, non-ASCII and trailing newlines: what sh quoting could bend.
AWKWARD = "it's 100%s done \\n é\n\n"


class FakeShellTest(unittest.TestCase):
    def run_fake(self, host, argv, stdin=None):
        return subprocess.run(argv, input=stdin, env=host.env(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, stdin=None if stdin is not None else subprocess.DEVNULL)

    def test_canned_answer_exact(self):
        with FakeHost({"vmware -v": AWKWARD}) as host:
            host.respond("esxcli system ntp get", stdout="x'y", rc=3, stderr=AWKWARD)
            ran = self.run_fake(host, ["vmware", "-v"])
            self.assertEqual((ran.returncode, ran.stdout.decode("utf-8"), ran.stderr), (0, AWKWARD, b""))
            ran = self.run_fake(host, ["esxcli", "system", "ntp", "get"])
            self.assertEqual((ran.returncode, ran.stdout, ran.stderr.decode("utf-8")), (3, b"x'y", AWKWARD))

    def test_unknown_line_succeeds_silently(self):
        with FakeHost({"vmware -v": "8.0"}) as host:
            ran = self.run_fake(host, ["vmware", "-v", "--extra"])
            self.assertEqual((ran.returncode, ran.stdout, ran.stderr), (0, b"", b""))

    def test_log_keeps_argv_and_stdin(self):
        with FakeHost() as host:
            self.run_fake(host, ["partedUtil", "fixGpt", "/dev/disks/a b", "line\nbreak"], stdin=b"Y\nFix\n\n")
            self.run_fake(host, ["sync"])
            self.run_fake(host, ["udevadm", "settle"], stdin=b"")
            self.assertEqual(host.calls(), [
                {"argv": ["partedUtil", "fixGpt", "/dev/disks/a b", "line\nbreak"], "stdin": "Y\nFix\n\n"},
                {"argv": ["sync"], "stdin": None},
                {"argv": ["udevadm", "settle"], "stdin": None},
            ])
            self.assertEqual(os.path.basename(host.commands()[1]), "sync")


    def test_stateful_esxcli_through_the_server(self):
        """The NetworkServer (network_server.py) answers in the test process: state, refusals, errors."""
        with FakeHost({" ".join(SWITCHES): "canned\n"}, network=image_state(NICS)) as host:
            added = self.run_fake(host, ["esxcli", "network", "vswitch", "standard", "add", "--vswitch-name=v'1 %s"])
            self.assertEqual((added.returncode, added.stdout, added.stderr), (0, b"", b""))
            self.assertEqual([s["name"] for s in host.network()["vswitches"]], ["vSwitch0", "v'1 %s"])
            refused = self.run_fake(host, ["esxcli", "network", "vswitch", "standard", "remove", "--vswitch-name=vSwitch0"])
            self.assertEqual((refused.returncode, refused.stdout, refused.stderr),
                             (1, b"", b"Cannot remove vSwitch0: a VMkernel NIC uses it\n"))
            listed = self.run_fake(host, ["esxcli", "--formatter=csv", "network", "nic", "list"])
            self.assertEqual((listed.returncode, listed.stdout.decode("utf-8")), (0, Network(host.network()).nic_list()))
            self.assertEqual([line.split(",")[8] for line in listed.stdout.decode("utf-8").splitlines()[1:]],
                             ["vmnic0", "vmnic1"])
            self.assertEqual(self.run_fake(host, SWITCHES).stdout, b"canned\n")  # a canned line wins
            broken = self.run_fake(host, ["esxcli", "network", "ip", "dns"])  # the fake's own bug
            self.assertEqual(broken.returncode, 70)
            self.assertIn(b"IndexError", broken.stderr)
            self.assertEqual(self.run_fake(host, ["esxcli", "system", "uuid", "get"]).returncode, 0)

    def test_stateful_esxcli_callers_at_once(self):
        with FakeHost(network=image_state(NICS)) as host:
            calls = [subprocess.Popen(["esxcli", "network", "vswitch", "standard", "add", "--vswitch-name=s%d" % n],
                                      env=host.env(), stdin=subprocess.DEVNULL) for n in range(6)]
            self.assertEqual([call.wait() for call in calls], [0] * 6)
            self.assertEqual(sorted(s["name"] for s in host.network()["vswitches"]),
                             ["s%d" % n for n in range(6)] + ["vSwitch0"])


if __name__ == "__main__":
    unittest.main()
