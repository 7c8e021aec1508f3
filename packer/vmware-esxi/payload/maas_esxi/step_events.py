"""First-boot steps as MAAS status events: the contract `deploy --wait` reads.

MAAS's status handler (src/metadataserver/api_twisted.py,
StatusWorkerService._processMessage) writes only `start` events and failures
to the machine's event log (a `finish` with SUCCESS is dropped), shows each as
"'<origin>' <description>" (src/metadataserver/api.py
add_event_to_node_event_log), and a name holding "/" never changes the
machine's status. So every step is named in its descriptions:

  start   maas-esxi/<step>       "maas-esxi <step>: <what it does>"
  finish  maas-esxi/<step>       SUCCESS "maas-esxi <step>: done"
                                 FAIL    "maas-esxi <step> failed: <cause>"
  start   maas-esxi/firstboot    "maas-esxi first boot finished: SUCCESS (N steps)"
                                 "maas-esxi first boot finished: FAILED at <step>: <cause>"

ESXi's firewall blocks the rack's port 5248 until first boot opens it, and
UUID, network and storage must never wait for MAAS, so events are queued
with their own timestamps and sent in order once a client is attached.
"""

import logging
import time

from .metadata import MetadataError

LOG = logging.getLogger("maas-esxi")

ORIGIN = "maas-esxi"
VERDICT_STEP = "firstboot"
MAX_CAUSE = 300


def one_line(text):
    """A cause as one short line (MAAS shows the description as is)."""
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_CAUSE else line[:MAX_CAUSE - 3] + "..."


def start_description(step, what):
    return "maas-esxi %s: %s" % (step, what)


def finish_description(step, cause=None):
    if cause is None:
        return "maas-esxi %s: done" % step
    return "maas-esxi %s failed: %s" % (step, one_line(cause))


def verdict_description(steps, failed_step=None, cause=None):
    if failed_step is None:
        return "maas-esxi first boot finished: SUCCESS (%d steps)" % steps
    return "maas-esxi first boot finished: FAILED at %s: %s" % (failed_step, one_line(cause))


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
