"""First boot of a MAAS-deployed ESXi host, in MAAS's documented order.

Steps (STEPS, from first_boot_steps.json): read curtin.json, UUID, network,
storage -- none of which waits for MAAS -- then, with the firewall opened for
the rack's port 5248, SSH keys, hostname, vendor-data and user-data
(fetching it marks the machine Deployed, so it comes last), firewall
restored, configuration persisted.

Every step runs even if an earlier one failed, so the host ends up as usable
as possible, and each is reported to MAAS as start/finish status events
followed by one verdict event (step_events). A guard around the whole run
turns any unexpected exception into a logged, reported failure with a
non-zero exit, after making sure the host still has its management
network. The state directory (payload and curtin.json with the machine's
MAAS credentials) is removed only when everything succeeded; otherwise it
stays for inspection next to /var/log/maas.log.
"""

import logging
import os
import shutil
from collections import OrderedDict

from . import host_setup
from .curtin_state import STATE_FILE, CurtinStateError, load_curtin_config
from .datastore import apply_storage
from .metadata import Credentials, MetadataClient, MetadataError
from .network_apply import apply_network, ensure_management_network
from .step_events import STEPS, StepEvents, one_line
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
    def __init__(self, state_dir, runner, paths=None, client_factory=MetadataClient,
                 events=None):
        self.state_dir = state_dir
        self.runner = runner
        self.paths = paths or Paths()
        self.client_factory = client_factory
        self.events = events or StepEvents()
        self.problems = OrderedDict()
        self.config = OrderedDict()
        self.client = None
        self.credentials = None
        self.firewall_was_on = False
        self.steps_run = 0
        self.current = None

    # -- one step --------------------------------------------------------
    def step(self, name, action):
        LOG.info("== %s: %s", name, STEPS[name])
        self.current = name
        self.events.start(name, STEPS[name])
        try:
            messages = action() or []
        except MetadataError as err:  # MAAS unreachable or no credentials: said, no traceback
            messages = [str(err)]
        except Exception as err:  # one broken step must not stop the others
            LOG.exception("%s failed", name)
            messages = ["%s: %s" % (type(err).__name__, err)]
        for message in messages:
            LOG.error("%s: %s", name, message)
        self.steps_run += 1
        if messages:
            self.problems.setdefault(name, []).extend(messages)
            # One FAIL event per problem: each names what it is about (e.g. a skipped bond).
            for message in messages:
                self.events.finish(name, message)
        else:
            self.events.finish(name)
        self.current = None
        return not messages

    # -- the run ---------------------------------------------------------
    def run(self):
        try:
            self.run_steps()
        except Exception as err:  # the guard: log, keep a network, report, exit 1
            LOG.exception("first boot stopped by an unexpected error")
            failed = self.current or "firstboot"
            self.problems.setdefault(failed, []).append(
                "unexpected %s: %s" % (type(err).__name__, one_line(err)))
            self.events.finish(failed, self.problems[failed][-1])
            self.recover(failed)
        self.send_verdict()
        return self.finish()

    def recover(self, failed):
        """After an unexpected error: a management vmk must exist and the firewall be back on."""
        try:
            messages = ensure_management_network(self.runner, self.config.get("network"),
                                                 self.rack_address())
            for message in messages:
                LOG.error("network: %s", message)
            self.problems[failed].extend(messages)
        except Exception:
            LOG.exception("could not check the management network")
        if self.firewall_was_on:
            try:
                host_setup.set_firewall(self.runner, True)
            except Exception:
                LOG.exception("could not switch the firewall back on")

    def run_steps(self):
        runner, paths = self.runner, self.paths
        self.step("config", self.load_config)
        self.step("uuid", lambda: host_setup.regenerate_uuid(runner, paths.esx_conf))
        self.step("network", lambda: apply_network(self.config.get("network"), runner,
                                                   self.rack_address()))
        self.step("storage", lambda: apply_storage(self.config.get("storage"), runner))
        self.step("firewall-open", self.open_firewall)
        self.events.attach(self.client)
        self.step("ssh-keys", lambda: host_setup.add_ssh_keys(
            self.maas().get_text("latest/meta-data/public-keys"), paths.authorized_keys))
        self.step("hostname", lambda: host_setup.set_hostname(
            runner, self.maas().get_text("latest/meta-data/local-hostname")))
        self.step("vendor-data", lambda: apply_vendor_data(
            self.maas().get("latest/vendor-data"), runner, paths.root, paths.ntp_conf))
        self.step("user-data", lambda: run_user_data(
            self.maas().get("latest/user-data"), self.state_dir, runner))
        # Once the firewall is back on, events wait for send_verdict.
        self.events.detach()
        self.step("firewall-restore", self.restore_firewall)
        self.step("persist", lambda: host_setup.persist_configuration(runner))

    def load_config(self):
        try:
            self.config = load_curtin_config(os.path.join(self.state_dir, STATE_FILE))
        except CurtinStateError as err:
            # UUID, network (fallback) and storage still run without it.
            return [str(err)]
        try:
            self.credentials = Credentials.from_curtin_config(self.config)
            self.client = self.client_factory(self.credentials)
        except MetadataError as err:
            return [str(err)]
        return []

    def rack_address(self):
        """The rack controller MAAS booted this machine from (host of the status URL)."""
        return self.credentials.rack_host if self.credentials is not None else None

    def maas(self):
        if self.client is None:
            raise MetadataError("no MAAS credentials (see the config step)")
        return self.client

    # -- firewall: ESXi's blocks outgoing HTTP to the rack's port 5248 ------
    def open_firewall(self):
        if self.client is None:
            LOG.info("firewall: no MAAS credentials; left as it is")
            return []
        self.firewall_was_on = host_setup.firewall_enabled(self.runner)
        if self.firewall_was_on:
            host_setup.set_firewall(self.runner, False)
        else:
            LOG.info("firewall: already off")
        return []

    def restore_firewall(self):
        if self.firewall_was_on:
            host_setup.set_firewall(self.runner, True)
        return []

    # -- the verdict -----------------------------------------------------
    def send_verdict(self):
        if self.problems:
            failed = list(self.problems)[0]
            cause = "; ".join(self.problems[failed])
            self.events.verdict(self.steps_run, failed, cause)
        else:
            self.events.verdict(self.steps_run)
        if not self.events.pending:
            return
        if self.client is None or self.client.offline:
            LOG.warning("events: %d event(s) and the verdict not sent to MAAS (%s); they are "
                        "in this log", len(self.events.pending),
                        "no credentials" if self.client is None else "offline")
            return
        # The firewall is back on (and persisted that way): open it just long
        # enough to send the last events.
        reopened = False
        try:
            if host_setup.firewall_enabled(self.runner):
                host_setup.set_firewall(self.runner, False)
                reopened = True
            self.events.attach(self.client)
        except Exception:
            LOG.exception("events: could not send the verdict to MAAS")
        finally:
            if reopened:
                host_setup.set_firewall(self.runner, True)

    def finish(self):
        if self.problems:
            LOG.error("first boot finished with problems in: %s; %s kept for inspection",
                      ", ".join(self.problems), self.state_dir)
            return 1
        LOG.info("first boot finished: SUCCESS (%d steps); removing %s",
                 self.steps_run, self.state_dir)
        shutil.rmtree(self.state_dir, ignore_errors=True)
        return 0
