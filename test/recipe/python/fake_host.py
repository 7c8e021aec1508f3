"""Test helpers: a PATH of recorded fake commands, fixtures, the recipe's paths."""

import json
import logging
import os
import shutil
import sys
import tempfile

import fake_shell

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
        self.scenario = os.path.join(self.dir, "scenario.json")
        self.responses = dict(responses or {})
        self.mount_root = mount_root
        self.network_state = None
        if network is not None:  # a fake_esxi_network state: esxcli network becomes stateful
            self.network_state = os.path.join(self.dir, "network.json")
            with open(self.network_state, "w") as handle:
                json.dump(network, handle)
        self.write_scenario()
        open(self.log, "w").close()
        self.saved_env = None

    def write_scenario(self):
        """The scenario for fake_command.py, and each command's sh script with its answers inlined."""
        with open(self.scenario, "w") as handle:
            json.dump({"responses": self.responses, "mount_root": self.mount_root,
                       "network_state": self.network_state}, handle)
        for name in COMMANDS:
            delegate = (name in ("mount", "umount") and bool(self.mount_root)) or \
                (name == "esxcli" and bool(self.network_state))
            fake_shell.write_script(os.path.join(self.bin, name), fake_shell.script(
                name, self.responses, sys.executable, FAKE_COMMAND, delegate))

    def respond(self, command, stdout="", rc=0, stderr=""):
        self.responses[command] = {"stdout": stdout, "rc": rc, "stderr": stderr}
        self.write_scenario()

    def env(self):
        env = dict(os.environ)
        env["PATH"] = self.bin + os.pathsep + env.get("PATH", "")
        env["FAKE_ESXI_LOG"] = self.log
        env["FAKE_ESXI_SCENARIO"] = self.scenario
        env["FAKE_ESXI_LIB"] = HERE
        return env

    def network(self):
        """The stateful fake's network as the commands left it."""
        with open(self.network_state) as handle:
            return json.load(handle)

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
