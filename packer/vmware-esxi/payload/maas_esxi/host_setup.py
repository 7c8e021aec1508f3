"""Host identity: system UUID, hostname, root's SSH keys, firewall, persistence."""

import logging
import os
import re

from .commands import CommandError

LOG = logging.getLogger("maas-esxi")

UUID_LINE = re.compile(r"^\s*/system/uuid\s*=")


def regenerate_uuid(runner, esx_conf="/etc/vmware/esx.conf"):
    """Give this clone its own system UUID.

    Every machine deployed from the image starts with the UUID generated in
    the build VM; deleting /system/uuid from esx.conf makes ESXi generate a
    new one when it is next asked for (packer-maas KS.CFG does the same).
    """
    with open(esx_conf) as handle:
        lines = handle.readlines()
    kept = [line for line in lines if not UUID_LINE.match(line)]
    if len(kept) != len(lines):
        with open(esx_conf, "w") as handle:
            handle.writelines(kept)
    runner.run(["esxcli", "system", "uuid", "get"])
    return []


def set_hostname(runner, name):
    name = (name or "").strip()
    if not name:
        return ["MAAS sent no local-hostname"]
    option = "--fqdn=%s" % name if "." in name else "--host=%s" % name
    runner.run(["esxcli", "system", "hostname", "set", option])
    return []


def add_ssh_keys(keys_text, path="/etc/ssh/keys-root/authorized_keys"):
    keys = [line.strip() for line in (keys_text or "").splitlines() if line.strip()]
    if not keys:
        LOG.info("ssh: MAAS has no SSH keys for this machine's owner")
        return []
    existing = []
    if os.path.exists(path):
        with open(path) as handle:
            existing = [line.strip() for line in handle if line.strip()]
    new = [key for key in keys if key not in existing]
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory)
    with open(path, "a") as handle:
        for key in new:
            handle.write(key + "\n")
    os.chmod(path, 0o600)
    LOG.info("ssh: %d key(s) added for root", len(new))
    return []


def firewall_enabled(runner):
    rows = runner.esxcli_rows(["network", "firewall", "get"])
    return bool(rows) and rows[0].get("enabled", "").lower() == "true"


def set_firewall(runner, enabled):
    runner.run(["esxcli", "network", "firewall", "set",
                "--enabled=%s" % ("true" if enabled else "false")])


def persist_configuration(runner):
    """Save the configuration to the boot bank now instead of at the hourly backup."""
    try:
        runner.run(["auto-backup.sh"])
        return []
    except CommandError as err:
        return [str(err)]
