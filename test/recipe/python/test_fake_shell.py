"""The sh fakes themselves: a canned answer and the log come back byte for byte."""

import os
import subprocess
import unittest

from fake_host import FakeHost

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


if __name__ == "__main__":
    unittest.main()
