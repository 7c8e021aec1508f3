"""Test helpers: a PATH of recorded fake commands, fixtures, the recipe's paths."""

import json
import logging
import os
import shutil
import sys
import tempfile

import fake_esxi_network
import fake_shell
from network_server import NetworkServer

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
RECIPE = os.path.join(REPO, "packer", "vmware-esxi")
PAYLOAD = os.path.join(RECIPE, "payload")
FIXTURES = os.path.join(REPO, "test", "fixtures", "recipe")
FAKE_COMMAND = os.path.join(HERE, "fake_command.py")

COMMANDS = ("esxcli", "localcli", "partedUtil", "vmkfstools", "vmware", "auto-backup.sh",
            "chkconfig", "mount", "umount", "sync", "udevadm")

if PAYLOAD not in sys.path:
    sys.path.insert(0, PAYLOAD)
for extra in (os.path.join(RECIPE, "scripts"), os.path.join(RECIPE, "hooks")):
    if extra not in sys.path:
        sys.path.insert(0, extra)


# Keep the payload's log lines out of the test output (tests assert on problems).
_LOG = logging.getLogger("maas-esxi")
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False


def fixture_path(*parts):
    return os.path.join(FIXTURES, *parts)


def fixture_text(*parts):
    with open(fixture_path(*parts)) as handle:
        return handle.read()


def fixture_json(*parts):
    from collections import OrderedDict
    with open(fixture_path(*parts)) as handle:
        return json.load(handle, object_pairs_hook=OrderedDict)


class FakeHost(object):
    """A temp dir with fake commands first on PATH; use as a context manager."""

    def __init__(self, responses=None, mount_root=None, network=None):
        self.dir = tempfile.mkdtemp(prefix="fake-esxi-")
        self.bin = os.path.join(self.dir, "bin")
        os.mkdir(self.bin)
        self.log = os.path.join(self.dir, "commands.log")
        self.responses = dict(responses or {})
        self.mount_root = mount_root
        self.network_state = None
        self.server = None
        if network is not None:  # a fake_esxi_network state: esxcli network becomes stateful
            self.network_state = os.path.join(self.dir, "network.state")
            # Through JSON first, as the state was kept before: tuples become lists.
            fake_esxi_network.save(self.network_state, json.loads(json.dumps(network)))
            self.server = NetworkServer(self.dir, self.network_state)
        self.write_scripts()
        open(self.log, "w").close()
        self.saved_env = None

    def write_scripts(self):
        """Each command's sh script, with its canned answers inlined (fake_shell.py)."""
        for name in COMMANDS:
            hand_over = None  # what fake_command.py answers, with the settings it needs
            if name in ("mount", "umount") and self.mount_root:
                hand_over = {"FAKE_ESXI_MOUNT_ROOT": self.mount_root}
            served = self.server.requests if name == "esxcli" and self.server else None
            fake_shell.write_script(os.path.join(self.bin, name), fake_shell.script(
                name, self.responses, sys.executable, FAKE_COMMAND, hand_over, served))

    def respond(self, command, stdout="", rc=0, stderr=""):
        self.responses[command] = {"stdout": stdout, "rc": rc, "stderr": stderr}
        self.write_scripts()

    def env(self):
        env = dict(os.environ)
        env["PATH"] = self.bin + os.pathsep + env.get("PATH", "")
        env["FAKE_ESXI_LOG"] = self.log
        return env

    def network(self):
        """The stateful fake's network as the commands left it."""
        return fake_esxi_network.load(self.network_state)

    def management_vmk(self):
        """(vmk, vSwitch) of the vmk tagged Management, or None: what an operator can reach."""
        state = self.network()
        for vmk in state["vmks"]:
            if "Management" in vmk["tags"]:
                group = [pg for pg in state["portgroups"] if pg["name"] == vmk["portgroup"]]
                switch = [s for s in state["vswitches"] if group and s["name"] == group[0]["vswitch"]]
                if switch:
                    return vmk, switch[0]
        return None

    def __enter__(self):
        self.saved_env = dict(os.environ)
        os.environ.update(self.env())
        return self

    def __exit__(self, *exc):
        if self.server is not None:
            self.server.stop()
        os.environ.clear()
        os.environ.update(self.saved_env)
        shutil.rmtree(self.dir, ignore_errors=True)

    def calls(self):
        return fake_shell.read_log(self.log)

    def commands(self):
        """Every recorded command line as one string."""
        return [" ".join(call["argv"]) for call in self.calls()]

    def mutations(self):
        """Command lines that change the host (queries filtered out)."""
        queries = ("--formatter=csv", " get", "getptbl", "getUsableSectors", "vmware -v",
                   "vmkfstools -P")
        return [c for c in self.commands() if not any(q in c for q in queries)]
