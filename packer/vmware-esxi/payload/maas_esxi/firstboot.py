"""First boot of a MAAS-deployed ESXi host, in MAAS's documented order.

UUID, network, storage, then (firewall opened for port 5248) SSH keys,
hostname, vendor-data, problems reported to MAAS's event log, user-data
(fetching it marks the machine Deployed, so it comes last), firewall back,
configuration persisted. Every step runs even if an earlier one failed so
the host ends up as usable as possible. The state directory (payload and
curtin.json with the machine's MAAS credentials) is removed only when
everything succeeded; otherwise it stays for inspection next to
/var/log/maas.log.
"""

import logging
import os
import shutil
from collections import OrderedDict

from . import host_setup
from .curtin_state import STATE_FILE, load_curtin_config
from .datastore import apply_storage
from .metadata import Credentials, MetadataClient, MetadataError
from .network_apply import apply_network
from .user_data import run_user_data
from .vendor_data import apply_vendor_data

LOG = logging.getLogger("maas-esxi")


class Paths(object):
    """Host files touched by first boot (tests point them into a temp dir)."""

    def __init__(self, root="/"):
        join = os.path.join
        self.root = root
        self.esx_conf = join(root, "etc/vmware/esx.conf")
        self.authorized_keys = join(root, "etc/ssh/keys-root/authorized_keys")
        self.ntp_conf = join(root, "etc/ntp.conf")


class FirstBoot(object):
    def __init__(self, state_dir, runner, paths=None, client_factory=MetadataClient):
        self.state_dir = state_dir
        self.runner = runner
        self.paths = paths or Paths()
        self.client_factory = client_factory
        self.problems = OrderedDict()

    def step(self, name, action):
        LOG.info("== %s", name)
        try:
            messages = action() or []
        except Exception as err:  # one broken step must not stop the others
            LOG.exception("%s failed", name)
            messages = ["%s: %s" % (type(err).__name__, err)]
        for message in messages:
            LOG.error("%s: %s", name, message)
        if messages:
            self.problems.setdefault(name, []).extend(messages)
        return not messages

    def run(self):
        config = load_curtin_config(os.path.join(self.state_dir, STATE_FILE))
        paths, runner = self.paths, self.runner
        self.step("uuid", lambda: host_setup.regenerate_uuid(runner, paths.esx_conf))
        self.step("network", lambda: apply_network(config.get("network"), runner))
        self.step("storage", lambda: apply_storage(config.get("storage"), runner))
        client = None
        try:
            client = self.client_factory(Credentials.from_curtin_config(config))
        except MetadataError as err:
            self.problems["metadata"] = [str(err)]
            LOG.error("metadata: %s", err)
        firewall_was_on = False
        if client is not None:
            firewall_was_on = self.open_firewall()
            self.talk_to_maas(client)
        if firewall_was_on:
            self.step("firewall", lambda: host_setup.set_firewall(runner, True))
        self.step("persist", lambda: host_setup.persist_configuration(runner))
        return self.finish()

    def open_firewall(self):
        # ESXi's firewall blocks outgoing HTTP to the rack's port 5248.
        state = {"on": False}

        def action():
            state["on"] = host_setup.firewall_enabled(self.runner)
            if state["on"]:
                host_setup.set_firewall(self.runner, False)
        self.step("firewall", action)
        return state["on"]

    def talk_to_maas(self, client):
        runner, paths = self.runner, self.paths
        self.step("ssh-keys", lambda: host_setup.add_ssh_keys(
            client.get_text("latest/meta-data/public-keys"), paths.authorized_keys))
        self.step("hostname", lambda: host_setup.set_hostname(
            runner, client.get_text("latest/meta-data/local-hostname")))
        self.step("vendor-data", lambda: apply_vendor_data(
            client.get("latest/vendor-data"), runner, paths.root, paths.ntp_conf))
        self.report(client, list(self.problems.items()))
        before = set(self.problems)
        self.step("user-data", lambda: run_user_data(
            client.get("latest/user-data"), self.state_dir, runner))
        self.report(client, [(k, v) for k, v in self.problems.items() if k not in before])

    def report(self, client, items):
        for name, messages in items:
            try:
                client.report(name, "; ".join(messages)[:1000])
            except MetadataError as err:
                LOG.warning("could not report %s problems to MAAS: %s", name, err)

    def finish(self):
        if self.problems:
            LOG.error("first boot finished with problems in: %s; %s kept for inspection",
                      ", ".join(self.problems), self.state_dir)
            return 1
        LOG.info("first boot finished; removing %s", self.state_dir)
        shutil.rmtree(self.state_dir, ignore_errors=True)
        return 0
