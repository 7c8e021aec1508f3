"""Which ESXi device is the deployment disk.

MAAS wrote the image to its boot disk: the storage config's `grub_device`
disk, which is not necessarily the first disk (docs/esxi-first-boot.md).
MAAS knows disks by Linux serial and model, or by a /dev/disk/by-id path
when two disks share them; ESXi names them
  t10.ATA_____<model, 40 chars><serial, 20 chars>  (blank -> "_", "-" -> "2D";
      the serial right-justified (WD, Seagate) or left-justified (Samsung)),
  naa.<WWN> (SAS), eui.<EUI-64 or NGUID> or t10.NVMe____<model><EUI-64> (NVMe).
An NVMe serial is not in the ESXi name, so NVMe disks are also matched
through the controller serial `esxcli nvme device get` reports.

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
    """How a serial (or model) appears inside an ESXi t10 device name."""
    out = []
    for char in serial.strip():
        if char.isalnum() or char in "._":
            out.append(char)
        elif char == " ":
            out.append("_")
        else:
            out.append("%02X" % ord(char))
    return "".join(out)


def t10_has_serial(device, serial, model=None):
    """Whether the t10 name `device` ends with `serial` as its own field.

    The serial field is 20 characters, padded with blanks ("_") on the left
    (WD, Seagate) or on the right (Samsung, Intel...), so trailing "_" are
    dropped first; the serial must then start right after padding, or right
    after the model when model and serial leave no padding at all.
    """
    token = t10_serial_token(serial or "")
    if not device.startswith("t10.") or not token:
        return False
    body = device.rstrip("_")
    if not body.endswith(token):
        return False
    before = body[:-len(token)]
    if before.endswith("_"):
        return True
    return bool(model) and before.endswith(t10_serial_token(model))


WWN_PATH = re.compile(r"/dev/disk/by-id/(?:wwn-0x|nvme-eui\.|scsi-3)([0-9a-fA-F]+)$")


def _hex_id(value):
    value = (value or "").strip().lower()
    for prefix in ("0x", "naa.", "eui."):
        if value.startswith(prefix):
            value = value[len(prefix):]
    return value if re.match(r"^[0-9a-f]{8,}$", value) else ""


def maas_wwn(maas_disk):
    """MAAS's WWN/EUI of the disk: curtin's `wwn` key, or a by-id `path`
    (MAAS sends `path` instead of model+serial when two disks share them,
    src/maasserver/preseed_storage.py _generate_disk_operation)."""
    if maas_disk.get("wwn"):
        return _hex_id(maas_disk["wwn"])
    match = WWN_PATH.search(maas_disk.get("path") or "")
    return match.group(1).lower() if match else ""


def esxi_wwn(device):
    """naa.<WWN> (SAS, SATA behind SAS HBAs) and eui.<EUI-64/NGUID> (NVMe) names."""
    return _hex_id(device) if device.startswith(("naa.", "eui.")) else ""


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
    """ESXi device names that are MAAS's disk (by WWN, NVMe controller serial or t10 serial)."""
    serial = (maas_disk.get("serial") or "").strip()
    model = (maas_disk.get("model") or "").strip()
    wwn = maas_wwn(maas_disk)
    found = []
    for device in devices:
        if wwn and esxi_wwn(device) == wwn:
            found.append(device)
        elif serial and serial_of_device.get(device, "").strip() == serial:
            found.append(device)
        elif serial and t10_has_serial(device, serial, model):
            found.append(device)
    return found


def serial_unreadable(device, serial_of_device):
    """ESXi names SAS and some NVMe disks by WWN only: their serial is not visible."""
    return bool(esxi_wwn(device)) and device not in serial_of_device


def find_deployment_disk(storage, runner):
    """Returns (device, problems). device is None when nothing may be touched.

    The disk ESXi booted from is used instead of MAAS's disk only when MAAS
    gave nothing ESXi can compare (no boot disk, no serial or WWN, or only a
    serial while ESXi knows the booted disk by WWN alone); that is logged.
    """
    devices = [row["device"] for row in runner.esxcli_rows(["storage", "core", "device", "list"])
               if row.get("device")]
    booted = bootbank_disk(runner)
    maas_disk = grub_disk(storage)
    if maas_disk is None:
        return _fallback(booted, "MAAS names no boot disk (no grub_device in its storage config)")
    serial, wwn = (maas_disk.get("serial") or "").strip(), maas_wwn(maas_disk)
    label = "MAAS boot disk %s (%s)" % (
        maas_disk.get("name") or maas_disk.get("id"),
        ", ".join("%s %s" % (k, v) for k, v in (("serial", serial), ("model", maas_disk.get("model")),
                                                ("wwn", wwn), ("path", maas_disk.get("path"))) if v))
    if not serial and not wwn:
        return _fallback(booted, "%s: MAAS gave no serial or WWN" % label)
    serial_of_device = nvme_serials(runner)
    matches = match_disk(maas_disk, devices, serial_of_device)
    if len(matches) > 1:
        return None, ["%s matches several ESXi devices (%s); storage left unchanged"
                      % (label, ", ".join(matches))]
    if matches:
        if booted and booted != matches[0]:
            return None, ["%s is ESXi device %s but ESXi booted from %s; storage left unchanged"
                          % (label, matches[0], booted)]
        if not booted:
            LOG.warning("storage: cannot cross-check %s with the disk ESXi booted from", matches[0])
        LOG.info("storage: %s is ESXi device %s", label, matches[0])
        return matches[0], []
    if booted and not wwn and serial_unreadable(booted, serial_of_device):
        return _fallback(booted, "%s: ESXi names its boot disk %s by WWN only, so the serial "
                                 "cannot be compared" % (label, booted))
    return None, ["%s matches no ESXi device (%s); storage left unchanged"
                  % (label, ", ".join(devices))]


def _fallback(booted, why):
    if booted:
        LOG.warning("storage: %s; using the disk ESXi booted from: %s", why, booted)
        return booted, []
    return None, ["%s, and the disk ESXi booted from is unknown; storage left unchanged" % why]
