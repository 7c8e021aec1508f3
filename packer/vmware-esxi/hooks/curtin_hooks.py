#!/usr/bin/env python3
"""curtin-hooks of the maas-esxi image (installed as /curtin/curtin-hooks on partition 1).

Runs in MAAS's ephemeral Ubuntu after curtin has written the image: curtin
mounts the partition that holds curtin/ (partition 1 here), sets
TARGET_MOUNT_POINT to it and CONFIG to its merged config, a JSON file
(docs/esxi-first-boot.md), and runs this file.

ESXi cannot see partition 1 at run time, but it mounts partition 6 (the
alternate boot bank, FAT) as /altbootbank. So this hook copies the payload
(maas-esxi.pyz) and the parts of the config that first boot needs (network,
storage, and reporting.maas = the machine's metadata credentials) as JSON
into partition 6 under maas/, then removes curtin/ from partition 1. Any
failure exits non-zero so curtin, and MAAS, report the deployment as failed.

Python 3.5 compatible, standard library only (checked by the tests).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import OrderedDict

PAYLOAD = "maas-esxi.pyz"
STATE_DIR = "maas"
STATE_FILE = "curtin.json"
KEPT_KEYS = ("network", "storage", "reporting")
ALTBOOTBANK_PARTITION = 6


class HookError(Exception):
    pass


def log(message):
    sys.stdout.write("maas-esxi curtin-hooks: %s\n" % message)
    sys.stdout.flush()


def run(argv):
    log("$ " + " ".join(argv))
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = proc.communicate()[0].decode("utf-8", "replace")
    if out.strip():
        log(out.strip())
    if proc.returncode != 0:
        raise HookError("%s exited with %d" % (argv[0], proc.returncode))


def load_config(path):
    with open(path) as handle:
        text = handle.read()
    try:
        return json.loads(text, object_pairs_hook=OrderedDict)
    except ValueError:
        # curtin writes JSON; an older curtin handing over YAML still works
        # because the ephemeral environment always has PyYAML (curtin needs it).
        import yaml
        return yaml.safe_load(text)


def _unescape_mount_field(field):
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def mount_source(target, mountinfo="/proc/self/mountinfo"):
    """Block device mounted at `target` (the partition holding curtin/)."""
    wanted = os.path.realpath(target)
    source = None
    with open(mountinfo) as handle:
        for line in handle:
            fields = line.split()
            if len(fields) < 10 or "-" not in fields:
                continue
            dash = fields.index("-")
            if _unescape_mount_field(fields[4]) == wanted:
                source = _unescape_mount_field(fields[dash + 2])
    if not source or not source.startswith("/dev/"):
        raise HookError("cannot find the block device mounted at %s" % target)
    return os.path.realpath(source)


def sibling_partition(device, number, sysfs="/sys"):
    """/dev/sda1 -> /dev/sda6; /dev/nvme0n1p1 -> /dev/nvme0n1p6 (found through sysfs)."""
    name = os.path.basename(device)
    part_dir = os.path.realpath(os.path.join(sysfs, "class", "block", name))
    if not os.path.exists(os.path.join(part_dir, "partition")):
        raise HookError("%s is not a partition" % device)
    disk_dir = os.path.dirname(part_dir)
    for entry in sorted(os.listdir(disk_dir)):
        partition_file = os.path.join(disk_dir, entry, "partition")
        if os.path.isfile(partition_file):
            with open(partition_file) as handle:
                if handle.read().strip() == str(number):
                    return "/dev/" + entry
    raise HookError("disk %s has no partition %d" % (os.path.basename(disk_dir), number))


def state_from_config(config):
    missing = [key for key in KEPT_KEYS if key not in config]
    if missing:
        raise HookError("curtin config lacks %s" % ", ".join(missing))
    return OrderedDict((key, config[key]) for key in KEPT_KEYS)


def install(target, config, sysfs="/sys", mountinfo="/proc/self/mountinfo"):
    hook_dir = os.path.join(target, "curtin")
    payload = os.path.join(hook_dir, PAYLOAD)
    if not os.path.isfile(payload):
        raise HookError("%s is missing" % payload)
    state = state_from_config(config)
    if shutil.which("udevadm"):
        run(["udevadm", "settle"])
    altbootbank = sibling_partition(mount_source(target, mountinfo), ALTBOOTBANK_PARTITION, sysfs)
    mountpoint = tempfile.mkdtemp(prefix="maas-esxi-")
    try:
        run(["mount", "-t", "vfat", altbootbank, mountpoint])
    except HookError:
        os.rmdir(mountpoint)
        raise
    try:
        state_dir = os.path.join(mountpoint, STATE_DIR)
        if not os.path.isdir(state_dir):
            os.makedirs(state_dir)
        shutil.copyfile(payload, os.path.join(state_dir, PAYLOAD))
        with open(os.path.join(state_dir, STATE_FILE), "w") as handle:
            json.dump(state, handle, indent=1, sort_keys=False)
        log("saved %s and %s on %s" % (PAYLOAD, STATE_FILE, altbootbank))
    finally:
        run(["sync"])
        run(["umount", mountpoint])
        os.rmdir(mountpoint)
    # Leave the EFI system partition as the ESXi installer made it.
    shutil.rmtree(hook_dir)
    log("removed curtin/ from partition 1")


def main(environ=None, sysfs="/sys", mountinfo="/proc/self/mountinfo"):
    environ = os.environ if environ is None else environ
    try:
        target, config_path = environ.get("TARGET_MOUNT_POINT"), environ.get("CONFIG")
        if not target or not config_path:
            raise HookError("TARGET_MOUNT_POINT and CONFIG must be set (run by curtin)")
        install(target, load_config(config_path), sysfs, mountinfo)
    except (HookError, OSError, ValueError) as err:
        sys.stderr.write("maas-esxi curtin-hooks: ERROR: %s\n" % err)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
