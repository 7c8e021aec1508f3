"""First-boot steps as MAAS status events: the contract `deploy --wait` reads.

The steps, their texts and the event texts below live in first_boot_steps.json,
shipped inside the payload: the MAAS simulator (lib/testing/first-boot-contract.ts)
reads the same file, so the two cannot drift apart.

MAAS's status handler (src/metadataserver/api_twisted.py,
StatusWorkerService._processMessage) writes only `start` events and failures
to the machine's event log (a `finish` with SUCCESS is dropped), shows each as
"'<origin>' <description>" (src/metadataserver/api.py
add_event_to_node_event_log), and a name holding "/" never changes the
machine's status. So every step is named in its descriptions:

  start   maas-esxi/<step>       "maas-esxi <step>: <what it does>"
  finish  maas-esxi/<step>       SUCCESS "maas-esxi <step>: done"
                                 FAIL    "maas-esxi <step> failed: <cause>"
                                         (one FAIL per problem the step found)
  start   maas-esxi/firstboot    "maas-esxi first boot finished: SUCCESS (N steps)"
                                 "maas-esxi first boot finished: FAILED at <step>: <cause>"

ESXi's firewall blocks the rack's port 5248 until first boot opens it, and
UUID, network and storage must never wait for MAAS, so events are queued
with their own timestamps and sent in order once a client is attached.
"""

import json
import logging
import pkgutil
import time
from collections import OrderedDict

from .metadata import MetadataError

LOG = logging.getLogger("maas-esxi")

# pkgutil reads it from maas-esxi.pyz as well as from a source tree. The package
# name comes from __name__: zipimport on Python 3.5/3.6 runs a module before
# it sets __package__.
PACKAGE = __name__.rpartition(".")[0]
CONTRACT = json.loads(pkgutil.get_data(PACKAGE, "first_boot_steps.json").decode("utf-8"))
STEPS = OrderedDict((step["name"], step["what"]) for step in CONTRACT["steps"])
TEXTS = CONTRACT["texts"]
ORIGIN = CONTRACT["origin"]
VERDICT_STEP = CONTRACT["verdict_step"]
MAX_CAUSE = CONTRACT["max_cause"]


def one_line(text):
    """A cause as one short line (MAAS shows the description as is)."""
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_CAUSE else line[:MAX_CAUSE - 3] + "..."


def start_description(step, what):
    return TEXTS["start"].format(step=step, what=what)


def finish_description(step, cause=None):
    if cause is None:
        return TEXTS["done"].format(step=step)
    return TEXTS["failed"].format(step=step, cause=one_line(cause))


def verdict_description(steps, failed_step=None, cause=None):
    if failed_step is None:
        return TEXTS["success"].format(steps=steps)
    return TEXTS["failure"].format(step=failed_step, cause=one_line(cause))


class StepEvents(object):
    """Queues status events until a metadata client can send them."""

    def __init__(self, clock=time.time):
        self.clock = clock
        self.pending = []
        self.client = None

    def _event(self, event_type, step, description, result=None):
        event = {
            "event_type": event_type,
            "origin": ORIGIN,
            "name": "%s/%s" % (ORIGIN, step),
            "description": description,
            "timestamp": self.clock(),
        }
        if result is not None:
            event["result"] = result
        self.pending.append(event)
        self.flush()

    def start(self, step, what):
        self._event("start", step, start_description(step, what))

    def finish(self, step, cause=None):
        self._event("finish", step, finish_description(step, cause),
                    "SUCCESS" if cause is None else "FAIL")

    def verdict(self, steps, failed_step=None, cause=None):
        description = verdict_description(steps, failed_step, cause)
        (LOG.info if failed_step is None else LOG.error)("%s", description)
        self._event("start", VERDICT_STEP, description)

    def attach(self, client):
        self.client = client
        self.flush()

    def detach(self):
        self.client = None

    def flush(self):
        """Send queued events in order; on failure keep them (offline: drop with a log line)."""
        while self.client is not None and self.pending:
            if getattr(self.client, "offline", False):
                LOG.warning("events: offline, %d event(s) not sent to MAAS (see this log)",
                            len(self.pending))
                self.pending = []
                return
            try:
                self.client.post_event(self.pending[0])
            except MetadataError as err:
                LOG.warning("events: could not send %s to MAAS: %s", self.pending[0]["name"], err)
                if not getattr(self.client, "offline", False):
                    self.pending.pop(0)
                continue
            self.pending.pop(0)
