"""Run the user-data MAAS hands over, when it is a script.

ESXi 8 may refuse to exec files that no VIB installed (execInstalledOnly), so
the script is run through the interpreter named on its #! line instead of
being made executable.
"""

import logging
import os

from .commands import CommandError

LOG = logging.getLogger("maas-esxi")


def interpreter(script):
    first = script.split(b"\n", 1)[0][2:].decode("utf-8", "replace").strip()
    return first.split()


def run_user_data(body, workdir, runner):
    if not body or not body.strip():
        LOG.info("user-data: none")
        return []
    if not body.startswith(b"#!"):
        kind = "cloud-config" if body.startswith(b"#cloud-config") else "not a #! script"
        LOG.info("user-data: %s; not run on ESXi", kind)
        return []
    path = os.path.join(workdir, "user-data")
    with open(path, "wb") as handle:
        handle.write(body)
    argv = interpreter(body)
    if not argv:
        return ["user-data has an empty #! line"]
    try:
        result = runner.run(argv + [path])
    except CommandError as err:
        return ["user-data: %s" % err]
    for line in (result.stdout + result.stderr).splitlines():
        LOG.info("user-data: %s", line)
    return []
