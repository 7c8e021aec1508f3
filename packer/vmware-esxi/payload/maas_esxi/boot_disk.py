"""Which ESXi device is the deployment disk.

MAAS wrote the image to its boot disk: the storage config's `grub_device`
disk, which is not necessarily the first disk (docs/esxi-first-boot.md: one
realistic case has nvme0n1 first and grub_device on nvme1n1). MAAS knows
disks by Linux serial/model; ESXi names them t10.ATA_____<model><serial>
(hyphen -> "2D", blank -> "_"), t10.NVMe____<model><EUI-64> or eui.<NGUID>
(docs/esxi-first-boot.md): an NVMe serial is usually *not* in the ESXi name, so NVMe disks are
matched through `esxcli nvme device get` of their adapter.

The disk ESXi booted from (the one holding /bootbank) is the cross-check:
if MAAS's disk and ESXi's boot disk disagree nothing is touched.
"""

import logging
import re

from .commands import CommandError

LOG = logging.getLogger("maas-esxi")


def grub_disk(storage):
    """The storage config's disk entry with grub_device (on the disk or a partition)."""
    entries = (storage or {}).get("config") or []
    disks = dict((e.get("id"), e) for e in entries if e.get("type") == "disk")
    for entry in entries:
        if entry.get("type") == "disk" and entry.get("grub_device"):
            return entry
    for entry in entries:
        if entry.get("type") == "partition" and entry.get("grub_device"):
            return disks.get(entry.get("device"))
    return None


def t10_serial_token(serial):
    """How a serial appears inside an ESXi t10 device name."""
    out = []
    for char in serial.strip():
        if char.isalnum() or char in "._":
            out.append(char)
        elif char == " ":
            out.append("_")
        else:
            out.append("%02X" % ord(char))
    return "".join(out)


def bootbank_disk(runner):
    """Device holding /bootbank, from `vmkfstools -P /bootbank` ("Partitions spanned")."""
    try:
        out = runner.run(["vmkfstools", "-P", "/bootbank"]).stdout
    except CommandError as err:
        LOG.warning("storage: cannot tell which disk ESXi booted from: %s", err)
        return None
    lines = out.splitlines()
    for index, line in enumerate(lines):
        if line.strip().startswith("Partitions spanned"):
            for following in lines[index + 1:]:
                following = following.strip()
                if following:
                    return re.sub(r":\d+$", "", following)
    return None


def nvme_serials(runner):
    """ESXi device name -> NVMe controller serial number."""
    adapters = []
    for args in (["nvme", "device", "list"], ["nvme", "adapter", "list"]):
        try:
            rows = runner.esxcli_rows(args)
        except CommandError:
            continue
        for row in rows:
            name = row.get("hbaname") or row.get("adapter") or row.get("name")
            if name and name.startswith("vmhba") and name not in adapters:
                adapters.append(name)
        if adapters:
            break
    serial_of_adapter = {}
    for adapter in adapters:
        try:
            rows = runner.esxcli_rows(["nvme", "device", "get", "--adapter=%s" % adapter])
        except CommandError as err:
            LOG.warning("storage: %s", err)
            continue
        if rows and rows[0].get("serialnumber"):
            serial_of_adapter[adapter] = rows[0]["serialnumber"].strip()
    serials = {}
    if serial_of_adapter:
        for row in runner.esxcli_rows(["storage", "core", "path", "list"]):
            serial = serial_of_adapter.get(row.get("adapter"))
            if serial and row.get("device"):
                serials[row["device"]] = serial
    return serials


def match_disk(maas_disk, devices, serial_of_device):
    """ESXi device names that are MAAS's disk (by WWN, NVMe serial or t10 serial)."""
    serial = (maas_disk.get("serial") or "").strip()
    wwn = (maas_disk.get("wwn") or "").strip().lower()
    if wwn.startswith("0x"):
        wwn = wwn[2:]
    found = []
    for device in devices:
        if wwn and device.lower() in ("naa.%s" % wwn, "eui.%s" % wwn):
            found.append(device)
        elif serial and serial_of_device.get(device, "").strip() == serial:
            found.append(device)
        elif serial and device.startswith("t10.") and device.endswith(t10_serial_token(serial)):
            found.append(device)
    return found


def find_deployment_disk(storage, runner):
    """Returns (device, problems). device is None when nothing may be touched."""
    devices = [row["device"] for row in runner.esxcli_rows(["storage", "core", "device", "list"])
               if row.get("device")]
    booted = bootbank_disk(runner)
    maas_disk = grub_disk(storage)
    if maas_disk is None:
        if booted:
            LOG.warning("storage: MAAS names no boot disk; using the disk ESXi booted from: %s",
                        booted)
            return booted, []
        return None, ["no boot disk in the MAAS storage config and no ESXi boot disk found"]
    matches = match_disk(maas_disk, devices, nvme_serials(runner))
    label = "MAAS boot disk %s (serial %s)" % (maas_disk.get("name") or maas_disk.get("id"),
                                                maas_disk.get("serial"))
    if len(matches) > 1:
        return None, ["%s matches several ESXi devices (%s); storage left unchanged"
                      % (label, ", ".join(matches))]
    if matches:
        if booted and booted != matches[0]:
            return None, ["%s is ESXi device %s but ESXi booted from %s; storage left unchanged"
                          % (label, matches[0], booted)]
        LOG.info("storage: %s is ESXi device %s", label, matches[0])
        return matches[0], []
    if booted:
        LOG.warning("storage: %s not found among ESXi devices; using the disk ESXi booted "
                    "from: %s", label, booted)
        return booted, []
    return None, ["%s not found among ESXi devices (%s)" % (label, ", ".join(devices))]
