"""The stateful `esxcli network` fake answered inside the test process, not a Python per call.

Each stateful esxcli call used to start `python3 fake_command.py` (~30 ms of CPU to start
Python and import the fake): some 700 processes for the network and first-boot suites. Now
the FakeHost runs this server on a thread: the esxcli sh script (fake_shell.py) makes a reply
FIFO, writes its argv to the request FIFO, and evals the answer (an sh snippet: printf the
canned stdout/stderr, exit with the code) it reads back. The state stays in its file
(fake_esxi_network), so FakeHost.network() reads what the commands left.

Request record (NUL-terminated fields): the reply FIFO's path, the argv count N, N argv words.
An empty reply path stops the server. Like the log, a request must hold no NUL byte.
"""

import errno
import fcntl
import os
import threading
import time
import traceback

import fake_esxi_network
import fake_shell

# How long the server waits for a caller to open its reply FIFO. A caller opens it right after
# its request; one killed in between (its parent gave up on it) must not stall the server.
REPLY_OPEN_BOUND_S = 30.0


class NetworkServer(object):
    """Answers `esxcli ...` requests against the network state file `state`."""

    def __init__(self, directory, state):
        self.requests = os.path.join(directory, "esxcli.requests")
        os.mkfifo(self.requests, 0o600)
        self.state = state
        self.thread = threading.Thread(target=self._serve, name="fake-esxcli-network")
        self.thread.daemon = True  # a test that never stops it must not keep Python alive
        self.thread.start()

    def _serve(self):
        while True:
            with open(self.requests, "rb") as handle:  # blocks until a caller (or stop) writes
                fields = handle.read().decode("utf-8").split("\0")
            at = 0
            while at < len(fields) - 1:  # several callers at once: one record each
                reply = fields[at]
                if not reply:
                    return
                count = int(fields[at + 1])
                self._reply(reply, fields[at + 2:at + 2 + count])
                at += count + 2

    def _reply(self, reply, argv):
        try:
            answer = fake_esxi_network.run(self.state, argv[1:])
            response = {"rc": 0} if answer is None else dict(zip(("rc", "stdout", "stderr"), answer))
        except Exception:  # the caller reports it instead of the suite hanging
            response = {"rc": 70, "stderr": traceback.format_exc()}
        descriptor = _open_reply(reply)
        if descriptor is None:
            return
        os.unlink(reply)  # the caller has it open: the FIFO goes without an `rm` process
        with os.fdopen(descriptor, "w") as handle:
            handle.write(fake_shell.answer(response))

    def stop(self):
        with open(self.requests, "wb") as handle:
            handle.write(b"\0")
        self.thread.join()


def _open_reply(path):
    """The reply FIFO open for writing once its caller reads it, or None after the bound."""
    deadline = time.monotonic() + REPLY_OPEN_BOUND_S
    while True:
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as err:  # ENXIO: no reader yet
            if err.errno != errno.ENXIO or time.monotonic() > deadline:
                return None
            time.sleep(0.001)
            continue
        # Blocking writes again: an answer longer than the pipe's buffer waits for the reader.
        fcntl.fcntl(descriptor, fcntl.F_SETFL, fcntl.fcntl(descriptor, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        return descriptor
