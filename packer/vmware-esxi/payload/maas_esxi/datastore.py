"""datastore1 spans the rest of the deployment disk.

MAAS does not support custom storage for ESXi: it "will extend datastore1 to
the full size of the deployment disk" (https://discourse.maas.io/t/-/3243).
The dd-written image keeps its backup GPT where the image ended, so
`partedUtil fixGpt` moves it to the disk's end first (docs/esxi-first-boot.md
docs/esxi-first-boot.md). An ESXi 7+ image built on 32 GiB has no datastore at all (docs/esxi-first-boot.md): then
partition 8 (3 on 6.7) is created from after the last partition to the last
usable sector and formatted VMFS6; an existing datastore is grown instead.
Other disks are never touched.
"""

import logging
import re

from .boot_disk import find_deployment_disk
from .commands import CommandError

LOG = logging.getLogger("maas-esxi")

VMFS_TYPE_GUID = "AA31E02A400F11DB9590000C2911D1B8"
DATASTORE_NAME = "datastore1"
ALIGN_SECTORS = 2048
# The installer itself makes a datastore only with >= 4 GB left over (docs/esxi-first-boot.md); we
# are less strict but skip slivers too small to be a useful VMFS6 volume.
MIN_NEW_DATASTORE_BYTES = 2 * 1024 ** 3
SECTOR_BYTES = 512


class PartitionEntry(object):
    def __init__(self, number, start, end, type_guid, type_name):
        self.number = number
        self.start = start
        self.end = end
        self.type_guid = type_guid.upper()
        self.type_name = type_name


def parse_getptbl(text):
    """`partedUtil getptbl DEV`: label, geometry, then `N start end GUID name attr`."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or lines[0][0] != "gpt":
        raise ValueError("not a GPT disk: %r" % text[:80])
    entries = []
    for fields in lines[2:]:
        entries.append(PartitionEntry(int(fields[0]), int(fields[1]), int(fields[2]),
                                      fields[3], fields[4] if len(fields) > 4 else ""))
    return entries


def esxi_major_version(runner):
    """6, 7, 8 or 9 from `vmware -v` ("VMware ESXi 8.0.2 build-22380479")."""
    out = runner.run(["vmware", "-v"]).stdout
    match = re.search(r"ESXi (\d+)\.", out)
    if not match:
        raise ValueError("cannot read the ESXi version from %r" % out.strip())
    return int(match.group(1))


def fix_gpt(runner, path):
    # fixGpt asks to confirm, then whether to move the backup GPT and to use
    # the whole disk; answering more than asked is harmless.
    runner.run(["partedUtil", "fixGpt", path], input_text="Y\nFix\nFix\nFix\n")


def usable_last_sector(runner, path):
    fields = runner.run(["partedUtil", "getUsableSectors", path]).stdout.split()
    return int(fields[1])


def datastore_name(runner, device):
    """datastore1, unless another disk already has a volume of that name."""
    taken = set(row.get("volumename") for row in runner.esxcli_rows(["storage", "filesystem", "list"]))
    name, index = DATASTORE_NAME, 1
    while name in taken:
        name = "%s (%d)" % (DATASTORE_NAME, index)
        index += 1
    if name != DATASTORE_NAME:
        LOG.warning("storage: a volume named %s exists on another disk; new datastore on %s "
                    "is called %r", DATASTORE_NAME, device, name)
    return name


def size_text(first, last):
    """Size of sectors first..last, e.g. '465.3 GiB (499558268416 bytes)'."""
    size = max(0, last - first + 1) * SECTOR_BYTES
    return "%.1f GiB (%d bytes)" % (size / float(1024 ** 3), size)


def grow_datastore(runner, path, entries, entry, last, name=DATASTORE_NAME):
    later = [e for e in entries if e.start > entry.end]
    if entry.end >= last:
        LOG.info("storage: %s kept: partition %d already ends at the last usable sector, "
                 "%s", name, entry.number, size_text(entry.start, entry.end))
        return []
    if later:
        return ["datastore partition %d is followed by partition %d; it cannot grow"
                % (entry.number, later[0].number)]
    runner.run(["partedUtil", "resize", path, str(entry.number), str(entry.start), str(last)])
    part = "%s:%d" % (path, entry.number)
    runner.run(["vmkfstools", "--growfs", part, part])
    LOG.info("storage: %s grown: partition %d of %s now %s (was %s)", name, entry.number, path,
             size_text(entry.start, last), size_text(entry.start, entry.end))
    return []


def create_datastore(runner, path, device, entries, last, major):
    number = 8 if major >= 7 else 3
    if any(e.number == number for e in entries):
        return ["partition %d already exists on %s and is not VMFS; no datastore created"
                % (number, device)]
    end_of_last = max(e.end for e in entries) if entries else 0
    start = ((end_of_last + 1 + ALIGN_SECTORS - 1) // ALIGN_SECTORS) * ALIGN_SECTORS
    if (last - start + 1) * SECTOR_BYTES < MIN_NEW_DATASTORE_BYTES:
        LOG.info("storage: only %d MiB left after partition %d; no datastore created",
                 max(0, last - start + 1) * SECTOR_BYTES // (1024 * 1024),
                 max(e.number for e in entries) if entries else 0)
        return []
    name = datastore_name(runner, device)
    runner.run(["partedUtil", "add", path, "gpt",
                "%d %d %d %s 0" % (number, start, last, VMFS_TYPE_GUID)])
    runner.run(["vmkfstools", "-C", "vmfs6", "-S", name, "%s:%d" % (path, number)])
    LOG.info("storage: %s created: VMFS6 on partition %d of %s, sectors %d-%d, %s", name, number,
             path, start, last, size_text(start, last))
    return []


def apply_storage(storage, runner):
    """Returns the list of problems (empty on success)."""
    # MAAS always sends a layout, "to allow Curtin to correctly select the boot
    # device" (docs/esxi-first-boot.md); ESXi needs its own partitions.
    LOG.info("storage: keeping ESXi's partition layout; MAAS's layout only names the boot disk")
    try:
        device, problems = find_deployment_disk(storage, runner)
        if device is None:
            return problems
        path = "/vmfs/devices/disks/%s" % device
        fix_gpt(runner, path)
        partitions = parse_getptbl(runner.run(["partedUtil", "getptbl", path]).stdout)
        last = usable_last_sector(runner, path)
        vmfs = [row for row in runner.esxcli_rows(["storage", "vmfs", "extent", "list"])
                if row.get("devicename") == device]
        if vmfs:
            numbers = [int(row["partition"]) for row in vmfs]
            entry = max((e for e in partitions if e.number in numbers), key=lambda e: e.end)
            name = [row.get("volumename") for row in vmfs
                    if int(row["partition"]) == entry.number][0] or DATASTORE_NAME
            return grow_datastore(runner, path, partitions, entry, last, name)
        return create_datastore(runner, path, device, partitions, last,
                                esxi_major_version(runner))
    except (CommandError, ValueError) as err:
        return [str(err)]
